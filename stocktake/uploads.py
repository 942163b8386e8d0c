"""Uploaded files: kept on the server under names the server chooses, previewed, then confirmed.

A workbook is stored as ``MEDIA_ROOT/workbooks/<random>.xlsx`` (a flat
entries file as ``MEDIA_ROOT/entry-files/<random>.csv`` or ``.xlsx``) and
remembered in the uploader's session under that random token. The client
only ever sends the token back: a token this session did not store is
unknown, so no request can name a file the server did not save itself.
Confirming hands the stored file to a background job (``jobs``), which
re-reads it and plans again as the same user (the round may have changed
since the preview), so what is written is always checked afresh.

No file outlives its use for long: one refused is deleted at once, one
confirmed when confirmed; a session keeps its newest few previews, and
``manage.py purge_uploads`` deletes any file older than a day. Sizes and
what is refused past them are ``atf.limits``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from atf import limits, uploadhandler
from atf.models import Framework

from .importer import ImportPlan, apply_plan, authorise_plan, plan_import, read_stocktake
from .xlsx import WorkbookError, check_archive

SESSION_KEY = "workbook_uploads"
ENTRY_FILES_KEY = "entry_file_uploads"
MAX_UPLOAD_BYTES = limits.MAX_UPLOAD_BYTES
ZIP_SIGNATURE = b"PK\x03\x04"
SUFFIXES = (".csv", ".xlsx")
# Uploads a session keeps at once, of each kind (previews not yet confirmed).
KEPT_PER_SESSION = 3


def upload_dir(name: str = "workbooks") -> Path:
    directory = Path(settings.MEDIA_ROOT) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _save(uploaded_file, directory: Path, suffix: str = ".xlsx") -> tuple[str, Path]:
    """Write the upload under a new random name, refusing it whole past the size limit.

    A file past the limit has usually been refused as it arrived (``atf.uploadhandler``) and has no
    content; one that came another way is refused here before, or while, it is written.
    """
    if uploadhandler.refused(uploaded_file):
        raise WorkbookError(limits.upload_too_large(uploaded_file.name, uploaded_file.size))
    token = secrets.token_urlsafe(16)
    path = directory / f"{token}{suffix}"
    size = 0
    with path.open("wb") as target:
        for chunk in uploaded_file.chunks():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                target.close()
                path.unlink(missing_ok=True)
                raise WorkbookError(limits.upload_too_large(uploaded_file.name, size))
            target.write(chunk)
    return token, path


def _check_archive(path: Path) -> None:
    """A workbook past ``atf.limits`` (a zip bomb, too many rows or cells) refused and deleted as it is stored."""
    try:
        check_archive(path.read_bytes())
    except WorkbookError:
        path.unlink(missing_ok=True)
        raise


def _known_token(token: str) -> bool:
    return bool(token) and len(token) < 64 and token.replace("-", "").replace("_", "").isalnum()


@dataclass
class Upload:
    token: str
    path: Path
    round_name: str | None
    framework_id: int
    name: str = ""


def _keep_latest(remembered: dict, directory: Path, suffix_of) -> dict:
    """A session's newest ``KEPT_PER_SESSION`` uploads; the older ones' files are deleted.

    A preview left without confirming (Cancel, or the browser closed) leaves its file until the
    session uploads again or ``manage.py purge_uploads`` runs.
    """
    tokens = list(remembered)
    for token in tokens[: max(0, len(tokens) - KEPT_PER_SESSION)]:
        if _known_token(token):
            (directory / f"{token}{suffix_of(remembered[token])}").unlink(missing_ok=True)
        remembered.pop(token)
    return remembered


def store(request, uploaded_file, framework: Framework, round_name: str | None) -> Upload:
    """Save an uploaded file under a server-chosen name and remember it in the session."""
    token, path = _save(uploaded_file, upload_dir())
    _check_archive(path)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"round_name": round_name or None, "framework_id": framework.pk, "name": uploaded_file.name}
    request.session[SESSION_KEY] = _keep_latest(uploads, upload_dir(), lambda _: ".xlsx")
    return Upload(token, path, round_name, framework.pk, uploaded_file.name)


def recall(request, token: str) -> Upload | None:
    """The upload this session made under ``token``, or None."""
    remembered = request.session.get(SESSION_KEY, {}).get(token)
    if remembered is None or not _known_token(token):
        return None
    path = upload_dir() / f"{token}.xlsx"
    if not path.exists():
        return None
    return Upload(token, path, remembered["round_name"], remembered["framework_id"], remembered.get("name", ""))


def forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    (upload_dir() / f"{token}.xlsx").unlink(missing_ok=True)


# Flat entries files ----------------------------------------------------------


@dataclass
class EntryFile:
    token: str
    path: Path
    name: str


def store_entry_file(request, uploaded_file) -> EntryFile:
    """Save a flat entries file (CSV or xlsx, told apart by its content) and remember it in the session."""
    head = uploaded_file.read(4)
    uploaded_file.seek(0)
    token, path = _save(uploaded_file, upload_dir("entry-files"), ".xlsx" if head == ZIP_SIGNATURE else ".csv")
    if path.suffix == ".xlsx":
        _check_archive(path)
    remembered = request.session.get(ENTRY_FILES_KEY, {})
    remembered[token] = {"name": uploaded_file.name[:200], "suffix": path.suffix}
    request.session[ENTRY_FILES_KEY] = _keep_latest(
        remembered, upload_dir("entry-files"), lambda kept: kept.get("suffix") if kept.get("suffix") in SUFFIXES else ""
    )
    return EntryFile(token, path, uploaded_file.name)


def recall_entry_file(request, token: str) -> EntryFile | None:
    """The entries file this session stored under ``token``, or None: never a file named by the client."""
    remembered = request.session.get(ENTRY_FILES_KEY, {}).get(token)
    if remembered is None or not _known_token(token) or remembered.get("suffix") not in (".csv", ".xlsx"):
        return None
    path = upload_dir("entry-files") / f"{token}{remembered['suffix']}"
    return EntryFile(token, path, remembered["name"]) if path.exists() else None


def forget_entry_file(request, entry_file: EntryFile) -> None:
    remembered = request.session.get(ENTRY_FILES_KEY, {})
    remembered.pop(entry_file.token, None)
    request.session[ENTRY_FILES_KEY] = remembered
    entry_file.path.unlink(missing_ok=True)


def refuse_another_round(parsed, round_name: str | None, user) -> None:
    """A workbook of another round, uploaded on this round's page, is said to be so (not read as all changes)."""
    from atf import access

    from .models import Round, WorkbookDownload

    if not round_name:
        return
    downloaded = None
    if parsed.download_token and getattr(user, "pk", None):
        found = WorkbookDownload.objects.filter(token=parsed.download_token[:40], user=user).select_related("round")
        downloaded = found.first()
    other = downloaded.round if downloaded is not None else None
    if other is None and parsed.title:
        target = Round.objects.filter(name=round_name).first()
        if target is not None and parsed.title != (target.title or target.name):
            visible = access.restrict(Round.objects.exclude(pk=target.pk), user, access.VIEW)
            other = next((r for r in visible if parsed.title == (r.title or r.name)), None)
    if other is not None and other.name != round_name:
        raise WorkbookError(
            f"This workbook is “{other}”'s, not “{round_name}”'s. Upload it on that round's page, or download "
            f"the workbook of “{round_name}” and make your changes there."
        )


def plan_upload(upload: Upload, user) -> tuple[ImportPlan, Framework]:
    """The upload's plan; a workbook refused (WorkbookError) is deleted, as no confirm can take it."""
    try:
        framework = Framework.objects.get(pk=upload.framework_id)
        parsed = read_stocktake(upload.path, framework)
        refuse_another_round(parsed, upload.round_name, user)
        plan = plan_import(parsed, framework, upload.round_name, user=user)
        authorise_plan(plan, framework, user)
    except WorkbookError:
        upload.path.unlink(missing_ok=True)
        raise
    return plan, framework


def start_import(request, upload: Upload, round_, place):
    """Hand a checked upload to a background job that imports it (``confirm_upload``, as the same user).

    The job takes the file over (moves it), so a second confirm of the token finds no upload; None if an
    earlier confirm took it first.
    """
    from jobs import work
    from jobs.models import Job

    named = f"“{upload.name}”" if upload.name else "the workbook"
    try:
        job = work.start(
            request.user,
            Job.Kind.WORKBOOK_IMPORT,
            f"Import {named} into {place}'s return for “{round_}”",
            params={
                "round": round_.pk,
                "place": place.pk,
                "framework": upload.framework_id,
                "round_name": upload.round_name,
                "name": upload.name,
            },
            input_file=upload.path,
        )
    except work.AlreadyClaimed:
        job = None
    forget(request, upload.token)
    return job


def start_entry_file_import(request, entry_file: EntryFile, expected: str):
    """Hand a checked flat entries file to a background job that imports it (``import_flat_file``, as the user)."""
    from jobs import work
    from jobs.models import Job

    try:
        job = work.start(
            request.user,
            Job.Kind.ENTRIES_IMPORT,
            f"Import entries from “{entry_file.name}”",
            params={"name": entry_file.name, "expect": expected},
            input_file=entry_file.path,
        )
    except work.AlreadyClaimed:
        job = None
    forget_entry_file(request, entry_file)
    return job


def confirm_upload(upload: Upload, user):
    """Plan afresh and apply, in one transaction: the round may have changed since the preview."""
    with transaction.atomic():
        plan, framework = plan_upload(upload, user)
        round_ = apply_plan(plan, framework, user=user, source=upload.name)
    return plan, round_
