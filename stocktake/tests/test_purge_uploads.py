"""Uploads do not outlive their use: deleted when refused, confirmed or superseded, and by purge_uploads after a day."""

import io
import os
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loadtest.workbook import add_a_paragraph
from stocktake import baseline, uploads
from stocktake.models import WorkbookDownload


def aged(path, hours: float):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04")
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return path


def test_purge_uploads_deletes_old_upload_files_and_keeps_new_ones(world, media_root):
    old_workbook = aged(media_root / "workbooks" / "old.xlsx", 25)
    old_entries = aged(media_root / "entry-files" / "old.csv", 48)
    new_workbook = aged(media_root / "workbooks" / "new.xlsx", 1)
    new_entries = aged(media_root / "entry-files" / "new.xlsx", 23)
    elsewhere = aged(media_root / "other" / "old.txt", 100)
    out = io.StringIO()
    call_command("purge_uploads", stdout=out)
    assert not old_workbook.exists() and not old_entries.exists()
    assert new_workbook.exists() and new_entries.exists()
    assert elsewhere.exists(), "only the upload directories are purged"
    assert "Deleted 2 upload file(s) older than 24 hours" in out.getvalue()

    call_command("purge_uploads", "--older-than", "0.5", stdout=io.StringIO())
    assert not new_workbook.exists() and not new_entries.exists()


def test_purge_uploads_forgets_downloads_past_the_retention(world):
    round_, user = world.rounds.open, world.users.lead
    old = WorkbookDownload.objects.create(token="old", round=round_, user=user)
    recent = WorkbookDownload.objects.create(token="recent", round=round_, user=user)
    WorkbookDownload.objects.filter(pk=old.pk).update(at=timezone.now() - baseline.KEPT_FOR - timedelta(days=1))
    WorkbookDownload.objects.filter(pk=recent.pk).update(at=timezone.now() - baseline.KEPT_FOR + timedelta(days=1))
    assert baseline.recall("old", round_, user) is None, "a download past the retention is forgotten at once"
    assert baseline.recall("recent", round_, user) is not None
    out = io.StringIO()
    call_command("purge_uploads", stdout=out)
    assert list(WorkbookDownload.objects.values_list("token", flat=True)) == ["recent"]
    assert "1 workbook download record(s) older than 180 days" in out.getvalue()


def test_a_download_no_longer_prunes_old_records_itself(world):
    round_, user = world.rounds.open, world.users.lead
    old = WorkbookDownload.objects.create(token="old", round=round_, user=user)
    WorkbookDownload.objects.filter(pk=old.pk).update(at=timezone.now() - baseline.KEPT_FOR - timedelta(days=1))
    baseline.record(round_, user, baseline.Baseline())
    assert WorkbookDownload.objects.filter(token="old").exists()


def test_purge_uploads_refuses_a_negative_age(db):
    with pytest.raises(CommandError, match="number of hours"):
        call_command("purge_uploads", "--older-than", "-1")


def test_a_confirmed_upload_is_deleted_and_a_session_keeps_its_newest_three(world, media_root):
    client = Client()
    client.force_login(world.users.lead)
    response = client.get(reverse("stocktake:round_workbook", args=[world.rounds.open.slug]))
    # A workbook with a change to confirm (one with none is not kept at all).
    content = add_a_paragraph(b"".join(response.streaming_content), "Knowsley - A new youth hub in Kirkby.")
    url = reverse("stocktake:return_upload", args=[world.rounds.open.slug, "knowsley"])

    def upload():
        handle = io.BytesIO(content)
        handle.name = "return.xlsx"
        response = client.post(url, {"workbook": handle})
        assert response.status_code == 200 and "token" in response.context
        return response.context["token"]

    tokens = [upload() for _ in range(5)]
    kept = sorted(p.stem for p in (media_root / "workbooks").iterdir())
    assert kept == sorted(tokens[-uploads.KEPT_PER_SESSION :])
    assert sorted(client.session[uploads.SESSION_KEY]) == kept

    client.post(reverse("stocktake:return_upload_confirm", args=[world.rounds.open.slug, "knowsley", tokens[-1]]))
    assert sorted(p.stem for p in (media_root / "workbooks").iterdir()) == sorted(tokens[-3:-1])
