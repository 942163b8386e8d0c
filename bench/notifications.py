"""Benchmark: sending the notifications' mail through a real SMTP server, against its floor.

Run with ``make bench`` (or ``DEBUG=true .venv/bin/python bench/notifications.py``). It uses
its own SQLite database under ``bench/out/notifications.sqlite3`` (or ``$BENCH_DATABASE_URL``,
an empty PostgreSQL database), starts an SMTP server on loopback (aiosmtpd) that keeps what
it is sent, writes ``$BENCH_MAILS`` (1,000) waiting notifications for 100 people, and prints,
as medians of ``$BENCH_REPEATS`` runs (3):

- ``sending.send_waiting()`` until none is left (claiming each, rendering its text and HTML
  bodies from the templates, sending, marking it sent) against the floor: Django's own SMTP
  connection sending the same number of ready-made two-part messages, one connection;
- a schedule run that finds everyone told already (``schedule.due_today()``), on 1,000 open
  overdue actions.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
os.environ.setdefault("DEBUG", "true")
database = OUT / "notifications.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
if database.exists() and "BENCH_DATABASE_URL" not in os.environ:
    database.unlink()

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.mail import EmailMultiAlternatives, get_connection  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from atf.reference import load_reference_data  # noqa: E402
from commissions.models import Action, Commission  # noqa: E402
from notifications import schedule, sending  # noqa: E402
from notifications.models import Kind, Notification  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
MAILS = int(os.environ.get("BENCH_MAILS", 1000))
PEOPLE = 100


class Count:
    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 OK"


def median(times):
    return statistics.median(times)


def waiting_rows(people):
    now = timezone.now()
    Notification.objects.all().delete()
    Notification.objects.bulk_create(
        Notification(
            recipient=people[n % PEOPLE],
            kind=Kind.RETURN_REVIEWED,
            key=f"bench:{n}",
            subject=f"Knowsley's return for ATF Stocktake 2026 was returned for changes ({n})",
            body="The ICS returned Knowsley's return for changes, with this comment:\n\nAdd the Kirkby hub.\n" * 3,
            link="/stocktake/rounds/atf-stocktake-2026/places/knowsley/",
            reason="You are Knowsley's lead for the stocktake.",
            next_attempt_at=now,
        )
        for n in range(MAILS)
    )


def ours(people) -> float:
    waiting_rows(people)
    start = time.perf_counter()
    while sending.send_waiting().sent:
        pass
    elapsed = time.perf_counter() - start
    assert Notification.objects.filter(mail=Notification.Mail.SENT).count() == MAILS
    return elapsed


def floor(people) -> float:
    messages = []
    for n in range(MAILS):
        message = EmailMultiAlternatives(
            f"Knowsley's return was returned for changes ({n})",
            "Dear lead,\n\nThe ICS returned Knowsley's return for changes.\n" * 3,
            to=[people[n % PEOPLE].email],
        )
        message.attach_alternative("<p>Dear lead,</p><p>The ICS returned Knowsley's return.</p>" * 3, "text/html")
        messages.append(message)
    start = time.perf_counter()
    with get_connection() as connection:
        connection.send_messages(messages)
    return time.perf_counter() - start


def main():
    call_command("migrate", verbosity=0)
    framework, _ = load_reference_data()
    people = [User.objects.create_user(f"person-{n}", f"person-{n}@example.org") for n in range(PEOPLE)]
    handler = Count()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    from django.urls import reverse

    reverse("home")  # the URLs loaded once, as in a running worker
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own chatter
    try:
        floors = [floor(people) for _ in range(REPEATS)]
        ourselves = [ours(people) for _ in range(REPEATS)]
    finally:
        controller.stop()
    print(f"Sending {MAILS} mails by SMTP on loopback ({connection_name()}):")
    print(f"  floor (Django's SMTP connection, ready-made messages): {median(floors):.2f} s")
    print(f"  send_waiting (claim, render, send, mark):             {median(ourselves):.2f} s")
    print(f"  ratio: {median(ourselves) / median(floors):.2f}x")

    commission = Commission.objects.create(place=framework.system, name="Bench commission")
    secretary = User.objects.create_user("secretary", "secretary@example.org")
    from atf.models import Membership, Role

    Membership.objects.create(user=secretary, role=Role.SECRETARIAT, commission=commission)
    today = timezone.localdate()
    Action.objects.bulk_create(
        Action(commission=commission, description=f"Action {n}", owner="Chair", due=today - timedelta(days=n + 1))
        for n in range(1000)
    )
    schedule.due_today()
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        assert schedule.due_today().total == 0
        runs.append(time.perf_counter() - start)
    print(f"A schedule run finding 1,000 overdue actions told already: {median(runs):.3f} s")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def connection_name():
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
