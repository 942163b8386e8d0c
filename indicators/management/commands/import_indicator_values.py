"""manage.py import_indicator_values PATH [--indicator NUMBER] [--framework SLUG] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from atf.models import BeaconIndicator, Framework
from indicators.importing import describe_source, import_values
from indicators.readers import ReadError, read_file


class Command(BaseCommand):
    help = (
        "Import published values of a beacon indicator (Fingertips, ONS, tidy CSV or the template); all or nothing. "
        "Without --indicator, a file that names its indicators (Fingertips' Indicator ID) goes to the beacon "
        "indicators with those identifiers."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--indicator", type=int, help="The beacon indicator's number.")
        parser.add_argument("--framework", help="The framework's slug (default: the current version).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change, and save nothing.")

    def handle(self, path, indicator=None, framework=None, dry_run=False, **options):
        indicators = BeaconIndicator.objects.select_related("framework__system")
        if framework:
            indicators = indicators.filter(framework__slug=framework)
        else:  # new values go to the current version of the framework; earlier versions keep their own
            indicators = indicators.filter(framework__in=Framework.objects.filter(Framework.newest()))
        try:
            reading = read_file(path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        except ReadError as exc:
            raise CommandError(str(exc)) from exc
        chosen = self._chosen(indicators, indicator, framework, reading)
        source = describe_source(reading.layout, Path(path).name)
        try:
            with transaction.atomic():  # several indicators of one file: all of them, or none
                for beacon in chosen:
                    result = import_values(
                        reading.values, beacon, source=source, dry_run=dry_run, carried=reading.carried
                    )
                    if len(chosen) > 1:  # each import names the others' rows as other indicators: not news here
                        ours = {b.source_identifier for b in chosen}
                        result.other_indicators = {k: v for k, v in result.other_indicators.items() if k not in ours}
                    self.stdout.write(f"Indicator {beacon.number}: {result.summary()}.")
                    if result.file_indicators and len(chosen) == 1:
                        named = "; ".join(f"“{name}”" for name in result.file_indicators)
                        self.stdout.write(f"  The file names its indicator {named}; this is “{beacon.name}”.")
                    if result.warning:
                        self.stderr.write(f"  Warning: {result.warning}.")
        except ReadError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _chosen(indicators, number, framework, reading) -> list[BeaconIndicator]:
        if number is not None:
            found = list(indicators.filter(number=number)[:2])
            if not found:
                raise CommandError(f"There is no beacon indicator {number}{' in ' + framework if framework else ''}.")
            if len(found) > 1:
                raise CommandError(f"More than one framework has indicator {number}: name one with --framework.")
            return found
        named = {value.source_identifier for value in reading.values if value.source_identifier}
        if not named:
            raise CommandError(
                "Nothing was imported: the file does not say which indicator it is for. "
                "Name the beacon indicator with --indicator NUMBER."
            )
        chosen = list(indicators.filter(source_identifier__in=named).order_by("number"))
        if len({beacon.framework_id for beacon in chosen}) > 1:
            raise CommandError("More than one framework has these indicators: name one with --framework.")
        if not chosen:
            raise CommandError(
                f"Nothing was imported: none of the file's indicators ({', '.join(sorted(named)[:5])}) is a "
                "beacon indicator's. Name the one to import into with --indicator NUMBER."
            )
        return chosen
