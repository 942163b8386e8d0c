"""Delete uploads left unconfirmed, and forget old workbook downloads."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stocktake import baseline
from stocktake.models import WorkbookDownload

# Where stocktake.uploads keeps uploaded files, and indicators.uploads its indicator value files.
UPLOAD_DIRECTORIES = ("workbooks", "entry-files", "indicator-files")


def purge_uploads(older_than: timedelta, *, now: float | None = None) -> list[Path]:
    """Delete upload files last changed more than ``older_than`` ago; the paths deleted."""
    cutoff = (now if now is not None else time.time()) - older_than.total_seconds()
    deleted = []
    for name in UPLOAD_DIRECTORIES:
        directory = Path(settings.MEDIA_ROOT) / name
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            try:
                if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    deleted.append(path)
            except FileNotFoundError:  # confirmed or cancelled meanwhile
                continue
    return deleted


def purge_downloads() -> int:
    """Forget downloads older than ``stocktake.baseline.KEPT_FOR``; how many were."""
    deleted, _ = WorkbookDownload.objects.filter(at__lt=timezone.now() - baseline.KEPT_FOR).delete()
    return deleted


class Command(BaseCommand):
    help = (
        "Delete uploaded workbooks, entries files and indicator value files left unconfirmed (by default those "
        f"older than 24 hours) and forget workbook downloads older than {baseline.KEPT_FOR.days} days. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            metavar="HOURS",
            help="Delete upload files older than this many hours (default 24).",
        )

    def handle(self, *args, older_than: float, **options):
        if older_than < 0:
            raise CommandError("--older-than is a number of hours, 0 or more.")
        files = purge_uploads(timedelta(hours=older_than))
        downloads = purge_downloads()
        self.stdout.write(
            f"Deleted {len(files)} upload file(s) older than {older_than:g} hours, "
            f"and {downloads} workbook download record(s) older than {baseline.KEPT_FOR.days} days."
        )
