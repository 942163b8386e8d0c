"""The demo's live stocktake round: a return at every stage, so that every journey can be tried at once.

``load_live_round(framework)`` adds the open round “ATF Stocktake 2026”
(slug ``atf-stocktake-2026``, period 1 October to 31 December 2026) beside
the closed 2023 round that the demo imports from the real workbook. Its
deadline is three weeks after the day the demo is first loaded. Each
borough starts from its own 2023 entries (those naming that borough alone),
carried forward the way a lead would copy last year's return:

=========================  ==========================  ===================================================
borough                    stage                       what it holds
=========================  ==========================  ===================================================
Knowsley                   draft                       every 2023 entry, two of them updated, and three new:
                                                       one on two lines, one that starts with ``=`` and
                                                       holds a ``<script>`` tag (shown as text, never run),
                                                       one under system recommendation 7. ``lead-knowsley``
                                                       is the lead most journeys use.
Liverpool                  draft                       every 2023 entry and one new one
Cheshire West and Chester  draft                       every 2023 entry, one updated
Warrington                 draft                       part of its 2023 entries: a return half written
Cheshire East              draft, deadline extended    half its 2023 entries; its return is due two weeks
                                                       after the round's
Halton                     submitted                   submitted by ``lead-halton`` two days ago: every
                                                       lead and the viewer read it
Sefton                     returned with a comment     submitted by ``lead-sefton``, returned by
                                                       ``ics-reviewer``; only Sefton's lead and the
                                                       reviewers read the comment
St Helens                  accepted                    submitted by ``lead-st-helens``, accepted by
                                                       ``ics-reviewer``
Wirral                     not started                 no entries and no return: a gap on the coverage page
=========================  ==========================  ===================================================

The round also holds the 2023 entries of the ICS (“C&M Level Activity”), the
sub-region and the Liverpool City Region Combined Authority columns, which
everyone in the system reads as they do every entry above borough level.

Entries are written in bulk with their history: a borough's by its demo lead
(``lead-<slug>``), the ICS-level ones by ``ics-reviewer``; an updated entry
has a creation and a change in its history. Loading again changes nothing,
except that an open round whose deadline has passed is given one three weeks
ahead again (and the extended return its two more weeks), so that the demo
never shows an overdue round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from atf.models import Framework, Recommendation
from atf.text import normalise, normalise_characters
from boroughs.models import Place

from . import transitions
from .models import Entry, Level, Return, Round, link_places

LIVE_ROUND = "ATF Stocktake 2026"
CARRIED_FROM = "ATF Stocktake Oct-Dec 2023"
PERIOD = (date(2026, 10, 1), date(2026, 12, 31))
DEADLINE_AHEAD = timedelta(days=21)
EXTENSION = timedelta(days=14)
REVIEWER = "ics-reviewer"

NOT_STARTED = "not started"


@dataclass(frozen=True)
class Stage:
    status: str  # a Return status, or NOT_STARTED
    carried: int | None = None  # how many of the borough's 2023 entries it carries forward; None: all
    extended: bool = False
    submitted_days_ago: int = 0
    reviewed_days_ago: int = 0
    comment: str = ""


STAGES = {
    "knowsley": Stage(Return.Status.DRAFT),
    "liverpool": Stage(Return.Status.DRAFT),
    "cheshire-west-and-chester": Stage(Return.Status.DRAFT),
    "warrington": Stage(Return.Status.DRAFT, carried=7),
    "cheshire-east": Stage(Return.Status.DRAFT, carried=4, extended=True),
    "halton": Stage(Return.Status.SUBMITTED, submitted_days_ago=2),
    "sefton": Stage(
        Return.Status.RETURNED,
        submitted_days_ago=6,
        reviewed_days_ago=3,
        comment=(
            "Thank you. Several entries repeat last year's words exactly: please say what has happened "
            "since, and add what Sefton is doing under theme 7 (tackling racism and discrimination), "
            "then submit again."
        ),
    ),
    "st-helens": Stage(Return.Status.ACCEPTED, submitted_days_ago=10, reviewed_days_ago=5),
    "wirral": Stage(NOT_STARTED, carried=0),
}

# Updated entries: (borough, the start of the 2023 entry's text, what the lead added to it).
UPDATES = [
    (
        "knowsley",
        "first Family Hub has opened",
        "\nUpdate 2026: a second Family Hub opened in Halewood in June; both now run antenatal groups.",
    ),
    (
        "knowsley",
        "raised the pay for adult social care providers",
        " Extended in April 2026 to home care and personal assistants.",
    ),
    (
        "cheshire-west-and-chester",
        "",  # its first entry, whatever it says
        "\nUpdate 2026: reviewed with residents at two community events in the summer.",
    ),
]

# New entries: (borough, ("theme" or "system", number), text, recommendation positions, indicator numbers).
ADDED = [
    (
        "knowsley",
        ("theme", 1),
        "Holiday Activities and Food programme ran in every ward over summer 2026.\n"
        "Take-up was highest in Northwood and Stockbridge, where the Family Hubs offered it.",
        [1],
        [1],
    ),
    (
        "knowsley",
        ("theme", 4),
        '=HYPERLINK("https://example.invalid/warm-homes","Warm Homes map") pasted from the team\'s tracker, '
        '<script>alert("demo")</script> and all: the pages and the workbook show it as text.',
        [],
        [],
    ),
    (
        "knowsley",
        ("system", 7),
        "Beacon Indicators dashboard to go to every Health and Wellbeing Board meeting from April 2026.",
        [],
        [],
    ),
    (
        "liverpool",
        ("theme", 3),
        "Liverpool City Council signed up to the LCR Fair Employment Charter at its highest tier in 2026.",
        [],
        [],
    ),
]


def load_live_round(framework: Framework, *, carried_from: str = CARRIED_FROM) -> Round:
    """The demo's open round with a return at every stage (see the module's docstring); made once."""
    with transaction.atomic():
        today = timezone.localdate()
        existing = Round.objects.filter(name=LIVE_ROUND).first()
        if existing is not None:
            _keep_ahead(existing, today)
            return existing
        users = {u.username: u for u in get_user_model().objects.filter(username__startswith="lead-")}
        reviewer = get_user_model().objects.filter(username=REVIEWER).first()
        round_ = Round(
            framework=framework,
            name=LIVE_ROUND,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            deadline=today + DEADLINE_AHEAD,
            status=Round.Status.OPEN,
        )
        round_._history_user = reviewer
        round_.save()
        boroughs = {p.slug: p for p in Place.objects.filter(system=framework.system, kind=Place.Kind.BOROUGH)}
        source = Round.objects.filter(name=carried_from, framework=framework).first()
        _write_entries(round_, framework, source, boroughs, users, reviewer)
        _write_returns(round_, boroughs, users, reviewer)
        return round_


def _keep_ahead(round_: Round, today: date) -> None:
    """An open demo round whose deadline has passed gets one ahead again; nothing else changes."""
    if not round_.is_open or round_.deadline is None or round_.deadline >= today:
        return
    shift = today + DEADLINE_AHEAD - round_.deadline
    round_.deadline += shift
    round_.save(update_fields=["deadline"])
    for return_ in Return.objects.filter(round=round_, deadline__isnull=False):
        return_.deadline += shift
        return_.save(update_fields=["deadline"])


@dataclass
class _Planned:
    entry: Entry
    place_ids: list[int]
    user: object
    before: str | None = None  # the text as first written, for an updated entry
    recommendation_positions: tuple = ()
    indicator_numbers: tuple = ()


def _write_entries(round_: Round, framework: Framework, source: Round | None, boroughs, users, reviewer) -> None:
    planned: list[_Planned] = []

    def plan(template: Entry, place_ids, user, *, text: str | None = None, **extra) -> None:
        entry = Entry(
            round=round_,
            theme_id=template.theme_id,
            system_recommendation_id=template.system_recommendation_id,
            level=template.level,
            column_place_id=template.column_place_id,
            lead_in=normalise_characters(template.lead_in),
            text=normalise(template.text if text is None else text).strip(),
        )
        planned.append(_Planned(entry, place_ids, user, **extra))

    carried = _carried(source, boroughs) if source else {}
    sections = {
        **{("theme", t.number): t.pk for t in framework.themes.all()},
        **{("system", s.number): s.pk for s in framework.system_recommendations.all()},
    }
    updates = list(UPDATES)
    for slug, place in boroughs.items():
        stage = STAGES.get(slug, Stage(NOT_STARTED, carried=0))
        user = users.get(f"lead-{slug}")
        entries = carried.get(place.pk, [])
        for template in entries if stage.carried is None else entries[: stage.carried]:
            update = next((u for u in updates if u[0] == slug and template.text.startswith(u[1])), None)
            if update is None:
                plan(template, [place.pk], user)
                continue
            updates.remove(update)  # each update once
            plan(template, [place.pk], user, text=template.text + update[2], before=normalise(template.text).strip())
        for borough, (kind, number), text, positions, numbers in ADDED:
            if borough != slug or (kind, number) not in sections:
                continue
            template = Entry(
                theme_id=sections[kind, number] if kind == "theme" else None,
                system_recommendation_id=None if kind == "theme" else sections[kind, number],
                level=Level.BOROUGH,
                lead_in=f"{place.short_name or place.name} - ",
                text=text,
            )
            plan(template, [place.pk], user, recommendation_positions=positions, indicator_numbers=numbers)
    if source:
        for template in Entry.objects.filter(round=source).exclude(level=Level.BOROUGH).order_by("position", "pk"):
            plan(template, [template.column_place_id], reviewer)

    # Positions run within each cell (section and column), in the order planned.
    next_position: dict[tuple, int] = {}
    for item in planned:
        key = (item.entry.theme_id, item.entry.system_recommendation_id, item.entry.column_place_id)
        item.entry.position = next_position.get(key, 0)
        next_position[key] = item.entry.position + 1
        if item.before is not None:
            item.entry.version = 2  # written, then saved again with the update
    created = Entry.objects.bulk_create([item.entry for item in planned], batch_size=500)
    if any(entry.pk is None for entry in created):  # every supported database returns the new ids
        raise RuntimeError("The database did not return the new entries' ids.")
    link_places([(item.entry.pk, place_id) for item in planned for place_id in item.place_ids])
    _link_framework(framework, planned)
    _write_history(planned)


def _carried(source: Round, boroughs) -> dict[int, list[Entry]]:
    """Each borough's entries in ``source`` that name it alone, in the workbook's order."""
    ids = {p.pk for p in boroughs.values()}
    alone = (
        Entry.places.through.objects.filter(entry__round=source, entry__level=Level.BOROUGH)
        .values("entry_id")
        .annotate(n=Count("place_id"))
        .filter(n=1)
        .values("entry_id")
    )
    place_of = dict(
        Entry.places.through.objects.filter(entry_id__in=alone, place_id__in=ids).values_list("entry_id", "place_id")
    )
    by_place: dict[int, list[Entry]] = {}
    in_order = Entry.objects.filter(pk__in=list(place_of)).order_by(
        F("system_recommendation__number").asc(nulls_first=True),
        F("theme__number").asc(nulls_first=True),
        "position",
        "pk",
    )
    for entry in in_order:
        by_place.setdefault(place_of[entry.pk], []).append(entry)
    return by_place


def _link_framework(framework: Framework, planned: list[_Planned]) -> None:
    recommendations = {
        (theme_id, position): pk
        for theme_id, position, pk in Recommendation.objects.filter(theme__framework=framework).values_list(
            "theme_id", "position", "pk"
        )
    }
    indicators = dict(framework.indicators.values_list("number", "pk"))
    Entry.recommendations.through.objects.bulk_create(
        Entry.recommendations.through(entry_id=item.entry.pk, recommendation_id=recommendations[key])
        for item in planned
        for position in item.recommendation_positions
        if (key := (item.entry.theme_id, position)) in recommendations
    )
    Entry.indicators.through.objects.bulk_create(
        Entry.indicators.through(entry_id=item.entry.pk, beaconindicator_id=indicators[number])
        for item in planned
        for number in item.indicator_numbers
        if number in indicators
    )


def _write_history(planned: list[_Planned]) -> None:
    """A creation by its author for every entry, and a change after it for each updated one."""
    historical = Entry.history.model
    names = [f.attname for f in Entry._meta.concrete_fields]
    now = timezone.now()
    rows = []
    for item in planned:
        values = {name: getattr(item.entry, name) for name in names}
        if item.before is not None:
            first = {**values, "text": item.before, "version": 1}
            rows.append(historical(**first, history_type="+", history_date=now, history_user=item.user))
            rows.append(historical(**values, history_type="~", history_date=now, history_user=item.user))
        else:
            rows.append(historical(**values, history_type="+", history_date=now, history_user=item.user))
    historical.objects.bulk_create(rows, batch_size=500)


def _write_returns(round_: Round, boroughs, users, reviewer) -> None:
    """The returns that have moved on from a draft, and the draft whose deadline was extended."""
    now = timezone.now()
    for slug, stage in STAGES.items():
        place = boroughs.get(slug)
        if place is None or stage.status == NOT_STARTED:
            continue
        if stage.status == Return.Status.DRAFT and not stage.extended:
            continue  # a draft has no return row until something about it changes
        lead = users.get(f"lead-{slug}")
        return_ = Return(round=round_, place=place)
        if stage.extended:
            return_.deadline = round_.deadline + EXTENSION
            return_._history_user = reviewer
            return_.save()
        if stage.status == Return.Status.DRAFT:
            continue
        # Through the same steps as on the pages, backdated, so that each return's history says who and when.
        submitted_at = now - timedelta(days=stage.submitted_days_ago)
        transitions.take(lead, round_, place, transitions.Action.SUBMIT, at=submitted_at)
        if stage.status == Return.Status.SUBMITTED:
            continue
        action = transitions.Action.ACCEPT if stage.status == Return.Status.ACCEPTED else transitions.Action.RETURN
        reviewed_at = now - timedelta(days=stage.reviewed_days_ago)
        transitions.take(reviewer, round_, place, action, reason=stage.comment, at=reviewed_at)
