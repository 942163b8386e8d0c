"""A job's progress page, the list of a user's own jobs, and the download of a job's file.

A job is its asker's: anyone else (superusers aside) is told there is no
such page (404). A download checks the tenant rule again: the file is
served only while its user may still view everything it holds.
"""

from __future__ import annotations

from django.apps import apps
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from atf import access, outputs

from .models import Job
from .work import visible_jobs

LISTED = 50
# Rows that may have been deleted since the file was written: what was read then was the user's to read.
MAY_BE_GONE = {"stocktake.entry"}
CHUNK = 500


@require_safe
def job_list(request):
    jobs = visible_jobs(request.user).filter(user=request.user)[:LISTED]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@require_safe
def job_detail(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return render(request, "jobs/job_detail.html", {"job": job, "refresh": not job.is_finished})


def still_visible(user, holds: dict) -> bool:
    """Whether ``user`` may view, now, every row ``holds`` names (model label -> primary keys)."""
    for label, pks in holds.items():
        model = apps.get_model(label)
        pks = list(pks)
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start : start + CHUNK]
            existing = model.objects.filter(pk__in=chunk)
            expected = existing.count() if label in MAY_BE_GONE else len(set(chunk))
            if access.restrict(existing, user, access.VIEW).count() != expected:
                return False
    return True


CONTENT_TYPES = {".csv": outputs.CSV_CONTENT_TYPE, ".xlsx": outputs.XLSX_CONTENT_TYPE, ".pdf": "application/pdf"}


@require_safe
def job_download(request, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk, status=Job.Status.DONE)
    path = job.file_path
    if path is None or path.suffix not in CONTENT_TYPES or not path.is_file():
        raise Http404("This job has no file, or it has been deleted.")
    # The file's owner must still be allowed to read all it holds (a superuser reads it as the owner would).
    if not still_visible(job.user, job.holds) or not still_visible(request.user, job.holds):
        raise Http404("No such file.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.download_name or path.name,
        content_type=CONTENT_TYPES[path.suffix],
    )
