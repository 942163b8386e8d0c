import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from atf.loader import DEMO_WORKBOOK
from atf.models import Framework, Membership, Role
from atf.reference import load_reference_data
from boroughs.models import Place
from commissions.demo import load_commissions
from commissions.models import Action, ActionUpdate, Amendment, Commission, Member
from indicators.demo import load_demo_values
from notifications.models import Notification
from notifications.notify import recorded_only
from notifications.schedule import due_today
from opendata.demo import publish_demo
from stocktake.demo import load_live_round
from stocktake.importer import import_stocktake
from stocktake.models import Return, Round
from stocktake.xlsx import WorkbookError

DEMO_ROUND = "ATF Stocktake Oct-Dec 2023"
PASSWORD_FILE = settings.VAR_DIR / "demo-password"


class Command(BaseCommand):
    help = (
        "Load everything a demo needs, idempotently: places, the ATF framework, demo users, "
        "the commissions of the seeds, the closed 2023 stocktake round imported from the real workbook, and an "
        "open 2026 round with a borough's return at every stage (drafts, submitted, returned with a comment, "
        "accepted, not started, an extended deadline), due three weeks after the day it is first loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo user (default: $DEMO_PASSWORD, else one invented once and kept in "
            "var/demo-password).",
        )

    def handle(self, *args, password=None, **options):
        import os

        explicit = password or os.environ.get("DEMO_PASSWORD")
        password = explicit or self._remembered_password()
        # What the demo does is told on the home pages as it would be, but mailed to nobody: loading the demo
        # (again) sends no mail, and what falls due today is recorded as told, so that the first
        # send_notifications after it sends only what becomes due later.
        with transaction.atomic(), recorded_only("Recorded when the demo was loaded: not mailed."):
            framework, places = load_reference_data()
            # Rounds made now use the current version of the framework (the first, until the ICS makes another).
            framework = Framework.current_for(framework.system) or framework
            load_commissions()
            users = self._load_users(password, reset=bool(explicit))
            self._link_seats()
            self._load_round(framework)
            live = load_live_round(framework, carried_from=DEMO_ROUND)
            load_demo_values(framework)
            publish_demo(framework, DEMO_ROUND)
            due_today()
        self.stdout.write(
            f"Demo loaded: {Place.objects.count()} places ({places['created']} new), "
            f"{framework.themes.count()} themes, {framework.system_recommendations.count()} system "
            f"recommendations, {framework.indicators.count()} beacon indicators, "
            f"{Commission.objects.count()} commissions, {Round.objects.count()} round(s) ({self._describe(live)}), "
            f"{users} demo users."
        )
        if not explicit:
            self.stdout.write(f"Demo password (kept in {PASSWORD_FILE}): {password}")

    @staticmethod
    def _describe(round_: Round) -> str:
        due = f", due {round_.deadline.day} {round_.deadline:%B %Y}" if round_.deadline else ""
        return f"“{round_}” {round_.get_status_display().lower()}{due}"

    def _remembered_password(self) -> str:
        if PASSWORD_FILE.exists():
            return PASSWORD_FILE.read_text().strip()
        PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        PASSWORD_FILE.write_text(password + "\n")
        PASSWORD_FILE.chmod(0o600)
        return password

    def _load_users(self, password: str, *, reset: bool) -> int:
        User = get_user_model()
        ics = Place.objects.get(slug="cheshire-and-merseyside")
        wanted = [
            ("admin", None, None, True),
            ("ics-reviewer", Role.ICS_REVIEWER, ics, False),
            ("viewer", Role.VIEWER, ics, False),
        ]
        for borough in Place.objects.filter(system=ics, kind=Place.Kind.BOROUGH):
            wanted.append((f"lead-{borough.slug}", Role.BOROUGH_LEAD, borough, False))
        for slug in ("st-helens", "cheshire-east"):
            commission = Commission.objects.filter(place__slug=slug).order_by("pk").first()
            wanted.append((f"secretariat-{slug}", Role.SECRETARIAT, commission, False))
        for username, role, target, superuser in wanted:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "is_superuser": superuser, "email": f"{username}@example.org"},
            )
            if not user.email:  # a demo user made before they had addresses
                user.email = f"{username}@example.org"
                user.save(update_fields=["email"])
            if created or reset:
                user.set_password(password)
                user.save()
            if role == Role.SECRETARIAT:
                Membership.objects.get_or_create(user=user, role=role, commission=target)
            elif role:
                Membership.objects.get_or_create(user=user, role=role, place=target)
        return len(wanted)

    @staticmethod
    def _link_seats() -> None:
        """St Helens' Head of Integration signs in as its borough lead, and owns the commission's demo action."""
        User = get_user_model()
        holder = User.objects.filter(username="lead-st-helens").first()
        seat = Member.objects.filter(
            commission__place__slug="st-helens", role_title="Head of Integration", user__isnull=True
        ).first()
        if holder is None or seat is None:
            return
        seat.user = holder
        seat.save(update_fields=["user"])
        for action in Action.objects.filter(commission=seat.commission, owner=seat.role_title, owner_member=None):
            action.owner_member = seat
            action.save()
        # Progress on St Helens' actions was written by its secretariat, who signs in here.
        secretariat = User.objects.filter(username="secretariat-st-helens").first()
        ActionUpdate.objects.filter(action__commission=seat.commission, author=None).update(author=secretariat)
        # And so was the correction to its published minutes.
        Amendment.objects.filter(paragraph__item__meeting__commission=seat.commission, made_by=None).update(
            made_by=secretariat
        )

    def _load_round(self, framework: Framework) -> None:
        if Round.objects.filter(name=DEMO_ROUND).exists():
            return
        try:
            import_stocktake(DEMO_WORKBOOK, framework=framework, round_name=DEMO_ROUND)
        except WorkbookError as exc:
            raise CommandError(f"The demo workbook could not be imported: {exc}") from exc
        Round.objects.filter(name=DEMO_ROUND).update(
            status=Round.Status.CLOSED, period_start=date(2023, 10, 1), period_end=date(2023, 12, 31)
        )
        # The 2023 returns went to the ICS board: every borough's was accepted.
        round_ = Round.objects.get(name=DEMO_ROUND)
        # It is loaded as the closed round it is: nobody was ever told it opened.
        Notification.objects.filter(key__startswith=f"round:{round_.pk}:opened:").delete()
        for borough in Place.objects.filter(system=framework.system, kind=Place.Kind.BOROUGH):
            Return.objects.get_or_create(round=round_, place=borough, defaults={"status": Return.Status.ACCEPTED})
