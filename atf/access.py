"""Who may see and change which rows: the one tenant rule.

Every place that lists, shows, changes, exports or imports rows asks this
module, through ``Model.objects.for_user(user, action)`` or
``restrict(queryset, user, action)``; none of them decides for itself.

Actions: ``view`` (read; also export), ``change`` (edit; also import),
``delete``, ``add`` (may the user create such rows at all: checked on the
saved row like ``change``), and ``attach`` (which rows may be chosen in a
form's dropdown, e.g. the places an entry may be attributed to).

The policy, per role (``Scope`` below holds a user's roles):

- superuser: everything.
- ICS reviewer at an ICS: views everything in that ICS's tree; changes
  rounds, rows, returns, the entries of open rounds, the framework, places,
  and memberships below the ICS.
- borough lead at a borough: views its own entries (drafts too), the
  published entries of its ICS, and the commissions of its borough; changes
  its borough's entries in an open round while its return is not submitted.
- the same role held at a sub-region or combined authority (a place lead):
  views the published entries of its ICS; changes the entries of its own
  place's activity column in an open round. It gains nothing over the
  boroughs inside its place: their entries, returns and commissions stay
  their own leads'.
- commission secretariat: views and changes its commission, all of it
  (members, priorities, meetings, minutes, decisions, actions); views other
  commissions of the same ICS and their published meetings.
- ICS reviewer and borough lead also see commissions (a reviewer all of
  those in the ICS, drafts included; a lead its borough's, once published).
- viewer at a place: views published entries in that place's tree.
- anyone signed in: views reference data (places, frameworks).
- open-data publications (``opendata.Publication``: what the ICS puts on the
  public open-data page): read, made and withdrawn by the ICS's reviewers for
  its rounds, framework versions (indicator values) and commissions, and by a
  commission's secretariat for its own commission; deleted by nobody, so
  that the rows stay the record of who published what and when. The public
  page reads only published rows (``opendata.datasets``), for nobody in
  particular.
- personal rows (a person's notifications and their settings, background
  jobs, calendar address, API tokens; ``PERSONAL`` below): their owner's alone,
  whatever the roles; superusers read jobs, nothing else of them.

An entry is *published* when its round is closed, when it was reported at
ICS, sub-region or combined-authority level, or when the return of one of
its places is submitted or accepted.

A return's status and the ICS's comment on it are read by the reviewers and
by that place's own lead, nobody else.

``attach`` is narrower than ``view``: a secretariat reads other commissions'
published meetings but may only point its own rows at its own commission's
meetings, items, paragraphs, members, priorities and actions.

Whatever the role, superusers included, the rows of a closed round (its
entries, rows, Recommendations cells and returns) are read-only until an ICS
reviewer reopens the round: ``frozen`` below is added to every rule for
``change``, ``delete`` and ``add``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .roles import Role

VIEW, CHANGE, DELETE, ADD, ATTACH = "view", "change", "delete", "add", "attach"
ACTIONS = {VIEW, CHANGE, DELETE, ADD, ATTACH, "export", "import"}
ALIASES = {"export": VIEW, "import": CHANGE}

NOTHING = Q(pk__in=[])
EVERYTHING = Q()
WRITES = {CHANGE, DELETE, ADD}


class OutOfScope(PermissionDenied):
    """A write that would leave a row outside what its author may change; the caller rolls it back."""


@dataclass
class Scope:
    """A user's roles, read once per request."""

    superuser: bool = False
    reviewer_systems: set[int] = field(default_factory=set)
    lead_places: list = field(default_factory=list)  # boroughs, with their paths
    # Where the lead role is held above borough level (a sub-region or combined
    # authority): kept apart, so that none of the borough rules reach the
    # boroughs inside such a place.
    level_lead_places: list = field(default_factory=list)
    secretariat_commissions: set[int] = field(default_factory=set)
    secretariat_systems: set[int] = field(default_factory=set)
    viewer_places: list = field(default_factory=list)
    may_any_cache: dict = field(default_factory=dict)

    @property
    def lead_systems(self) -> set[int]:
        return {p.system_id for p in self.lead_places + self.level_lead_places}

    @property
    def viewer_systems(self) -> set[int]:
        return {p.system_id for p in self.viewer_places}

    @property
    def systems(self) -> set[int]:
        return self.reviewer_systems | self.lead_systems | self.secretariat_systems | self.viewer_systems

    @property
    def has_role(self) -> bool:
        return self.superuser or bool(self.systems)


def scope_for(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_atf_scope", None)
    if cached is not None:
        return cached
    scope = Scope(superuser=user.is_superuser)
    for membership in user.memberships.select_related("place", "commission__place"):
        if membership.role == Role.ICS_REVIEWER:
            scope.reviewer_systems.add(membership.place.system_id)
        elif membership.role == Role.BOROUGH_LEAD:
            if membership.place.kind == "borough":
                scope.lead_places.append(membership.place)
            else:
                scope.level_lead_places.append(membership.place)
        elif membership.role == Role.SECRETARIAT:
            scope.secretariat_commissions.add(membership.commission_id)
            scope.secretariat_systems.add(membership.commission.place.system_id)
        elif membership.role == Role.VIEWER:
            scope.viewer_places.append(membership.place)
    user._atf_scope = scope
    return scope


def forget_scope(user) -> None:
    """After memberships change within a request."""
    if hasattr(user, "_atf_scope"):
        del user._atf_scope


def within(places, prefix: str = "") -> Q:
    """Rows whose place (reached through ``prefix``) lies in any of ``places``' trees."""
    conditions = [Q(**{f"{prefix}path__startswith": p.path}) for p in places]
    return reduce(or_, conditions) if conditions else NOTHING


def in_systems(systems, prefix: str) -> Q:
    return Q(**{f"{prefix}__in": systems}) if systems else NOTHING


# Rules: one function per model, (scope, action) -> Q. --------------------


def reference_data(system_path: str) -> Callable[[Scope, str], Q]:
    """Readable by everyone signed in; chosen in forms within one's own systems; changed by their reviewers."""

    def rule(scope: Scope, action: str) -> Q:
        if action == VIEW:
            return EVERYTHING
        if action == ATTACH:  # an entry, action or priority of one system never points into another's framework
            return in_systems(scope.systems, system_path)
        return in_systems(scope.reviewer_systems, system_path)

    return rule


def place_rule(scope: Scope, action: str) -> Q:
    if action == VIEW:
        return EVERYTHING
    if action == ATTACH:  # places an entry may be attributed to
        # A place lead attributes its column's entries to its own place only, never to a borough inside it.
        level_places = Q(pk__in=[p.pk for p in scope.level_lead_places]) if scope.level_lead_places else NOTHING
        return in_systems(scope.reviewer_systems, "system_id") | within(scope.lead_places) | level_places
    return in_systems(scope.reviewer_systems, "system_id")


def round_rule(scope: Scope, action: str, prefix: str = "") -> Q:
    if action == VIEW:
        return in_systems(scope.systems, f"{prefix}framework__system_id")
    if action == ATTACH:  # rounds an entry may be added to
        from stocktake.models import Round

        open_rounds = Q(**{f"{prefix}status": Round.Status.OPEN})
        return open_rounds & in_systems(scope.reviewer_systems | scope.lead_systems, f"{prefix}framework__system_id")
    return in_systems(scope.reviewer_systems, f"{prefix}framework__system_id")


def published_entries() -> Q:
    from stocktake.models import Level, Return, Round

    submitted = Return.objects.filter(
        round=OuterRef("round"), place__entries=OuterRef("pk"), status__in=Return.PUBLISHED
    )
    return Q(round__status=Round.Status.CLOSED) | ~Q(level=Level.BOROUGH) | Exists(submitted)


def entry_rule(scope: Scope, action: str) -> Q:
    from stocktake.models import Entry, Level, Return, Round

    reviewer = in_systems(scope.reviewer_systems, "round__framework__system_id")
    if action != VIEW:
        # A closed round's entries are read-only until a reviewer reopens the round.
        reviewer &= Q(round__status=Round.Status.OPEN)
    if action == VIEW:
        own = Exists(
            Entry.places.through.objects.filter(entry=OuterRef("pk")).filter(within(scope.lead_places, "place__"))
        )
        shared = published_entries() & in_systems(
            scope.lead_systems | scope.secretariat_systems, "round__framework__system_id"
        )
        viewed = published_entries() & (
            Exists(
                Entry.places.through.objects.filter(entry=OuterRef("pk")).filter(within(scope.viewer_places, "place__"))
            )
            | within(scope.viewer_places, "column_place__")
        )
        return (
            reviewer | (own if scope.lead_places else NOTHING) | shared | (viewed if scope.viewer_places else NOTHING)
        )
    allowed = reviewer
    if scope.lead_places:
        # A lead changes an entry only when every place it names is theirs, its
        # round is open, and their return is not waiting for or past review.
        outside = Entry.places.through.objects.filter(entry=OuterRef("pk")).exclude(
            within(scope.lead_places, "place__")
        )
        locked = Return.objects.filter(
            round=OuterRef("round"), place__in=[p.pk for p in scope.lead_places], status__in=Return.PUBLISHED
        )
        allowed |= (
            Q(round__status=Round.Status.OPEN, level=Level.BOROUGH)
            & Exists(Entry.places.through.objects.filter(entry=OuterRef("pk")))
            & ~Exists(outside)
            & ~Exists(locked)
        )
    if scope.level_lead_places:
        # A lead held at a sub-region or combined authority changes the entries
        # of its own place's activity column (column_place within that place;
        # never borough entries, which have no column place) while the round is
        # open. Those entries are published from the start, so no return locks them.
        allowed |= (
            Q(round__status=Round.Status.OPEN)
            & ~Q(level=Level.BOROUGH)
            & within(scope.level_lead_places, "column_place__")
        )
    return allowed


def row_rule(scope: Scope, action: str) -> Q:
    return round_rule(scope, VIEW if action == VIEW else CHANGE, prefix="round__")


def return_rule(scope: Scope, action: str) -> Q:
    reviewer = in_systems(scope.reviewer_systems, "round__framework__system_id")
    if action == VIEW:
        return reviewer | within(scope.lead_places, "place__")
    # Leads submit through the return page (stocktake.transitions), never by editing the row.
    return reviewer


def transition_rule(scope: Scope, action: str) -> Q:
    """A return's recorded steps (who, when, why) are read with its status and comment; nobody edits them."""
    if action != VIEW:
        return NOTHING
    return in_systems(scope.reviewer_systems, "place_return__round__framework__system_id") | within(
        scope.lead_places, "place_return__place__"
    )


def import_record_rule_for(user) -> Callable[[Scope, str], Q]:
    """Records of workbook imports: read by the reviewers of the round's system and by the importer."""

    def rule(scope: Scope, action: str) -> Q:
        if action != VIEW:
            return NOTHING
        return in_systems(scope.reviewer_systems, "round__framework__system_id") | Q(user_id=user.pk)

    return rule


def membership_rule_for(user) -> Callable[[Scope, str], Q]:
    def rule(scope: Scope, action: str) -> Q:
        managed = (in_systems(scope.reviewer_systems, "place__system_id") & ~Q(role=Role.ICS_REVIEWER)) | in_systems(
            scope.reviewer_systems, "commission__place__system_id"
        )
        if action == VIEW:
            return managed | Q(role=Role.ICS_REVIEWER, place__system_id__in=scope.reviewer_systems) | Q(user_id=user.pk)
        return managed

    return rule


def user_rule(scope: Scope, action: str) -> Q:
    """Users a reviewer may see and grant roles to: those of their system, and those with no role yet."""
    from .models import Membership

    if action not in (VIEW, ATTACH) or not scope.reviewer_systems:
        return NOTHING
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    in_their_system = memberships.filter(
        Q(place__system_id__in=scope.reviewer_systems) | Q(commission__place__system_id__in=scope.reviewer_systems)
    )
    return Exists(in_their_system) | ~Exists(memberships)


def commission_rule(scope: Scope, action: str, prefix: str = "") -> Q:
    own = Q(**{f"{prefix}pk__in": scope.secretariat_commissions}) if scope.secretariat_commissions else NOTHING
    if action == ATTACH:
        # Its own commission for a secretariat; for a reviewer, the commissions
        # of the ICS it grants secretariat roles for.
        return own | in_systems(scope.reviewer_systems, f"{prefix}place__system_id")
    if action != VIEW:
        return own
    return (
        own
        | in_systems(scope.reviewer_systems, f"{prefix}place__system_id")
        | within(scope.lead_places, f"{prefix}place__")
        | in_systems(scope.secretariat_systems, f"{prefix}place__system_id")
        | within(scope.viewer_places, f"{prefix}place__")
    )


def commission_part_rule(to_commission: str) -> Callable[[Scope, str], Q]:
    """Members and priorities: seen with their commission, changed (and chosen in forms) by its secretariat."""

    def rule(scope: Scope, action: str) -> Q:
        return commission_rule(scope, CHANGE if action == ATTACH else action, prefix=to_commission)

    return rule


def meeting_rule(to_meeting: str, to_commission: str | None = None) -> Callable[[Scope, str], Q]:
    """Meetings and what they hold: the secretariat's and the ICS reviewers' in full, others' once published."""
    to_commission = to_commission if to_commission is not None else f"{to_meeting}commission__"

    def rule(scope: Scope, action: str) -> Q:
        own = (
            Q(**{f"{to_commission}pk__in": scope.secretariat_commissions}) if scope.secretariat_commissions else NOTHING
        )
        if action != VIEW:
            return own
        published = Q(**{f"{to_meeting}status": "published"})
        others = (
            in_systems(scope.secretariat_systems, f"{to_commission}place__system_id")
            | within(scope.lead_places, f"{to_commission}place__")
            | within(scope.viewer_places, f"{to_commission}place__")
        )
        return own | in_systems(scope.reviewer_systems, f"{to_commission}place__system_id") | (published & others)

    return rule


def round_publishers(scope: Scope, prefix: str = "") -> Q:
    return in_systems(scope.reviewer_systems, f"{prefix}framework__system_id")


def framework_publishers(scope: Scope, prefix: str = "") -> Q:
    """A framework version's indicator values."""
    return in_systems(scope.reviewer_systems, f"{prefix}system_id")


def commission_publishers(scope: Scope, prefix: str = "") -> Q:
    own = Q(**{f"{prefix}pk__in": scope.secretariat_commissions}) if scope.secretariat_commissions else NOTHING
    return own | in_systems(scope.reviewer_systems, f"{prefix}place__system_id")


# What may be put on the open-data page: model label -> (the path to it from a publication, who may).
PUBLISHERS = {
    "stocktake.Round": ("round__", round_publishers),
    "atf.Framework": ("framework__", framework_publishers),
    "commissions.Commission": ("commission__", commission_publishers),
}


def publication_rule(scope: Scope, action: str) -> Q:
    """Open-data publications: read, made and withdrawn by those who may publish their dataset; deleted by nobody."""
    if action == DELETE:
        return NOTHING
    return reduce(or_, (publishers(scope, prefix) for prefix, publishers in PUBLISHERS.values()))


def return_places(scope: Scope) -> Q:
    """Places whose return (status and the ICS's comment) the user may read: ``return_rule`` on places."""
    return in_systems(scope.reviewer_systems, "system_id") | within(scope.lead_places)


# Models whose rows belong to a round, with the path to it: frozen while it is closed.
ROUND_PATHS = {
    "stocktake.Entry": "round__",
    "stocktake.Row": "round__",
    "stocktake.RecommendationCell": "round__",
    "stocktake.Return": "round__",
}


# The minutes' rows, and the path from each to its meeting: locked once the minutes are approved.
MINUTES_PATHS = {
    "commissions.AgendaItem": "meeting__",
    # An approved meeting's papers are part of its record, as its agenda is.
    "commissions.AgendaPaper": "item__meeting__",
    "commissions.Paragraph": "item__meeting__",
    "commissions.Attendance": "meeting__",
    "commissions.Decision": "meeting__",
    "commissions.WorkshopQuestion": "meeting__",
}


def frozen(model: type[models.Model]) -> Q:
    """The rows of ``model`` that no one may write: those of closed rounds, and the minutes of meetings whose
    minutes are approved or published (corrected only by a recorded amendment, ``commissions.approval``)."""
    label = model._meta.label
    if label in MINUTES_PATHS:
        from commissions.models import Meeting

        locked = Q(**{f"{MINUTES_PATHS[label]}status__in": Meeting.LOCKED_STATUSES})
        if label == "commissions.Decision":
            # The decision that approved another meeting's minutes is the record of that approval.
            locked |= Q(approves__isnull=False)
        return locked
    path = ROUND_PATHS.get(label)
    if path is None:
        return NOTHING
    from stocktake.models import Round

    return Q(**{f"{path}status": Round.Status.CLOSED})


def rule_for(model: type[models.Model], user) -> Callable[[Scope, str], Q]:
    label = model._meta.label
    rules = {
        "boroughs.Place": place_rule,
        "boroughs.PlaceAlias": reference_data("place__system_id"),
        "atf.Framework": reference_data("system_id"),
        "atf.Theme": reference_data("framework__system_id"),
        "atf.Recommendation": reference_data("theme__framework__system_id"),
        "atf.SystemRecommendation": reference_data("framework__system_id"),
        "atf.BeaconIndicator": reference_data("framework__system_id"),
        "atf.Pillar": reference_data("framework__system_id"),
        # Indicator values are public figures: read by everyone signed in, imported by the ICS's reviewers.
        "indicators.IndicatorValue": reference_data("indicator__framework__system_id"),
        "indicators.Area": reference_data("place__system_id"),
        "atf.Membership": membership_rule_for(user),
        "auth.User": user_rule,
        "stocktake.Round": round_rule,
        "stocktake.Row": row_rule,
        "stocktake.RecommendationCell": row_rule,
        "stocktake.Entry": entry_rule,
        "stocktake.Return": return_rule,
        "stocktake.ReturnTransition": transition_rule,
        "stocktake.WorkbookImport": import_record_rule_for(user),
        "commissions.Commission": commission_rule,
        "commissions.Member": commission_part_rule("commission__"),
        "commissions.Priority": commission_part_rule("commission__"),
        "commissions.Meeting": meeting_rule(""),
        "commissions.AgendaItem": meeting_rule("meeting__"),
        "commissions.AgendaPaper": meeting_rule("item__meeting__"),
        "commissions.Amendment": meeting_rule("paragraph__item__meeting__"),
        "commissions.Paragraph": meeting_rule("item__meeting__"),
        "commissions.Attendance": meeting_rule("meeting__"),
        "commissions.Decision": meeting_rule("meeting__"),
        "commissions.WorkshopQuestion": meeting_rule("meeting__"),
        "commissions.Action": meeting_rule("meeting__", "commission__"),
        "commissions.ActionUpdate": meeting_rule("action__meeting__", "action__commission__"),
        "opendata.Publication": publication_rule,
    }
    extra = getattr(model, "access_rule", None)
    if extra is not None:
        return extra
    if label not in rules:
        raise LookupError(f"No access rule for {label}: add one to atf.access before exposing it.")
    return rules[label]


# Rows that belong to one person (their notifications and notification settings, their background
# jobs, their private calendar address): theirs alone to read and change, whatever their roles. A
# person's inbox, settings and calendar address are not a tenant's data, so not even superusers read
# them; a job's progress page is read by superusers too (to help with a failed import), never changed.
# Model label -> (the owner's field, whether superusers read it).
PERSONAL = {
    "notifications.Notification": ("recipient", False),
    "notifications.Setting": ("user", False),
    "jobs.Job": ("user", True),
    "calendars.CalendarFeed": ("user", False),
    "api.AccessToken": ("user", False),
}


def restrict(queryset: models.QuerySet, user, action: str) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may act on."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    action = ALIASES.get(action, action)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    personal = PERSONAL.get(queryset.model._meta.label)
    if personal is not None:
        owner, superusers_read = personal
        if user.is_superuser and superusers_read and action == VIEW:
            return queryset
        return queryset.filter(**{owner: user})
    scope = scope_for(user)
    closed = frozen(queryset.model) if action in WRITES else NOTHING
    if closed != NOTHING:
        queryset = queryset.exclude(closed)
    if scope.superuser:
        return queryset
    condition = rule_for(queryset.model, user)(scope, action)
    if condition == NOTHING:
        return queryset.none()
    # Every rule reaches many-to-many relations through Exists(), so rows never repeat.
    return queryset.filter(condition)


def can(user, action: str, obj: models.Model) -> bool:
    """May ``user`` act on this one saved row?"""
    if obj is None or obj.pk is None:
        return False
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def require_still_changeable(user, objs) -> None:
    """After a write: every row written must still be the user's to change, or OutOfScope is raised.

    Callers run the write and this check in one transaction, so a refusal
    leaves nothing behind. Roles may have changed in the write itself, so the
    user's scope is read afresh.
    """
    forget_scope(user)
    by_model: dict[type[models.Model], set] = {}
    for obj in objs:
        if obj is not None and obj.pk is not None:
            by_model.setdefault(type(obj), set()).add(obj.pk)
    for model, pks in by_model.items():
        allowed = restrict(model._default_manager.filter(pk__in=pks), user, CHANGE).count()
        if allowed != len(pks):
            raise OutOfScope(
                f"That change would put the {model._meta.verbose_name} outside what you may change, "
                "so it was not saved."
            )


def may_publish(user, obj: models.Model) -> bool:
    """May ``user`` put ``obj`` (a round, a framework version's indicator values, a commission) on the
    open-data page, or take it off? The same rule as ``publication_rule``, asked before any row exists."""
    if obj is None or obj.pk is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    scope = scope_for(user)
    if scope.superuser:
        return True
    _, publishers = PUBLISHERS[obj._meta.label]
    condition = publishers(scope)
    if condition == NOTHING:
        return False
    return type(obj)._default_manager.filter(pk=obj.pk).filter(condition).exists()


def may_any(user, action: str, model: type[models.Model]) -> bool:
    """Could ``user`` act on some row of ``model``? (For showing admin modules and buttons.)"""
    scope = scope_for(user)
    if scope.superuser:
        return True
    key = (model._meta.label, action)
    if key not in scope.may_any_cache:
        scope.may_any_cache[key] = restrict(model._default_manager.all(), user, action).exists()
    return scope.may_any_cache[key]


# Which roles may create rows of a model at all; the saved row is then
# checked against the change rule like any other write.
ADD_ROLES: dict[str, Callable[[Scope], bool]] = {
    "stocktake.Entry": lambda s: bool(s.reviewer_systems or s.lead_places or s.level_lead_places),
    "commissions.Commission": lambda s: False,
    "opendata.Publication": lambda s: bool(s.reviewer_systems or s.secretariat_commissions),
    **{
        f"commissions.{name}": lambda s: bool(s.secretariat_commissions)
        for name in (
            "Member",
            "Priority",
            "Meeting",
            "AgendaItem",
            "AgendaPaper",
            "Paragraph",
            "Amendment",
            "Attendance",
            "Decision",
            "WorkshopQuestion",
            "Action",
            "ActionUpdate",
        )
    },
}


def may_add(user, model: type[models.Model]) -> bool:
    scope = scope_for(user)
    if scope.superuser:
        return True
    check = ADD_ROLES.get(model._meta.label, lambda s: bool(s.reviewer_systems))
    return check(scope)


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action: str = VIEW) -> models.QuerySet:
        return restrict(self, user, action)
