"""Forget finished jobs older than a week, with their files; delete any file under job-files no job names."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from jobs.models import Job
from jobs.work import files_dir, give_up_stalled

KEPT_FOR = timedelta(days=7)


def purge_jobs(older_than: timedelta = KEPT_FOR) -> int:
    """Delete finished jobs older than ``older_than`` and their files, then files no job names; how many jobs.

    First, jobs left running by a worker that stopped are marked failed, so that their pages say so.
    """
    give_up_stalled()
    old = Job.objects.filter(status__in=Job.FINISHED, finished__lt=timezone.now() - older_than)
    for job in old:
        if path := job.file_path:
            path.unlink(missing_ok=True)
    deleted, _ = old.delete()
    named = set(Job.objects.exclude(result_file="").values_list("result_file", flat=True))
    named |= {job.params.get("input") for job in Job.objects.exclude(status__in=Job.FINISHED).only("params")}
    for path in files_dir().iterdir():
        # A file being written (.part) or taken by a job that started a moment ago is left alone for a day.
        if path.is_file() and path.name not in named and path.stat().st_mtime < timezone.now().timestamp() - 86400:
            path.unlink(missing_ok=True)
    return deleted


class Command(BaseCommand):
    help = (
        "Mark failed the jobs a stopped worker left running for over an hour; forget finished background jobs "
        "older than a week, and delete their files."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{purge_jobs()} jobs forgotten.")
