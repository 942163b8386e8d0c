from django.core.management.base import BaseCommand, CommandError

from atf import access
from atf.commands import add_as_user, user_named
from stocktake.flat import export_flat
from stocktake.models import Entry


class Command(BaseCommand):
    help = "Write entries as the flat CSV file, one row per entry (what --as USER may view)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True)
        parser.add_argument("--round", dest="round_name", help="Only this round's entries.")
        add_as_user(parser)

    def handle(self, *args, output, round_name=None, as_user=None, **options):
        user = user_named(as_user)
        entries = Entry.objects.all() if user is None else access.restrict(Entry.objects.all(), user, access.VIEW)
        if round_name:
            entries = entries.filter(round__name=round_name)
        try:
            with open(output, "w", newline="", encoding="utf-8") as stream:
                count = export_flat(entries, stream)
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror}.") from None
        self.stdout.write(f"Wrote {count} entries to {output}.")
