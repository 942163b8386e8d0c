from django.core.management.base import BaseCommand, CommandError

from atf.commands import add_as_user, user_named
from stocktake.flat import FlatImportError, import_flat, read_rows
from stocktake.xlsx import WorkbookError


class Command(BaseCommand):
    help = "Import the flat entries file (CSV or xlsx, one row per entry, as export_entries writes it). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change and write nothing.")
        add_as_user(parser)

    def handle(self, *args, path, dry_run=False, as_user=None, **options):
        try:
            result = import_flat(read_rows(path), user=user_named(as_user), dry_run=dry_run)
        except (FlatImportError, WorkbookError) as exc:
            raise CommandError(str(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Could not read {path}: {exc}") from None
        self.stdout.write(("Would import: " if dry_run else "Imported: ") + result.summary() + ".")
