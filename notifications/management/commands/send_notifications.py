import logging
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from notifications import schedule, sending
from notifications.models import Kind

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Tell people what is due today (deadline reminders, overdue returns, actions due or overdue, weekly "
        "digests) and send every mail waiting. Running it again sends nothing more; mail that the server cannot "
        "take now is tried again on a later run. Run it every few minutes (cron, or --every)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running, once every SECONDS (as `make run` does beside the web server).",
        )

    def handle(self, *args, every=None, **options):
        if not every:
            self._once()
            return
        while True:
            try:
                self._once()
            except Exception:  # a busy database or a bad row must not stop the schedule
                logger.exception("send_notifications failed; it runs again in %d seconds.", every)
            time.sleep(every)

    def _once(self):
        with transaction.atomic():
            told = schedule.due_today()
        result = sending.send_waiting()
        while result.sent and not result.error:  # more than one batch waiting
            more = sending.send_waiting()
            if not more.sent:
                result.error = more.error
                break
            result.sent += more.sent
        counts = sorted(told.counts.items())
        made = ", ".join(f"{n} × {Kind(kind).label.lower()}" for kind, n in counts) or "nothing new"
        self.stdout.write(f"Notifications: {made}. Mail sent: {result.sent}.")
        if result.error:
            self.stderr.write(f"Mail not sent yet: {result.error} It will be tried again on a later run.")
