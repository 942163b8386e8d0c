"""manage.py export_indicator_values --output PATH.csv [--indicator NUMBER]"""

from django.core.management.base import BaseCommand, CommandError

from atf import outputs
from indicators.exporting import value_rows
from indicators.models import IndicatorValue


class Command(BaseCommand):
    help = "Write the indicator values as CSV, one row per value, with the comparison with England."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True)
        parser.add_argument("--indicator", type=int, help="Only this beacon indicator's values.")

    def handle(self, *args, output, indicator=None, **options):
        values = IndicatorValue.objects.all()
        if indicator is not None:
            values = values.filter(indicator__number=indicator)
        rows = list(value_rows(values))
        try:
            with open(output, "wb") as stream:
                stream.write(outputs.csv_bytes(rows))
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote {len(rows) - 1} values to {output}.")
