"""A place's return for a round: what it holds, and its way from draft to accepted.

Views call these functions; each checks the user's right through the tenant
rule (``atf.access``) and raises PermissionDenied otherwise. The steps of a
return through review (submit, accept, return, reopen) are defined, checked
and recorded in ``stocktake.transitions`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from atf import access
from boroughs.models import Place
from boroughs.names import PlaceNames

from . import transitions
from .models import Entry, Level, Return, Round


def return_for(round_: Round, place: Place) -> Return:
    """The place's return, as a draft if the place has not started one (not saved until it changes)."""
    return Return.objects.filter(round=round_, place=place).first() or Return(round=round_, place=place)


def readable_return_places(user, places) -> set[int]:
    """Which of ``places`` the user may read the return of: its status and the ICS's comment."""
    ids = [p.pk for p in places]
    scope = access.scope_for(user)
    if scope.superuser:
        return set(ids)
    return set(Place.objects.filter(access.return_places(scope), pk__in=ids).values_list("pk", flat=True))


def may_read_return(user, place: Place) -> bool:
    return place.pk in readable_return_places(user, [place])


def visible_return(user, round_: Round, place: Place) -> Return | None:
    """The place's return as the user may read it: None for those who may not (other leads, viewers)."""
    found = access.restrict(Return.objects.filter(round=round_, place=place), user, access.VIEW).first()
    if found is not None:
        return found
    return Return(round=round_, place=place) if may_read_return(user, place) else None


def may_edit(user, round_: Round, place: Place) -> bool:
    """May the user add and change the place's entries in this round?"""
    if not round_.is_open:
        return False
    scope = access.scope_for(user)
    if scope.superuser or round_.framework.system_id in scope.reviewer_systems:
        return True
    if not access.can(user, access.ATTACH, place) or not access.can(user, access.ATTACH, round_):
        return False
    return return_for(round_, place).status not in Return.PUBLISHED


def may_submit(user, round_: Round, place: Place) -> bool:
    """Only the place's own lead (or a superuser) submits its return, while the round is open and it is not in."""
    status = return_for(round_, place).status
    return transitions.may_take(user, round_, place, transitions.Action.SUBMIT, status)


def may_review(user, round_: Round, place: Place | None = None) -> bool:
    """May the user review returns of the round (with a ``place``: that place's, which must be submitted)?"""
    if place is None:
        return round_.is_open and transitions.is_reviewer_of(user, round_)
    status = return_for(round_, place).status
    return transitions.may_take(user, round_, place, transitions.Action.ACCEPT, status)


def may_reopen(user, round_: Round, place: Place) -> bool:
    """May the user reopen the place's accepted return (an ICS reviewer, while the round is open)?"""
    status = return_for(round_, place).status
    return transitions.may_take(user, round_, place, transitions.Action.REOPEN, status)


class RoundClosed(PermissionDenied):
    """A change refused because its round is closed; the 403 page then says who can reopen it."""


def closed_message(round_: Round) -> str:
    return f"“{round_}” is closed, so nothing in it can be changed. An ICS reviewer can reopen it."


def require_edit(user, round_: Round, place: Place) -> None:
    if not round_.is_open:
        raise RoundClosed(closed_message(round_))
    if not may_edit(user, round_, place):
        raise PermissionDenied("This return cannot be changed now.")


@transaction.atomic
def add_entry(
    user, round_: Round, place: Place, *, section, text: str, places, recommendations=(), indicators=(), lead_in=""
):
    require_edit(user, round_, place)
    theme = section if section.__class__.__name__ == "Theme" else None
    system = None if theme else section
    last = Entry.objects.filter(round=round_, theme=theme, system_recommendation=system, level=Level.BOROUGH).aggregate(
        Max("position")
    )["position__max"]
    place_ids = [p.pk for p in places] or [place.pk]
    entry = Entry(
        round=round_,
        theme=theme,
        system_recommendation=system,
        level=Level.BOROUGH,
        lead_in=lead_in or PlaceNames(round_.framework.system).lead_in_for(place_ids),
        text=text.strip(),
        position=(last or 0) + 1,
    )
    entry._history_user = user
    entry.save()
    entry.places.set(place_ids)
    entry.recommendations.set(recommendations)
    entry.indicators.set(indicators)
    access.require_still_changeable(user, [entry])
    return entry


@transaction.atomic
def update_entry(user, entry: Entry, *, text: str, places, recommendations=(), indicators=(), lead_in="", version=None):
    """Save the entry's new text, unless someone saved it since ``version``: then StaleVersion, nothing written."""
    if not access.can(user, access.CHANGE, entry):
        raise PermissionDenied
    if version is not None:
        entry.version = version
    place_ids = [p.pk for p in places]
    if lead_in:
        entry.lead_in = lead_in
    elif sorted(place_ids) != sorted(entry.places.values_list("pk", flat=True)):
        entry.lead_in = PlaceNames(entry.round.framework.system).lead_in_for(place_ids)
    entry.text = text.strip()
    entry._history_user = user
    entry.save()
    entry.places.set(place_ids)
    entry.recommendations.set(recommendations)
    entry.indicators.set(indicators)
    access.require_still_changeable(user, [entry])
    return entry


@transaction.atomic
def delete_entry(user, entry: Entry) -> None:
    if not access.can(user, access.DELETE, entry):
        raise PermissionDenied
    entry._history_user = user
    entry.delete()


@transaction.atomic
def move_entry(user, entry: Entry, direction: str) -> None:
    """Swap the entry with its neighbour above or below among the same place's entries under the section."""
    if not access.can(user, access.CHANGE, entry):
        raise PermissionDenied
    siblings = list(
        access.restrict(
            Entry.objects.filter(
                round=entry.round_id,
                theme=entry.theme_id,
                system_recommendation=entry.system_recommendation_id,
                level=entry.level,
                column_place=entry.column_place_id,
            ),
            user,
            access.CHANGE,
        ).order_by("position", "pk")
    )
    index = next(i for i, e in enumerate(siblings) if e.pk == entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    neighbour = siblings[other]
    if entry.position != neighbour.position:
        entry.position, neighbour.position = neighbour.position, entry.position
    elif direction == "up":  # equal positions (as imported): push the neighbour after the entry
        neighbour.position += 1
    else:
        entry.position += 1
    # Saved one by one, so that the move is in each entry's history with who made it.
    for moved in (entry, neighbour):
        moved._history_user = user
        moved.save(update_fields=["position", "updated"])


# A return's status changes only through stocktake.transitions, which these name for the pages.


def submit(user, round_: Round, place: Place, *, version: int | None = None) -> Return:
    """Submit the place's return; StaleVersion if it changed since ``version`` (the page the user saw)."""
    return transitions.take(user, round_, place, transitions.Action.SUBMIT, version=version)


REVIEW_ACTIONS = {Return.Status.ACCEPTED: transitions.Action.ACCEPT, Return.Status.RETURNED: transitions.Action.RETURN}


def review(user, round_: Round, place: Place, *, decision: str, comment: str, version: int | None = None) -> Return:
    """Return the place's submission with a comment, or accept it; StaleVersion if it changed since ``version``."""
    if decision not in REVIEW_ACTIONS:
        raise ValueError(decision)
    return transitions.take(user, round_, place, REVIEW_ACTIONS[decision], reason=comment, version=version)


def reopen(user, round_: Round, place: Place, *, reason: str, version: int | None = None) -> Return:
    """Send the place's accepted return back to its lead, returned with ``reason``; StaleVersion if stale."""
    return transitions.take(user, round_, place, transitions.Action.REOPEN, reason=reason, version=version)


@dataclass
class EntryCard:
    """What a page shows of an entry, read with plain queries: a return can hold thousands."""

    pk: int
    text: str
    theme_id: int | None
    system_recommendation_id: int | None
    place_labels: list[str] = field(default_factory=list)
    recommendation_positions: list[int] = field(default_factory=list)
    indicator_numbers: list[int] = field(default_factory=list)


def entry_cards(queryset) -> list[EntryCard]:
    """Cards for the entries of ``queryset``, in its order, in four queries whatever their number."""
    from boroughs.models import Place as PlaceModel

    cards = [
        EntryCard(pk, text, theme_id, system_id)
        for pk, text, theme_id, system_id in queryset.values_list("pk", "text", "theme_id", "system_recommendation_id")
    ]
    by_pk = {card.pk: card for card in cards}
    # Each query below reads the database as it is then: an entry saved since the first (by an upload
    # confirmed meanwhile, say) is not on this page, and its links are passed over.
    ids = queryset.values("pk")
    labels = {pk: short or name for pk, short, name in PlaceModel.objects.values_list("pk", "short_name", "name")}
    for entry_id, place_id in Entry.places.through.objects.filter(entry__in=ids).values_list("entry_id", "place_id"):
        if entry_id in by_pk:
            by_pk[entry_id].place_labels.append(labels[place_id])
    for entry_id, position in Entry.recommendations.through.objects.filter(entry__in=ids).values_list(
        "entry_id", "recommendation__position"
    ):
        if entry_id in by_pk:
            by_pk[entry_id].recommendation_positions.append(position)
    for entry_id, number in Entry.indicators.through.objects.filter(entry__in=ids).values_list(
        "entry_id", "beaconindicator__number"
    ):
        if entry_id in by_pk:
            by_pk[entry_id].indicator_numbers.append(number)
    return cards


@dataclass
class SectionView:
    """One theme or system recommendation on a return page."""

    section: object
    kind: str  # "theme" or "system"
    own: list = field(default_factory=list)
    others: list = field(default_factory=list)
    others_count: int = 0

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.section.number}"


# Activity above borough level: the ICS's, a sub-region's or a combined
# authority's own column of the workbook. It has no return: its entries are
# published as soon as they are saved, and are edited by the ICS's reviewers
# and by a lead held at that place (atf.access.entry_rule).


def level_places(round_: Round):
    """The places of the round's system with an activity column of their own, as the exporter writes them."""
    from .importer import LEVEL_KINDS

    return (
        Place.objects.filter(system=round_.framework.system_id, kind__in=LEVEL_KINDS)
        .exclude(stocktake_heading="")
        .order_by("path")
    )


def may_edit_level(user, round_: Round, place: Place) -> bool:
    """May the user add, change, move and delete the entries of the place's activity column in this round?"""
    if not round_.is_open or place.system_id != round_.framework.system_id:
        return False
    scope = access.scope_for(user)
    if scope.superuser or round_.framework.system_id in scope.reviewer_systems:
        return True
    # As entry_rule has it: a lead held at this place, whose column it is.
    leads_here = any(place.path.startswith(lead.path) for lead in scope.level_lead_places)
    return leads_here and access.can(user, access.ATTACH, round_)


def require_level_edit(user, round_: Round, place: Place) -> None:
    if not round_.is_open:
        raise RoundClosed(closed_message(round_))
    if not may_edit_level(user, round_, place):
        raise PermissionDenied(f"Only the ICS's reviewers and {place}'s own lead can change {place}'s activity.")


@transaction.atomic
def add_level_entry(user, round_: Round, place: Place, *, section, text: str, recommendations=(), indicators=()):
    """Add an entry at the end of the place's activity cell under ``section``: its column, its level, its place."""
    require_level_edit(user, round_, place)
    theme = section if section.__class__.__name__ == "Theme" else None
    system = None if theme else section
    last = Entry.objects.filter(
        round=round_, theme=theme, system_recommendation=system, level=place.kind, column_place=place
    ).aggregate(Max("position"))["position__max"]
    entry = Entry(
        round=round_,
        theme=theme,
        system_recommendation=system,
        level=place.kind,
        column_place=place,
        text=text.strip(),
        position=(last or 0) + 1,
    )
    entry._history_user = user
    entry.save()
    entry.places.set([place])
    entry.recommendations.set(recommendations)
    entry.indicators.set(indicators)
    access.require_still_changeable(user, [entry])
    return entry
