from django.core.management.base import BaseCommand

from atf.reference import describe, load_reference_data


class Command(BaseCommand):
    help = (
        "Load the reference data, idempotently: the places (ICS, sub-regions, combined authority, boroughs) "
        "and the All Together Fairer framework. No users, no demo content."
    )

    def handle(self, *args, **options):
        framework, places = load_reference_data()
        self.stdout.write(f"Reference data loaded: {describe(framework)} ({places['created']} places new).")
