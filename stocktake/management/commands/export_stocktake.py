from django.core.management.base import BaseCommand, CommandError

from stocktake.exporter import ExportError, export_stocktake
from stocktake.models import Round


class Command(BaseCommand):
    help = "Write a round as the stocktake workbook (Themes, Recommendations and Beacon Indicators sheets)."

    def add_arguments(self, parser):
        parser.add_argument("--round", dest="round_name", required=True, help="The round's name or slug.")
        parser.add_argument("--output", required=True, help="Where to write the .xlsx file.")

    def handle(self, *args, round_name, output, **options):
        round_ = Round.objects.filter(name=round_name).first() or Round.objects.filter(slug=round_name).first()
        if round_ is None:
            known = ", ".join(f"“{r.name}”" for r in Round.objects.all()) or "none yet"
            raise CommandError(f"There is no round “{round_name}”. Rounds: {known}.")
        try:
            export_stocktake(round_, output)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote “{round_.name}” to {output}.")
