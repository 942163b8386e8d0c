"""A piece of long work (an import, a large export) that runs outside the request, as a task.

A job is its asker's: only they (and superusers) read it or download its
file. Its progress (rows done of rows in all, and a short message) is
written by the task as it goes; its outcome is the plain-English message the
request would have shown, and a link to what it made (the imported return,
the indicator) or a file under ``MEDIA_ROOT/job-files/`` with a name the
server chose.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models

FILES_DIRECTORY = "job-files"


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        INDICATOR_IMPORT = "indicator_import", "Indicator values import"
        WORKBOOK_IMPORT = "workbook_import", "Workbook import"
        ENTRIES_IMPORT = "entries_import", "Entries file import"
        ENTRIES_EXPORT = "entries_export", "Entries export"
        ENTRIES_FLAT_EXPORT = "entries_flat_export", "Entries file export"
        WORKBOOK_EXPORT = "workbook_export", "Workbook download"
        VALUES_EXPORT = "values_export", "Indicator values download"
        PAPER_PDF = "paper_pdf", "Board paper (PDF)"

    FINISHED = (Status.DONE, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=300, help_text="What the job does, in plain English.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # What the task needs to run (ids, the server-chosen name of its input file): never shown.
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    progress = models.CharField(max_length=300, blank=True)
    outcome = models.TextField(blank=True)
    # Links to what the job made or changed (the imported return, the indicator): [label, url] pairs.
    links = models.JSONField(default=list, blank=True)
    # The result file: its server-chosen name under MEDIA_ROOT/job-files/, and the name it is downloaded as.
    result_file = models.CharField(max_length=100, blank=True)
    download_name = models.CharField(max_length=200, blank=True)
    # What the file holds, by model and primary key, checked against the tenant rule again at each download.
    holds = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def unit(self) -> str:
        """What ``done`` and ``total`` count: a workbook or entries import counts the changes it saves."""
        return "changes" if self.kind in (self.Kind.WORKBOOK_IMPORT, self.Kind.ENTRIES_IMPORT) else "rows"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))

    @property
    def file_path(self) -> Path | None:
        if not self.result_file:
            return None
        return Path(settings.MEDIA_ROOT) / FILES_DIRECTORY / self.result_file
