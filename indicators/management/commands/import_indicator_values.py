"""manage.py import_indicator_values PATH --indicator NUMBER [--framework SLUG] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from atf.models import BeaconIndicator, Framework
from indicators.importing import import_file
from indicators.readers import ReadError


class Command(BaseCommand):
    help = "Import published values of one beacon indicator (Fingertips, ONS or tidy CSV); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--indicator", type=int, required=True, help="The beacon indicator's number.")
        parser.add_argument("--framework", help="The framework's slug (default: the current version).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change, and save nothing.")

    def handle(self, path, indicator, framework=None, dry_run=False, **options):
        indicators = BeaconIndicator.objects.filter(number=indicator)
        if framework:
            indicators = indicators.filter(framework__slug=framework)
        else:  # new values go to the current version of the framework; earlier versions keep theirs
            indicators = indicators.filter(framework__in=Framework.objects.filter(Framework.newest()))
        found = list(indicators.select_related("framework")[:2])
        if not found:
            raise CommandError(f"There is no beacon indicator {indicator}{' in ' + framework if framework else ''}.")
        if len(found) > 1:
            raise CommandError(f"More than one framework has indicator {indicator}: name one with --framework.")
        try:
            result = import_file(path, found[0], dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        except ReadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Indicator {indicator}: {result.summary()}.")
