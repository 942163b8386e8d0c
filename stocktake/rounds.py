"""Running stocktake rounds: who may manage them; opening, deadlines, closing and reopening.

Views call these functions; each asks the tenant rule (``atf.access``) and
raises PermissionDenied (or Http404 for a round the user may not even see).
Writes carry the version the user's form was opened at, so a stale form
raises ``atf.versioning.StaleVersion`` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from atf import access
from atf.bulk import insert_rows
from atf.models import BeaconIndicator, Framework, Recommendation, SystemRecommendation, Theme
from atf.versioning import StaleVersion
from boroughs.models import Place

from .models import DEFAULT_REMINDER_DAYS, Entry, Level, Return, Round
from .returns import RoundClosed, closed_message, readable_return_places


class NameTaken(Exception):
    """Another round has this name (or one that makes the same address)."""


class NothingToDo(Exception):
    """The round is already in the state asked for: said to the user, nothing written."""


# Who may manage -------------------------------------------------------------


def may_open_rounds(user) -> bool:
    """Reviewers (and superusers) of a system with a framework: they choose it when opening a round."""
    return access.may_add(user, Round) and openable_frameworks(user).exists()


def openable_frameworks(user):
    """Frameworks a new round may use: those of the systems the user reviews."""
    return access.restrict(Framework.objects.select_related("system"), user, access.CHANGE)


def copyable_rounds(user):
    """Rounds whose borough entries a new round may start from: any the user may see, of a framework they may use."""
    frameworks = openable_frameworks(user).values("pk")
    rounds_ = Round.objects.filter(framework__in=frameworks).select_related("framework")
    return access.restrict(rounds_, user, access.VIEW).order_by("-period_start", "-pk")


def may_manage(user, round_: Round) -> bool:
    return access.can(user, access.CHANGE, round_)


def manageable_ids(user, rounds_) -> set[int]:
    """Which of ``rounds_`` the user may manage, in one query."""
    ids = [r.pk for r in rounds_]
    if not ids:
        return set()
    return set(access.restrict(Round.objects.filter(pk__in=ids), user, access.CHANGE).values_list("pk", flat=True))


def managed_round(user, slug: str) -> Round:
    """The round the user manages: 404 for a round they may not see, 403 for one they may only read."""
    visible = access.restrict(Round.objects.select_related("framework__system"), user, access.VIEW)
    round_ = visible.filter(slug=slug).first()
    if round_ is None:
        raise Http404("No such round.")
    if not may_manage(user, round_):
        raise PermissionDenied("Only the ICS's reviewers can manage this round.")
    return round_


def round_borough(round_: Round, slug: str) -> Place:
    place = Place.objects.filter(system=round_.framework.system_id, kind=Place.Kind.BOROUGH, slug=slug).first()
    if place is None:
        raise Http404("No such borough in this round's system.")
    return place


# Opening a round --------------------------------------------------------------


def name_problem(name: str, *, exclude: Round | None = None) -> str | None:
    """Why a round cannot take this name, or None: names and their addresses are unique."""
    slug = slugify(name)[:100]
    if not slug:
        return "Give the round a name with letters or numbers in it"
    others = Round.objects.exclude(pk=exclude.pk) if exclude else Round.objects.all()
    if others.filter(name__iexact=name).exists():
        return f"There is already a round called “{name}”. Choose another name"
    clash = others.filter(slug=slug).first()
    if clash is not None:
        return f"That name makes the same web address as the round “{clash}”. Choose another name"
    return None


@dataclass
class Opened:
    round: Round
    copied: int


@transaction.atomic
def open_round(
    user,
    *,
    framework: Framework,
    name: str,
    period_start: date | None,
    period_end: date | None,
    deadline: date | None,
    previous: Round | None = None,
    reminder_days: str = DEFAULT_REMINDER_DAYS,
) -> Opened:
    """Open a new round; with ``previous``, its boroughs' entries are copied in as drafts. One transaction."""
    if not access.may_add(user, Round) or not openable_frameworks(user).filter(pk=framework.pk).exists():
        raise PermissionDenied("Only the reviewers of a framework's system can open rounds of it.")
    if previous is not None and (
        previous.framework.system_id != framework.system_id or not access.can(user, access.VIEW, previous)
    ):
        raise PermissionDenied("A round can only start from an earlier round of the same system's framework.")
    problem = name_problem(name)
    if problem:
        raise NameTaken(problem)
    round_ = Round(
        framework=framework,
        name=name,
        period_start=period_start,
        period_end=period_end,
        deadline=deadline,
        reminder_days=reminder_days,
        status=Round.Status.OPEN,
    )
    round_._history_user = user
    try:
        with transaction.atomic():  # a savepoint: someone else took the name a moment ago
            round_.save()
    except IntegrityError as exc:
        raise NameTaken(f"There is already a round called “{name}”. Choose another name") from exc
    access.require_still_changeable(user, [round_])
    copied = copy_borough_entries(user, previous, round_) if previous is not None else 0
    return Opened(round_, copied)


class VersionMap:
    """Ids of one framework version's themes, system recommendations, recommendations and indicators in another's.

    They are matched by number (a recommendation by its theme's number and its position), as a new version
    starts as a copy of the old (``atf.versions``). Within one framework every id maps to itself.
    """

    def __init__(self, old: Framework, new: Framework):
        self.changes = old.pk != new.pk
        if not self.changes:
            return

        def by_number(model, key, framework):
            return {
                tuple(row[1:]): row[0]
                for row in model.objects.filter(**{key: framework}).values_list("pk", *NUMBERS[model])
            }

        self.maps = {}
        for name, model, key in (
            ("theme", Theme, "framework"),
            ("system", SystemRecommendation, "framework"),
            ("recommendations", Recommendation, "theme__framework"),
            ("indicators", BeaconIndicator, "framework"),
        ):
            new_ids = by_number(model, key, new)
            self.maps[name] = {pk: new_ids.get(number) for number, pk in by_number(model, key, old).items()}

    def _map(self, name: str, pk):
        if pk is None or not self.changes:
            return pk
        return self.maps[name].get(pk)

    def theme(self, pk):
        return self._map("theme", pk)

    def system(self, pk):
        return self._map("system", pk)

    def link(self, name: str, pk):
        """A linked row's id in the new version (a place is no framework's, and stays)."""
        return pk if name == "places" else self._map(name, pk)


NUMBERS = {
    Theme: ("number",),
    SystemRecommendation: ("number",),
    Recommendation: ("theme__number", "position"),
    BeaconIndicator: ("number",),
}


# The columns of a copied entry, in the order copy_borough_entries gives their values.
COPIED_FIELDS = (
    "round",
    "theme",
    "system_recommendation",
    "level",
    "column_place",
    "lead_in",
    "text",
    "position",
    "created",
    "updated",
    "version",
)
COPIED_LINKS = ("places", "recommendations", "indicators")


def copy_borough_entries(user, source: Round, target: Round) -> int:
    """Copy the boroughs' own entries of ``source`` into the new round ``target``, as drafts; how many.

    A round can hold thousands of entries, so rows are inserted in bulk
    (``atf.bulk.insert_rows``) in a fixed number of queries, with one history
    row each naming the reviewer. ``target`` is new and not yet committed,
    so its entries are exactly those inserted here, and their ids rise in
    the order they were inserted. Call inside the transaction that created
    ``target``.
    """
    names_a_place = Exists(Entry.places.through.objects.filter(entry=OuterRef("pk")))
    entries = (
        access.restrict(Entry.objects.filter(round=source, level=Level.BOROUGH), user, access.VIEW)
        .filter(names_a_place)
        .order_by("pk")
    )
    sources = list(
        entries.values_list(
            "pk", "theme_id", "system_recommendation_id", "level", "column_place_id", "lead_in", "text", "position"
        )
    )
    mapping = VersionMap(source.framework, target.framework)
    # From an earlier framework version, each entry moves to the theme or system recommendation of the same
    # number in the new one; one whose section the new version no longer has is not carried over.
    sources = [
        (pk, mapping.theme(theme), mapping.system(system), *rest)
        for pk, theme, system, *rest in sources
        if mapping.theme(theme) or mapping.system(system)
    ]
    if not sources:
        return 0
    entries = entries.filter(pk__in=[row[0] for row in sources]) if mapping.changes else entries
    now = timezone.now()
    values = [(target.pk, *row[1:], now, now, 1) for row in sources]
    insert_rows(Entry, COPIED_FIELDS, values)
    new_ids = list(Entry.objects.filter(round=target).order_by("pk").values_list("pk", flat=True))
    if len(new_ids) != len(sources):  # cannot happen while target is uncommitted; never link the wrong rows
        raise RuntimeError("The new round's entries do not match those copied.")
    insert_rows(
        Entry.history.model,
        ("id", *COPIED_FIELDS, "history_date", "history_type", "history_user"),
        ((new_id, *row, now, "+", user.pk) for new_id, row in zip(new_ids, values, strict=True)),
    )
    new_for_old = {old[0]: new for old, new in zip(sources, new_ids, strict=True)}
    for name in COPIED_LINKS:
        through = getattr(Entry, name).through
        field = getattr(Entry, name).field
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        # Read through a subquery: a list of thousands of ids would pass SQLite's limit on parameters.
        links = through.objects.filter(**{f"{own}__in": entries.values("pk")}).values_list(f"{own}_id", f"{other}_id")
        # Read in full before inserting: on PostgreSQL the insert is a COPY, and no query may run during it.
        pairs = [(new_for_old[entry], mapping.link(name, linked)) for entry, linked in links if entry in new_for_old]
        insert_rows(through, (own, other), [(entry, linked) for entry, linked in pairs if linked])
    return len(sources)


# The management page ----------------------------------------------------------


@dataclass
class BoroughReturn:
    """One borough's line on the management page."""

    place: Place
    return_: Return | None
    entries: int
    round_deadline: date | None
    round_open: bool

    @property
    def status(self) -> str:
        return self.return_.status if self.return_ else Return.Status.DRAFT

    @property
    def status_label(self) -> str:
        return self.return_.get_status_display() if self.return_ else Return.Status.DRAFT.label

    @property
    def own_deadline(self) -> date | None:
        return self.return_.deadline if self.return_ else None

    @property
    def due(self) -> date | None:
        return self.own_deadline or self.round_deadline

    @property
    def waiting(self) -> bool:
        """Still for the borough to send, in an open round: only then is a deadline counted down (or overdue)."""
        return self.round_open and self.status in (Return.Status.DRAFT, Return.Status.RETURNED)


def borough_returns(round_: Round) -> list[BoroughReturn]:
    """Every borough of the round's system, with its return and entry count: three queries, however many."""
    places = list(Place.objects.filter(system=round_.framework.system_id, kind=Place.Kind.BOROUGH).order_by("name"))
    returns_ = {r.place_id: r for r in Return.objects.filter(round=round_)}
    counts = dict(
        Entry.places.through.objects.filter(entry__round=round_, entry__level=Level.BOROUGH)
        .values("place")
        .annotate(n=Count("entry", distinct=True))
        .values_list("place", "n")
    )
    return [BoroughReturn(p, returns_.get(p.pk), counts.get(p.pk, 0), round_.deadline, round_.is_open) for p in places]


def extended_deadlines(user, round_: Round) -> dict[int, date]:
    """Place id -> its own deadline, for the places whose return the user may read (others see none)."""
    extended = dict(Return.objects.filter(round=round_, deadline__isnull=False).values_list("place_id", "deadline"))
    if not extended:
        return {}
    readable = readable_return_places(user, Place.objects.filter(pk__in=list(extended)).only("pk"))
    return {place_id: when for place_id, when in extended.items() if place_id in readable}


# Writes -------------------------------------------------------------------------


def _require_open(round_: Round) -> None:
    if not round_.is_open:
        raise RoundClosed(closed_message(round_))


@transaction.atomic
def set_deadline(user, round_: Round, place: Place, deadline: date | None, *, version: int | None) -> Return:
    """Give one borough its own deadline (None: back to the round's), from a form opened at ``version``.

    ``version`` is that of the borough's return when the form was opened,
    or None if it had none then; a return is created as a draft if need be.
    """
    if not may_manage(user, round_):
        raise PermissionDenied
    round_.refresh_from_db(fields=["status"])  # closed since the page was opened?
    _require_open(round_)
    existing = Return.objects.select_for_update().filter(round=round_, place=place).first()
    if existing is None:
        if version is not None:  # it existed when the form was opened, and is gone
            raise StaleVersion(Return(round=round_, place=place))
        return_ = Return(round=round_, place=place, status=Return.Status.DRAFT, deadline=deadline)
        return_._history_user = user
        try:
            with transaction.atomic():
                return_.save()
        except IntegrityError as exc:  # the borough's return was started a moment ago
            raise StaleVersion(return_) from exc
    else:
        if version is None or existing.version != version:
            raise StaleVersion(existing)
        return_ = existing
        return_.deadline = deadline
        return_._history_user = user
        return_.save(update_fields=["deadline"])
    access.require_still_changeable(user, [return_])
    return return_


@dataclass
class Scheduled:
    round: Round
    cleared: list[Place]  # boroughs whose own deadline the round's new one overtook


@transaction.atomic
def set_schedule(user, round_: Round, *, deadline: date | None, reminder_days: str, version: int | None) -> Scheduled:
    """Change the round's deadline and reminder days, from a form opened at ``version``.

    A borough's own (extended) deadline that the round's new one overtakes is cleared: it
    was given more time, and would otherwise be due before everyone else.
    """
    if not may_manage(user, round_):
        raise PermissionDenied
    current = Round.objects.select_for_update().select_related("framework").get(pk=round_.pk)
    _require_open(current)
    if version is None or current.version != version:
        raise StaleVersion(current)
    current.deadline, current.reminder_days = deadline, reminder_days
    current._history_user = user
    current.save(update_fields=["deadline", "reminder_days"])
    cleared = []
    if deadline is not None:
        for return_ in Return.objects.select_for_update().filter(round=current, deadline__lte=deadline):
            return_.deadline = None
            return_._history_user = user
            return_.save(update_fields=["deadline"])
            cleared.append(return_.place)
    access.require_still_changeable(user, [current])
    return Scheduled(current, cleared)


@transaction.atomic
def set_status(user, round_: Round, status: str, *, version: int) -> Round:
    """Close or reopen the round, from a form opened at ``version``."""
    if status not in Round.Status.values:
        raise ValueError(status)
    if not may_manage(user, round_):
        raise PermissionDenied
    current = Round.objects.select_for_update().get(pk=round_.pk)
    if current.version != version:
        raise StaleVersion(current)
    if current.status == status:
        raise NothingToDo(f"“{current}” is already {current.get_status_display().lower()}.")
    current.status = status
    current._history_user = user
    current.save(update_fields=["status"])
    access.require_still_changeable(user, [current])
    return current


def close_round(user, round_: Round, *, version: int) -> Round:
    return set_status(user, round_, Round.Status.CLOSED, version=version)


def reopen_round(user, round_: Round, *, version: int) -> Round:
    return set_status(user, round_, Round.Status.OPEN, version=version)
