"""What ``grant`` and ``revoke`` share: USER ROLE PLACE_OR_COMMISSION [--as USER]."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from atf import grants
from atf.commands import add_as_user, user_named


class RoleCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help="ics_reviewer, borough_lead, secretariat or viewer")
        parser.add_argument("target", help="A place (slug, name or alias) or, for a secretariat, a commission.")
        add_as_user(parser)

    def handle(self, *args, username, role, target, as_user=None, **options):
        by = user_named(as_user)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user “{username}”.")
        try:
            role = grants.parse_role(role)
            where = grants.find_target(role, target)
            done = self.act(user, role, where, by)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(f"Not allowed: {exc}") from None
        self.stdout.write(self.message(user, role, where, done))

    def act(self, user, role, where, by):
        raise NotImplementedError

    def message(self, user, role, where, done) -> str:
        raise NotImplementedError
