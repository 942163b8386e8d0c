"""Putting a dataset on the open-data page and taking it off: who may, and the record of it.

Who may is ``atf.access``'s (``may_publish``, and ``publication_rule`` on the
row written); views only call these functions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from atf import access
from stocktake.models import Round

from .models import Publication

KIND_OF = {
    "stocktake.Round": Publication.Kind.ROUND,
    "commissions.Commission": Publication.Kind.COMMISSION,
    "atf.Framework": Publication.Kind.INDICATORS,
}
FIELD_OF = {
    Publication.Kind.ROUND: "round",
    Publication.Kind.COMMISSION: "commission",
    Publication.Kind.INDICATORS: "framework",
}


class NotPublishable(Exception):
    """A publication refused for a reason the person can act on; the message says it."""


class NothingToDo(Exception):
    """Already published, or already withdrawn."""


def kind_of(target) -> str:
    return KIND_OF[target._meta.label]


def current(target) -> Publication | None:
    """The live publication of ``target``, if any (a reopened round's included: it is not served, but stays)."""
    kind = kind_of(target)
    return Publication.objects.filter(kind=kind, withdrawn_at__isnull=True, **{FIELD_OF[kind]: target}).first()


def history(target):
    kind = kind_of(target)
    return Publication.objects.filter(kind=kind, **{FIELD_OF[kind]: target}).select_related(
        "published_by", "withdrawn_by"
    )


def publish(user, target) -> Publication:
    if not access.may_publish(user, target):
        raise PermissionDenied("Only the ICS's reviewers (or, for a commission, its secretariat) can publish this.")
    if isinstance(target, Round) and target.is_open:
        raise NotPublishable(
            f"“{target}” is open, so it cannot be published: only a closed round's accepted returns are. "
            "Close the round first."
        )
    kind = kind_of(target)
    try:
        with transaction.atomic():
            # Read again under a lock: a reviewer closing or reopening it at the same moment waits for us.
            if isinstance(target, Round) and Round.objects.select_for_update().get(pk=target.pk).is_open:
                raise NotPublishable(f"“{target}” was reopened a moment ago, so it was not published.")
            publication = Publication.objects.create(
                kind=kind, published_at=timezone.now(), published_by=user, **{FIELD_OF[kind]: target}
            )
            access.require_still_changeable(user, [publication])
    except IntegrityError as exc:  # someone else published it a moment before
        raise NothingToDo(f"“{target}” is already on the open-data page.") from exc
    return publication


def withdraw(user, target) -> Publication:
    if not access.may_publish(user, target):
        raise PermissionDenied("Only the ICS's reviewers (or, for a commission, its secretariat) can withdraw this.")
    with transaction.atomic():
        kind = kind_of(target)
        publication = (
            Publication.objects.select_for_update()
            .filter(kind=kind, withdrawn_at__isnull=True, **{FIELD_OF[kind]: target})
            .first()
        )
        if publication is None:
            raise NothingToDo(f"“{target}” is not on the open-data page.")
        publication.withdrawn_at, publication.withdrawn_by = timezone.now(), user
        publication.save(update_fields=["withdrawn_at", "withdrawn_by"])
        access.require_still_changeable(user, [publication])
    return publication
