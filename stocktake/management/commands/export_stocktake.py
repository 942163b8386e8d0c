from django.core.management.base import BaseCommand, CommandError

from atf import access
from atf.commands import add_as_user, user_named
from stocktake.exporter import ExportError, export_stocktake
from stocktake.models import Round


class Command(BaseCommand):
    help = "Write a round as the stocktake workbook (Themes, Recommendations and Beacon Indicators sheets)."

    def add_arguments(self, parser):
        parser.add_argument("--round", dest="round_name", required=True, help="The round's name or slug.")
        parser.add_argument("--output", required=True, help="Where to write the .xlsx file.")
        add_as_user(parser)

    def handle(self, *args, round_name, output, as_user=None, **options):
        user = user_named(as_user)
        rounds = Round.objects.all() if user is None else access.restrict(Round.objects.all(), user, access.VIEW)
        round_ = rounds.filter(name=round_name).first() or rounds.filter(slug=round_name).first()
        if round_ is None:
            known = ", ".join(f"“{r.name}”" for r in rounds) or "none yet"
            raise CommandError(f"There is no round “{round_name}”. Rounds: {known}.")
        try:
            export_stocktake(round_, output, user)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote “{round_.name}” to {output}.")
