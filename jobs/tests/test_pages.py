"""The pages of the jobs app, each a row of the permission matrix (atf/tests/test_permission_matrix.py).

A job is its asker's: its user and superusers read it and download its
file; anyone else signed in is told there is no such page (404); the
anonymous are sent to sign in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from atf.tests.test_permission_matrix import ROLES, client_for
from jobs import work
from jobs.models import Job
from jobs.tests.helpers import run_queued_jobs

SOME_JOB = "00000000-0000-4000-8000-000000000000"

# url name -> the arguments to reverse it with (a job's pages take its id: the tests make one).
JOB_PAGES: dict[str, list] = {
    "jobs:job_list": [],
    "jobs:job_detail": [SOME_JOB],
    "jobs:job_download": [SOME_JOB],
}
# The worker's own record of each task it ran (a failed one's traceback included), in the admin: superusers only.
TASK_RESULT_ADMIN = "admin:django_tasks_database_dbtaskresult"
JOB_PAGES |= {f"{TASK_RESULT_ADMIN}_{page}": [SOME_JOB] for page in ("change", "delete", "history")}
JOB_PAGES |= {f"{TASK_RESULT_ADMIN}_changelist": [], f"{TASK_RESULT_ADMIN}_add": []}
OWNERS = frozenset({"lead", "superuser"})


@pytest.fixture
def lead_job(world, settings):
    """The Knowsley lead's workbook of the open round, made by a job (every export is one here)."""
    settings.JOBS_EXPORT_ROWS = 0
    response = client_for(world, "lead").get(reverse("stocktake:round_workbook", args=[world.rounds.open.slug]))
    assert response.status_code == 302
    (job,) = run_queued_jobs()
    assert job.status == Job.Status.DONE and job.user == world.users.lead
    return job


def expected(role, name) -> int:
    if role == "anonymous":
        return 302
    if name == "jobs:job_list":
        return 200
    return 200 if role in OWNERS else 404


JOBS_APP_PAGES = [name for name in JOB_PAGES if name.startswith("jobs:")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", JOBS_APP_PAGES)
def test_a_job_s_pages_are_its_user_s_and_superusers_only(world, lead_job, name, role):
    args = [lead_job.pk] if JOB_PAGES[name] else []
    response = client_for(world, role).get(reverse(name, args=args))
    assert response.status_code == expected(role, name)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    elif name == "jobs:job_list":
        # The list is one's own: the lead's job is listed for the lead only, not even for a superuser.
        assert (lead_job.title in response.content.decode()) == (role == "lead")
    elif name == "jobs:job_download" and role in OWNERS:
        assert b"".join(response.streaming_content)[:2] == b"PK"
        assert f'filename="{world.rounds.open.slug}.xlsx"' in response["Content-Disposition"]


@pytest.mark.parametrize("name", JOBS_APP_PAGES)
def test_a_job_s_pages_take_no_writes(world, lead_job, name):
    args = [lead_job.pk] if JOB_PAGES[name] else []
    assert client_for(world, "lead").post(reverse(name, args=args)).status_code == 405


def test_an_unknown_job_is_not_found(world):
    lead = client_for(world, "lead")
    assert lead.get(reverse("jobs:job_detail", args=[SOME_JOB])).status_code == 404
    assert lead.get(reverse("jobs:job_download", args=[SOME_JOB])).status_code == 404
    assert lead.get("/jobs/not-a-uuid/").status_code == 404


def test_the_page_refreshes_itself_while_the_job_waits_or_runs_and_stops_when_it_is_done(world):
    job = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "The workbook", params={"round": world.rounds.open.pk})
    lead = client_for(world, "lead")
    refresh = '<meta http-equiv="refresh" content="2">'
    page = lead.get(job.get_absolute_url()).content.decode()
    assert refresh in page and "Waiting to start" in page and 'aria-live="polite"' in page
    # With script, the page updates its own status in place (no reload, which axe counts against a page);
    # the reload is kept for browsers without script.
    assert f"<noscript>{refresh}</noscript>" in page and "atf/job-progress.js" in page
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=3, total=12, progress="Writing rows")
    page = lead.get(job.get_absolute_url()).content.decode()
    assert refresh in page and "In progress" in page and "Writing rows" in page
    assert '<progress id="job-progress" max="12" value="3">3 of 12 rows</progress>' in page
    assert "3 of 12 rows" in page
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0, total=None)
    run_queued_jobs()
    page = lead.get(job.get_absolute_url()).content.decode()
    assert refresh not in page and "Done" in page and "job-progress.js" not in page
    assert reverse("jobs:job_download", args=[job.pk]) in page
    job.refresh_from_db()
    assert f"{job.total} of {job.total} rows" in page


def test_the_list_shows_one_s_own_jobs_newest_first(world):
    older = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Older work", params={"round": 0})
    newer = work.start(world.users.lead, Job.Kind.WORKBOOK_EXPORT, "Newer work", params={"round": 0})
    work.start(world.users.other_lead, Job.Kind.WORKBOOK_EXPORT, "Halton's work", params={"round": 0})
    page = client_for(world, "lead").get(reverse("jobs:job_list")).content.decode()
    assert page.index(newer.title) < page.index(older.title) and "Halton's work" not in page


@pytest.mark.parametrize("role", ROLES)
def test_the_worker_s_task_records_are_for_superusers_only_and_read_only(world, lead_job, role):
    client = client_for(world, role)
    for page in ("changelist", "change", "history", "add", "delete"):
        args = [lead_job.task_id] if page in ("change", "history", "delete") else []
        response = client.get(reverse(f"{TASK_RESULT_ADMIN}_{page}", args=args))
        if role == "anonymous":
            assert response.status_code == 302, page
        elif role != "superuser" or page in ("add", "delete"):
            assert response.status_code == 403, (page, response.status_code)  # nobody adds or deletes them
        else:
            assert response.status_code == 200, page
