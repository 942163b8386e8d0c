from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from atf.commands import add_as_user, user_named
from atf.models import Framework
from atf.reference import describe, load_reference_data
from stocktake.importer import import_stocktake
from stocktake.models import Round
from stocktake.xlsx import WorkbookError


class Command(BaseCommand):
    help = (
        "Import a stocktake workbook into a round: creates the round if it is new, otherwise applies "
        "exactly the entries that were added, changed or removed. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx workbook.")
        parser.add_argument("--round", dest="round_name", help="The round's name (default: the Themes sheet's title).")
        parser.add_argument(
            "--framework",
            help="The framework's slug (default: the round's own for an existing round, else the current version).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change and write nothing.")
        parser.add_argument("--closed", action="store_true", help="Mark the round closed after importing.")
        add_as_user(parser)

    def handle(
        self, *args, path, round_name=None, framework=None, dry_run=False, closed=False, as_user=None, **options
    ):
        user = user_named(as_user)
        chosen = None
        if framework:
            chosen = Framework.objects.filter(slug=framework).first()
            if chosen is None:
                raise CommandError(f"There is no framework “{framework}”.")
        elif round_name and (existing := Round.objects.filter(name=round_name).select_related("framework").first()):
            chosen = existing.framework  # a round keeps the framework version it was made with
        else:
            # A new round uses the current version of its system's framework (the only system's, when there is one).
            current = list(Framework.objects.filter(Framework.newest())[:2])
            chosen = current[0] if len(current) == 1 else None
        loaded = ""
        try:
            with transaction.atomic():
                if chosen is None and not Framework.objects.exists():
                    # A fresh installation: its first workbook needs places and a framework to be read
                    # against. They are loaded in the import's transaction, so a refused workbook or a
                    # dry run leaves the database as it was.
                    chosen, _ = load_reference_data()
                    verb = "would load" if dry_run else "loaded"
                    loaded = f"The database had no framework yet: {verb} {describe(chosen)}."
                plan = import_stocktake(
                    path,
                    framework=chosen,
                    round_name=round_name,
                    dry_run=dry_run,
                    status="closed" if closed else None,
                    user=user,
                )
                if dry_run:
                    transaction.set_rollback(True)
        except WorkbookError as exc:
            raise CommandError(f"{exc}\nNothing was imported.") from None
        if loaded:
            self.stdout.write(loaded)
        for warning in plan.parsed.warnings:
            self.stderr.write(self.style.WARNING(warning))
        verb = "Would import" if dry_run else "Imported"
        new = " (a new round)" if not plan.round_exists else ""
        self.stdout.write(f"{verb} “{plan.round_name}”{new}: {plan.full_summary()}.")
        if dry_run:
            for change in plan.changes:
                text = change.after or change.before
                self.stdout.write(f"  {change.kind}: {text[:100]}")
            self.stdout.write("Dry run: nothing was written.")
