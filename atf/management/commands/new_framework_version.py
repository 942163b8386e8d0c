"""manage.py new_framework_version SLUG --user USERNAME [--name NAME]"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from atf.commands import user_named
from atf.models import Framework
from atf.versions import new_version


class Command(BaseCommand):
    help = (
        "Make a new version of a framework from its current version: themes, recommendations, system "
        "recommendations, beacon indicators, pillars and imported values copied. New rounds and imports use it; "
        "earlier rounds keep theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The slug of the framework's current version.")
        parser.add_argument(
            "--user", required=True, help="Who makes it: an ICS reviewer of the framework's system, or a superuser."
        )
        parser.add_argument("--name", help="The new version's name (default: the name with “(version N)”).")

    def handle(self, *args, slug, user, name=None, **options):
        framework = Framework.objects.filter(slug=slug).first()
        if framework is None:
            raise CommandError(f"There is no framework “{slug}”.")
        try:
            new = new_version(framework, user=user_named(user), name=name)
        except PermissionDenied as exc:
            raise CommandError(f"{exc} Nothing was made.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was made.") from exc
        self.stdout.write(
            f"Made “{new}” ({new.version_label}, slug {new.slug}) from {framework.version_label}: "
            f"{new.themes.count()} themes, {new.system_recommendations.count()} system recommendations, "
            f"{new.indicators.count()} beacon indicators, {new.pillars.count()} pillars copied."
        )
