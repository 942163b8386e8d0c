"""Granting and revoking roles: shared by the grant and revoke commands."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from boroughs.models import Place
from commissions.models import Commission

from . import access
from .models import Membership
from .roles import Role


def parse_role(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"reviewer": Role.ICS_REVIEWER, "lead": Role.BOROUGH_LEAD, "secretary": Role.SECRETARIAT}
    key = aliases.get(key, key)
    if key not in Role.values:
        raise ValidationError(f"“{text}” is not a role. Roles: {', '.join(Role.values)}.")
    return key


def find_target(role: str, text: str):
    """The place (or, for a secretariat, the commission) named by slug, name or alias."""
    if role == Role.SECRETARIAT:
        found = Commission.objects.filter(Q(slug=text) | Q(name__iexact=text)).first()
        if found is None:
            raise ValidationError(f"There is no commission “{text}”.")
        return found
    found = Place.objects.filter(Q(slug=text) | Q(name__iexact=text) | Q(aliases__name__iexact=text)).distinct()
    if found.count() > 1:
        raise ValidationError(f"“{text}” names more than one place; use its slug.")
    if not found:
        raise ValidationError(f"There is no place “{text}”.")
    return found.get()


@transaction.atomic
def grant(user, role: str, target, *, by=None) -> tuple[Membership, bool]:
    """Give ``user`` the role; ``by``, if given, must be allowed to grant it. Returns (membership, created)."""
    place = target if isinstance(target, Place) else None
    commission = target if isinstance(target, Commission) else None
    membership = Membership.objects.filter(user=user, role=role, place=place, commission=commission).first()
    if membership is not None:
        return membership, False
    membership = Membership(user=user, role=role, place=place, commission=commission)
    membership.full_clean()
    membership.save()
    if by is not None and not access.can(by, access.CHANGE, membership):
        raise PermissionDenied(f"{by} may not grant {membership.get_role_display()} at {target}.")
    return membership, True


@transaction.atomic
def revoke(user, role: str, target, *, by=None) -> bool:
    place = target if isinstance(target, Place) else None
    commission = target if isinstance(target, Commission) else None
    membership = Membership.objects.filter(user=user, role=role, place=place, commission=commission).first()
    if membership is None:
        return False
    if by is not None and not access.can(by, access.DELETE, membership):
        raise PermissionDenied(f"{by} may not revoke {membership.get_role_display()} at {target}.")
    membership.delete()
    return True
