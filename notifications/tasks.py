"""The notifications' background work, run by the worker (``manage.py db_worker``)."""

from django_tasks import task

from . import schedule, sending


@task()
def send_waiting_mail() -> int:
    """Send the mail waiting now (queued after each event that tells someone); returns how many went."""
    return sending.send_waiting().sent


@task()
def send_notifications() -> int:
    """What the schedule makes due today, then every mail waiting: the command's work, as a task."""
    schedule.due_today()
    return sending.send_waiting().sent
