"""Uploaded workbooks: kept on the server under names the server chooses, previewed, then confirmed.

An upload is stored as ``MEDIA_ROOT/workbooks/<random>.xlsx`` and remembered
in the uploader's session under that random token, with the round it is for.
Confirming re-reads the stored file and plans again (the round may have
changed since the preview), so what is written is always checked afresh.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from atf.bulk import collection_paused
from atf.models import Framework

from .importer import ImportPlan, apply_plan, authorise_plan, plan_import, read_stocktake
from .xlsx import WorkbookError

SESSION_KEY = "workbook_uploads"


def upload_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "workbooks"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@dataclass
class Upload:
    token: str
    path: Path
    round_name: str | None
    framework_id: int
    name: str = ""


def store(request, uploaded_file, framework: Framework, round_name: str | None) -> Upload:
    """Save an uploaded file under a server-chosen name and remember it in the session."""
    token = secrets.token_urlsafe(16)
    path = upload_dir() / f"{token}.xlsx"
    size = 0
    with path.open("wb") as target:
        for chunk in uploaded_file.chunks():
            size += len(chunk)
            if size > 50 * 1024 * 1024:
                target.close()
                path.unlink(missing_ok=True)
                raise WorkbookError("This file is larger than 50 MB, far larger than any stocktake workbook.")
            target.write(chunk)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"round_name": round_name or None, "framework_id": framework.pk, "name": uploaded_file.name}
    request.session[SESSION_KEY] = uploads
    return Upload(token, path, round_name, framework.pk, uploaded_file.name)


def recall(request, token: str) -> Upload | None:
    """The upload this session made under ``token``, or None."""
    remembered = request.session.get(SESSION_KEY, {}).get(token)
    if remembered is None or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = upload_dir() / f"{token}.xlsx"
    if not path.exists():
        return None
    return Upload(token, path, remembered["round_name"], remembered["framework_id"], remembered.get("name", ""))


def forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


@collection_paused()
def plan_upload(upload: Upload, user) -> tuple[ImportPlan, Framework]:
    framework = Framework.objects.get(pk=upload.framework_id)
    parsed = read_stocktake(upload.path, framework)
    plan = plan_import(parsed, framework, upload.round_name)
    authorise_plan(plan, framework, user)
    return plan, framework


@collection_paused()
def confirm_upload(upload: Upload, user):
    plan, framework = plan_upload(upload, user)
    round_ = apply_plan(plan, framework, user=user, source=upload.name)
    return plan, round_
