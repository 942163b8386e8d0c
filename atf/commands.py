"""What the management commands share: acting as a named user."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def add_as_user(parser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="Act as this user: only what their role allows is read or changed (default: no restriction).",
    )


def user_named(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user “{username}”.")
    return user
