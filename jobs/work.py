"""The jobs API: start a job (its task enqueued once the job is committed), report progress, finish or fail.

Long work leaves the request like this:

    job = work.start(request.user, Job.Kind.WORKBOOK_IMPORT, "Import “x.xlsx” into Knowsley's return",
                     params={...}, input_file=stored_path)
    return redirect(job)  # its progress page

The runner of each kind (``jobs.kinds``) is called by the task with the job,
its user (read afresh, so that the tenant rule holds inside the task exactly
as in the request) and a ``Progress`` to report through. It returns an
``Outcome``; a ``Refused`` it raises is the plain-English reason nothing was
done, shown as the job's outcome; anything else is logged with its traceback
and the user reads only that the work failed and nothing was changed (an
import is one transaction, rolled back whole).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from atf import access

from .models import FILES_DIRECTORY, Job

logger = logging.getLogger(__name__)

FAULT = (
    "This could not be finished because of a fault on our side, and nothing was changed. "
    "Try again; if it fails again, tell the ICS team the time it happened."
)


class Refused(Exception):
    """The work was not done, for a reason its user can act on (the message they read)."""


class AlreadyClaimed(Exception):
    """The input file was taken by an earlier confirm (a double click, another tab)."""


@dataclass
class Outcome:
    message: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    file: Path | None = None  # written by the runner under ``result_path``
    download_name: str = ""
    holds: dict = field(default_factory=dict)  # model label -> primary keys the file holds


def files_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / FILES_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def result_path(suffix: str) -> Path:
    """A new server-chosen name for a job's file."""
    return files_dir() / f"{secrets.token_urlsafe(16)}{suffix}"


def write_result(suffix: str, write) -> Path:
    """A job's file, written by ``write(stream)`` under a new name; a failed write leaves no file."""
    path = result_path(suffix)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as stream:
            write(stream)
        partial.rename(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def input_path(job: Job) -> Path | None:
    name = job.params.get("input", "")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return files_dir() / name


def start(user, kind: str, title: str, *, params: dict | None = None, input_file: Path | None = None) -> Job:
    """Create a queued job and enqueue its task once the job is committed.

    ``input_file`` (a stored upload, already checked by the request) is taken
    over by the job: moved under a new server-chosen name, so that no second
    confirm can start another job with it (``AlreadyClaimed``).
    """
    params = dict(params or {})
    if input_file is not None:
        claimed = files_dir() / f"{secrets.token_urlsafe(16)}.in{input_file.suffix}"
        try:
            input_file.rename(claimed)
        except FileNotFoundError:
            raise AlreadyClaimed from None
        params["input"] = claimed.name
    job = Job.objects.create(user=user, kind=kind, title=title[:300], params=params)
    transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: Job) -> None:
    from .tasks import run_job

    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


class Progress:
    """Report how far a job is: written at most every ``rows`` rows or ``seconds`` seconds (or when forced)."""

    def __init__(self, job: Job, *, rows: int | None = None, seconds: float | None = None):
        self.job = job
        self.rows = rows or getattr(settings, "JOBS_PROGRESS_ROWS", 500)
        self.seconds = seconds if seconds is not None else getattr(settings, "JOBS_PROGRESS_SECONDS", 1.0)
        self.done = job.done
        self.total = job.total
        self.message = job.progress
        self._written_at = 0.0
        self._written_done = -1
        self.writes = 0

    def __call__(self, message: str | None = None, *, done: int | None = None, total: int | None = None):
        """Say what is happening now (always written)."""
        if message is not None:
            self.message = message[:300]
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        self._write()

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done - self._written_done >= self.rows or time.monotonic() - self._written_at >= self.seconds:
            self._write()

    def count(self, rows: Iterable, *, skip_first: bool = False) -> Iterator:
        """``rows`` passed through, each one counted (the header, with ``skip_first``, not)."""
        for index, row in enumerate(rows):
            yield row
            if index or not skip_first:
                self.step()
        self._write()

    def _write(self) -> None:
        self._written_at, self._written_done = time.monotonic(), self.done
        self.writes += 1
        Job.objects.filter(pk=self.job.pk).update(done=self.done, total=self.total, progress=self.message)


def run(job_id: str) -> str:
    """Run a queued job once: claimed (queued -> running), run as its user, left done or failed."""
    from .kinds import RUNNERS

    now = timezone.now()
    if not Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING, started=now):
        return "not queued"  # run already, or gone
    job = Job.objects.get(pk=job_id)
    user = get_user_model().objects.get(pk=job.user_id)  # read afresh: roles as they are now
    progress = Progress(job)
    try:
        outcome = RUNNERS[job.kind](job, user, progress)
    except Refused as exc:
        _fail(job, str(exc))
        return Job.Status.FAILED
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _fail(job, FAULT)
        raise  # the worker keeps the traceback in its task result, for the ICS team
    finally:
        if path := input_path(job):
            path.unlink(missing_ok=True)
    _finish(job, outcome, progress)
    return Job.Status.DONE


def _finish(job: Job, outcome: Outcome, progress: Progress) -> None:
    fields = {
        "status": Job.Status.DONE,
        "finished": timezone.now(),
        "outcome": outcome.message,
        "links": [[label, url] for label, url in outcome.links],
        "progress": "",
        "done": progress.done if progress.total is None else max(progress.done, progress.total),
        # A job that counted nothing (a PDF is laid out in one go) shows no "0 of 0 rows" when done.
        "total": progress.total if progress.total is not None else (progress.done or None),
    }
    if outcome.file is not None:
        fields.update(
            result_file=outcome.file.name, download_name=outcome.download_name[:200], holds=outcome.holds or {}
        )
    Job.objects.filter(pk=job.pk).update(**fields)


def _fail(job: Job, message: str) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, finished=timezone.now(), outcome=message, progress=""
    )


# A job still running after this long was left by a worker that stopped (a crash, a deploy): nothing it
# was saving was kept, as each import is one transaction.
STALLED_AFTER = timedelta(hours=1)
STALLED = (
    "The background worker stopped while this was running, so nothing was saved and no file was made. Start it again."
)


def give_up_stalled(now=None, after: timedelta = STALLED_AFTER) -> int:
    """Mark failed the jobs a stopped worker left running; how many."""
    now = now or timezone.now()
    return Job.objects.filter(status=Job.Status.RUNNING, started__lt=now - after).update(
        status=Job.Status.FAILED, finished=now, outcome=STALLED, progress=""
    )


def export_rows() -> int:
    """Exports of more rows than this run as a job; smaller ones are answered at once."""
    return int(getattr(settings, "JOBS_EXPORT_ROWS", 5000))


def visible_jobs(user):
    """The jobs a user may read (the tenant rule's personal rows): their own; a superuser's, any."""
    return access.restrict(Job.objects.all(), user, access.VIEW)
