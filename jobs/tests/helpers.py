"""Running queued jobs in a test, as the worker would."""

from __future__ import annotations

import signal
from unittest import mock

from django.core.management import call_command

from jobs import work
from jobs.models import Job


def run_queued_jobs() -> list[Job]:
    """Run every queued job with ``manage.py db_worker --batch``; the jobs run, as they now stand.

    A test runs inside a transaction that is never committed, so a job's task,
    enqueued once its job is committed, is enqueued here instead. The worker's
    housekeeping that closes old connections is left out: the connection
    holds the test's transaction.
    """
    queued = list(Job.objects.filter(status=Job.Status.QUEUED).order_by("created"))
    for job in queued:
        if not job.task_id:
            work.enqueue(job)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return [Job.objects.get(pk=job.pk) for job in queued]


def job_of(response) -> Job | None:
    """The job a response redirected to (its progress page), or None."""
    from django.urls import Resolver404, resolve

    location = response.get("Location", "") if hasattr(response, "get") else ""
    try:
        match = resolve(location.split("?")[0]) if location else None
    except Resolver404:
        return None
    if match is None or match.view_name != "jobs:job_detail":
        return None
    return Job.objects.get(pk=match.kwargs["pk"])


def said(client, response) -> list[str]:
    """What a response told its user: its messages, then, if it started a job, that job's outcome once run.

    The outcome is read from the job's own page, as its user sees it there.
    """
    messages = [str(m) for m in response.wsgi_request._messages]
    job = job_of(response)
    if job is not None:
        if job.status == Job.Status.QUEUED:
            run_queued_jobs()
        page = client.get(job.get_absolute_url())
        assert page.status_code == 200
        job.refresh_from_db()
        assert job.is_finished, job.status
        from django.utils.html import escape

        assert escape(job.outcome) in page.content.decode()
        messages.append(job.outcome)
    return messages


def post_and_follow(client, url, data=None):
    """Post, run the jobs the post started (as the worker would), then follow the redirects: the page reached.

    For a confirm that starts a job, that is the job's own page, once the job is done.
    """
    response = client.post(url, data or {})
    run_queued_jobs()
    chain = []
    while response.status_code in (301, 302, 303) and len(chain) < 10:
        chain.append((response["Location"], response.status_code))
        response = client.get(response["Location"])
    response.redirect_chain = chain
    return response
