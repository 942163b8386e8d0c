"""Background work: a job's life (queued, running, done or failed), its progress, and its outcome.

Each job runs as its user: what the request checked is checked again inside
the task (the tenant rule), an import writes all or nothing, and a file a
job made is downloaded only while its user may still read all it holds.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from atf.models import Membership
from atf.tests.test_permission_matrix import client_for
from jobs import work
from jobs.models import Job
from jobs.tests.helpers import job_of, run_queued_jobs
from stocktake.models import Entry, Return
from stocktake.returns import submit


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def edited_workbook(client, world, old: str, new: str) -> bytes:
    content = download(client, reverse("stocktake:round_workbook", args=[world.rounds.open.slug]))
    book = openpyxl.load_workbook(io.BytesIO(content))
    for row in book["Themes"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and old in cell.value:
                cell.value = cell.value.replace(old, new, 1)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def confirm_workbook(client, world, content: bytes, place="knowsley"):
    """Upload and preview a workbook, then confirm it: the response, which starts a job."""
    handle = io.BytesIO(content)
    handle.name = "my return.xlsx"
    preview = client.post(
        reverse("stocktake:return_upload", args=[world.rounds.open.slug, place]), {"workbook": handle}
    )
    assert preview.status_code == 200 and preview.context["plan"].has_changes, preview.content[:500]
    token = preview.context["token"]
    return client.post(reverse("stocktake:return_upload_confirm", args=[world.rounds.open.slug, place, token]))


def test_a_workbook_import_is_queued_then_runs_and_is_done_with_the_request_s_message(world):
    lead = client_for(world, "lead")
    content = edited_workbook(lead, world, "Knowsley draft family hub", "Knowsley family hub, now open")
    response = confirm_workbook(lead, world, content)
    job = job_of(response)
    assert response.status_code == 302 and job is not None
    assert (job.status, job.user, job.kind) == (Job.Status.QUEUED, world.users.lead, Job.Kind.WORKBOOK_IMPORT)
    assert job.title == "Import “my return.xlsx” into Knowsley's return for “Open round 2025”"
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Knowsley draft family hub"  # nothing written by the request
    assert list(work.files_dir().glob("*.in.xlsx")) != []  # the job holds the file

    (ran,) = run_queued_jobs()
    assert ran.status == Job.Status.DONE and ran.started and ran.finished and ran.started <= ran.finished
    assert ran.outcome.startswith("Workbook imported: ") and "1 updated" in ran.outcome
    assert DBTaskResult.objects.get(id=ran.task_id).status == "SUCCESSFUL"
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Knowsley family hub, now open"
    page = lead.get(ran.get_absolute_url()).content.decode()
    assert "Workbook imported" in page
    assert reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"]) in page
    assert list(work.files_dir().glob("*.in.*")) == []  # its input deleted once run
    # A second confirm of the same token starts nothing.
    again = lead.post(reverse("stocktake:return_upload_confirm", args=[world.rounds.open.slug, "knowsley", "x"]))
    assert job_of(again) is None and Job.objects.count() == 1


def test_a_job_runs_once(world):
    job = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "The workbook", params={"round": world.rounds.open.pk})
    assert work.run(str(job.pk)) == Job.Status.DONE
    assert work.run(str(job.pk)) == "not queued"


def test_a_task_that_raises_leaves_the_job_failed_in_plain_words_and_nothing_written(world, monkeypatch):
    from stocktake import uploads

    lead = client_for(world, "lead")
    content = edited_workbook(lead, world, "Knowsley draft family hub", "Knowsley half written")
    before = sorted(Entry.objects.values_list("pk", "text", "version"))
    real_apply = uploads.apply_plan

    def apply_then_break(*args, **kwargs):
        real_apply(*args, **kwargs)  # every change written, in the import's transaction...
        assert Entry.objects.filter(text="Knowsley half written").exists()
        raise RuntimeError("disk on fire at /srv/secret/path")  # ...then a fault

    monkeypatch.setattr(uploads, "apply_plan", apply_then_break)
    job = job_of(confirm_workbook(lead, world, content))
    (ran,) = run_queued_jobs()
    assert ran.status == Job.Status.FAILED and ran.finished
    assert ran.outcome == work.FAULT
    assert sorted(Entry.objects.values_list("pk", "text", "version")) == before  # rolled back whole
    result = DBTaskResult.objects.get(id=ran.task_id)
    assert result.status == "FAILED"  # the traceback is kept for the ICS team, in the worker's record
    page = lead.get(job.get_absolute_url()).content.decode()
    assert "This was not done" in page and "nothing was changed" in page
    assert "Traceback" not in page and "disk on fire" not in page and "RuntimeError" not in page
    assert '<meta http-equiv="refresh"' not in page


def test_the_task_checks_the_tenant_rule_again_a_return_submitted_meanwhile_takes_no_import(world):
    """The lead confirms, then the return is submitted before the job runs: the job imports nothing."""
    lead = client_for(world, "lead")
    content = edited_workbook(lead, world, "Knowsley draft family hub", "Knowsley after submission")
    job = job_of(confirm_workbook(lead, world, content))
    submit(world.users.lead, world.rounds.open, world.places["knowsley"])
    (ran,) = run_queued_jobs()
    assert ran.status == Job.Status.FAILED
    assert ran.outcome == "Nothing was imported. This return cannot be changed now."
    assert not Entry.objects.filter(text="Knowsley after submission").exists()
    assert job.pk == ran.pk


def test_two_leads_jobs_interleaved_each_sees_only_their_own_job_and_outcome(world, settings):
    """Knowsley's import and Halton's large export are queued together, and run while the reviewer works."""
    knowsley, halton, reviewer = (
        client_for(world, "lead"),
        client_for(world, "other_lead"),
        client_for(world, "reviewer"),
    )
    content = edited_workbook(knowsley, world, "Knowsley draft family hub", "Knowsley hub, interleaved")
    theirs = job_of(halton.get(reverse("stocktake:entry_list"), {"_export": "csv"}))
    assert theirs is None  # small: answered at once
    settings.JOBS_EXPORT_ROWS = 0
    mine = job_of(confirm_workbook(knowsley, world, content))
    theirs = job_of(halton.get(reverse("stocktake:entry_list"), {"_export": "csv"}))
    assert mine and theirs and mine.user == world.users.lead and theirs.user == world.users.other_lead
    # Meanwhile the reviewer returns Halton's submitted return for changes.
    response = reviewer.post(
        reverse("stocktake:return_review", args=[world.rounds.open.slug, "halton"]),
        {
            "decision": "returned",
            "comment": "More on schools",
            "version": Return.objects.get(place__slug="halton").version,
        },
    )
    assert response.status_code == 302
    ran = {job.pk: job for job in run_queued_jobs()}
    assert ran[mine.pk].status == ran[theirs.pk].status == Job.Status.DONE
    for client, own, other in ((knowsley, mine, theirs), (halton, theirs, mine)):
        listed = client.get(reverse("jobs:job_list")).content.decode()
        assert escape(own.title) in listed and other.get_absolute_url() not in listed
        assert client.get(other.get_absolute_url()).status_code == 404
        assert client.get(reverse("jobs:job_download", args=[other.pk])).status_code == 404
        assert escape(ran[own.pk].outcome) in client.get(own.get_absolute_url()).content.decode()
    # Halton's file holds what Halton's lead read when it was written: Knowsley's draft never.
    rows = download(halton, reverse("jobs:job_download", args=[theirs.pk])).decode("utf-8-sig")
    assert "Knowsley" not in rows and "Sefton draft" not in rows
    assert "Halton submitted family hub" in rows  # their own entry


def test_a_download_checks_the_tenant_rule_again(world, settings):
    settings.JOBS_EXPORT_ROWS = 0
    lead = client_for(world, "lead")
    response = lead.get(reverse("stocktake:entry_list"), {"_export": "csv"})
    (job,) = run_queued_jobs()
    assert job_of(response) == job and job.status == Job.Status.DONE
    url = reverse("jobs:job_download", args=[job.pk])
    rows = download(lead, url).decode("utf-8-sig")
    assert "Halton submitted family hub" in rows and "Knowsley draft family hub" in rows
    assert "Sefton draft" not in rows
    assert world.entries.halton.pk in job.holds["stocktake.entry"]
    # Halton's return goes back to a draft: its entry is no longer the Knowsley lead's to read, nor the file.
    Return.objects.filter(place=world.places["halton"]).update(status=Return.Status.RETURNED)
    assert lead.get(url).status_code == 404
    assert client_for(world, "superuser").get(url).status_code == 404  # read as its owner would
    Return.objects.filter(place=world.places["halton"]).update(status=Return.Status.SUBMITTED)
    assert lead.get(url).status_code == 200
    # A deleted entry was the lead's to read when written: still theirs.
    Entry.objects.filter(pk=world.entries.knowsley.pk).delete()
    assert lead.get(url).status_code == 200
    # Without the role, nothing.
    Membership.objects.filter(user=world.users.lead).delete()
    assert client_for(world, "lead").get(url).status_code == 404


def test_exports_above_the_threshold_are_jobs_and_below_it_are_answered_at_once(world, settings):
    from indicators.tests.test_pages import figures as _  # noqa: F401 - the fixture's module, for its data

    lead = client_for(world, "lead")
    settings.JOBS_EXPORT_ROWS = 5000
    for url, query in (
        (reverse("stocktake:entry_list"), {"_export": "xlsx"}),
        (reverse("stocktake:round_workbook", args=[world.rounds.open.slug]), {}),
        (reverse("indicators:values_csv"), {"framework": world.framework.slug}),
    ):
        response = lead.get(url, query)
        assert response.status_code == 200 and job_of(response) is None, url
    settings.JOBS_EXPORT_ROWS = 0
    started = []
    for url, query in (
        (reverse("stocktake:entry_list"), {"_export": "xlsx"}),
        (reverse("stocktake:round_workbook", args=[world.rounds.open.slug]), {}),
    ):
        response = lead.get(url, query)
        assert response.status_code == 302 and job_of(response), url
        started.append(job_of(response))
    assert [job.kind for job in started] == [Job.Kind.ENTRIES_EXPORT, Job.Kind.WORKBOOK_EXPORT]
    for job in run_queued_jobs():
        assert job.status == Job.Status.DONE, job.outcome
        assert job.file_path.is_file() and job.file_path.parent == work.files_dir()
        assert job.download_name in ("entries.xlsx", f"{world.rounds.open.slug}.xlsx")


def test_no_file_a_job_writes_holds_a_formula(world, settings):
    settings.JOBS_EXPORT_ROWS = 0
    world.entries.knowsley.text = '=HYPERLINK("http://evil.example","click")'
    world.entries.knowsley.save()
    lead = client_for(world, "lead")
    jobs = [job_of(lead.get(reverse("stocktake:entry_list"), {"_export": kind})) for kind in ("csv", "xlsx")]
    jobs.append(job_of(lead.get(reverse("stocktake:round_workbook", args=[world.rounds.open.slug]))))
    run_queued_jobs()
    csv_file, xlsx_file, workbook = (download(lead, reverse("jobs:job_download", args=[j.pk])) for j in jobs)
    texts = [row[-1] for row in csv.reader(io.StringIO(csv_file.decode("utf-8-sig")))]
    assert any(text.startswith("'=HYPERLINK") or text.startswith("Knowsley - =HYPERLINK") for text in texts)
    assert not any(text.startswith("=") for text in texts)
    for content in (xlsx_file, workbook):
        book = openpyxl.load_workbook(io.BytesIO(content))
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_progress_is_written_at_most_every_n_rows_or_second(world):
    job = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Rows", params={})
    progress = work.Progress(job, rows=10, seconds=3600)
    progress("Counting", total=25)
    written = progress.writes
    assert list(progress.count(range(26), skip_first=True)) == list(range(26))
    assert progress.writes - written == 3  # at 10 and 20 rows, and once at the end
    job.refresh_from_db()
    assert (job.done, job.total, job.progress) == (25, 25, "Counting")


def test_an_indicator_import_runs_as_a_job_and_a_lead_cannot_start_one(world):
    indicator = world.framework.indicators.get(number=2)
    text = "area_code,area_name,period,sex,value\nE08000011,Knowsley,2022,Persons,55.1\n"
    reviewer = client_for(world, "reviewer")
    response = reviewer.post(
        reverse("indicators:upload"), {"indicator": indicator.pk, "file": SimpleUploadedFile("v.csv", text.encode())}
    )
    assert response.status_code == 302
    confirmed = reviewer.post(response["Location"])
    job = job_of(confirmed)
    assert job and job.kind == Job.Kind.INDICATOR_IMPORT and job.user == world.users.reviewer
    assert client_for(world, "lead").get(job.get_absolute_url()).status_code == 404
    # Confirmed again (another tab) before it ran: one job, and the page says where it is.
    again = reviewer.post(response["Location"], follow=True)
    assert (
        "are being imported; nothing was imported again" in again.content.decode()
        and job.get_absolute_url() in again.content.decode()
    )
    (ran,) = run_queued_jobs()
    assert ran.status == Job.Status.DONE
    assert ran.outcome == "Indicator 2 values imported from “v.csv”: 1 created, 0 revised, 0 unchanged."
    assert indicator.values.count() == 1


@pytest.mark.parametrize("lost", ["role", "inactive"])
def test_a_user_who_lost_their_role_before_the_job_ran_imports_nothing(world, lost):
    lead = client_for(world, "lead")
    content = edited_workbook(lead, world, "Knowsley draft family hub", "Knowsley without a role")
    confirm_workbook(lead, world, content)
    if lost == "role":
        Membership.objects.filter(user=world.users.lead).delete()
    else:
        type(world.users.lead).objects.filter(pk=world.users.lead.pk).update(is_active=False)
    (ran,) = run_queued_jobs()
    assert ran.status == Job.Status.FAILED and ran.outcome.startswith("Nothing was imported")
    assert not Entry.objects.filter(text="Knowsley without a role").exists()


def test_purge_jobs_forgets_old_finished_jobs_and_their_files(world, settings):
    import os
    import time
    from datetime import timedelta

    from django.utils import timezone

    from jobs.management.commands.purge_jobs import purge_jobs

    settings.JOBS_EXPORT_ROWS = 0
    lead = client_for(world, "lead")
    old, new = (job_of(lead.get(reverse("stocktake:entry_list"), {"_export": "csv"})) for _ in range(2))
    run_queued_jobs()
    waiting = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Waiting", params={"input": "x.in.csv"})
    old.refresh_from_db()
    new.refresh_from_db()
    Job.objects.filter(pk=old.pk).update(finished=timezone.now() - timedelta(days=8))
    stray = work.files_dir() / "stray.csv"
    stray.write_text("x")
    os.utime(stray, (time.time() - 2 * 86400,) * 2)
    assert purge_jobs() == 1
    assert not old.file_path.exists() and new.file_path.exists() and not stray.exists()
    assert set(Job.objects.values_list("pk", flat=True)) == {new.pk, waiting.pk}


def test_a_job_a_stopped_worker_left_running_is_failed_and_says_so(world):
    from datetime import timedelta

    from django.utils import timezone

    from jobs.management.commands.purge_jobs import purge_jobs

    stalled = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Stalled")
    running = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Running")
    Job.objects.filter(pk=stalled.pk).update(status=Job.Status.RUNNING, started=timezone.now() - timedelta(hours=2))
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, started=timezone.now())
    purge_jobs()
    stalled.refresh_from_db()
    running.refresh_from_db()
    assert stalled.status == Job.Status.FAILED and stalled.outcome == work.STALLED
    assert running.status == Job.Status.RUNNING
    page = client_for(world, "lead").get(reverse("jobs:job_detail", args=[stalled.pk])).content.decode()
    assert "the background worker stopped" in page.lower()
