"""What the open-data page serves: the published datasets and their rows, for nobody in particular.

This is the one place that reads rows without a user: the public page has no
reader to ask ``atf.access`` about. So it reads only what is published, and
every condition for that is here:

- a dataset is served while its publication is live (not withdrawn); a
  round only while it is closed too: reopening a published round takes it off
  the page until a reviewer closes it again;
- a round's entries: those reported at ICS, sub-region or combined-authority
  level (published from the start, as ``atf.access.published_entries`` says),
  and borough entries whose every place has an *accepted* return in the
  round. Drafts, returned and submitted-but-not-accepted returns, and borough
  entries naming no place, are never served. The round's Recommendations
  sheet is not served: its Place Level Activity column is not tied to one
  place's accepted return;
- a commission's minutes: only meetings whose minutes are published, and of
  them only the meeting's date, kind and title, its agenda items, paragraphs
  and decisions. Attendance, members, actions and workshop contributions stay
  inside;
- indicator values: the published statistics of the framework version's
  indicators; figures reported locally (not published by a public body) stay
  inside.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q

from commissions.models import AgendaItem, Commission, Decision, Meeting
from indicators.exporting import published_number
from indicators.models import IndicatorValue
from stocktake.models import Entry, Level, Return, Round

from .models import Publication

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LOCALLY_REPORTED = "Reported locally"


def live() -> Q:
    """Publications the page serves now."""
    return Q(withdrawn_at__isnull=True) & (~Q(kind=Publication.Kind.ROUND) | Q(round__status=Round.Status.CLOSED))


def served():
    return Publication.objects.filter(live()).select_related(
        "round__framework__system", "commission__place", "framework__system"
    )


def served_round(slug: str) -> Round | None:
    publication = served().filter(kind=Publication.Kind.ROUND, round__slug=slug).first()
    return publication.round if publication else None


def served_commission(slug: str) -> Commission | None:
    publication = served().filter(kind=Publication.Kind.COMMISSION, commission__slug=slug).first()
    return publication.commission if publication else None


def served_framework(slug: str):
    publication = served().filter(kind=Publication.Kind.INDICATORS, framework__slug=slug).first()
    return publication.framework if publication else None


# A round's entries ----------------------------------------------------------------


def open_entries(round_: Round):
    """The round's entries that may be public: above borough level, or every place's return accepted."""
    accepted = Return.objects.filter(
        round=OuterRef("entry__round"), place=OuterRef("place"), status=Return.Status.ACCEPTED
    )
    places = Entry.places.through.objects.filter(entry=OuterRef("pk"))
    unaccepted_place = places.filter(~Exists(accepted))
    borough_accepted = Q(level=Level.BOROUGH) & Exists(places) & ~Exists(unaccepted_place)
    return (
        Entry.objects.filter(round=round_)
        .filter(~Q(level=Level.BOROUGH) | borough_accepted)
        .select_related("theme", "system_recommendation", "column_place")
        .prefetch_related("places", Prefetch("recommendations", queryset=_recommendations()), "indicators")
    )


def _recommendations():
    from atf.models import Recommendation

    return Recommendation.objects.select_related("theme")


ENTRY_HEADER = [
    "entry_id",
    "round",
    "section",
    "section_number",
    "section_title",
    "level",
    "column_place",
    "places",
    "place_codes",
    "text",
    "recommendations",
    "beacon_indicators",
    "updated",
]


def entry_records(round_: Round) -> list[dict]:
    records = []
    for entry in open_entries(round_):
        section = entry.section
        places = sorted(entry.places.all(), key=lambda p: p.name)
        records.append(
            {
                "entry_id": entry.pk,
                "round": round_.slug,
                "section": "theme" if entry.theme_id else "system_recommendation",
                "section_number": section.number,
                "section_title": section.title,
                "level": entry.level,
                "column_place": entry.column_place.name if entry.column_place_id else "",
                "places": [p.name for p in places],
                "place_codes": [p.ons_code for p in places],
                "text": entry.text,
                "recommendations": [r.code for r in entry.recommendations.all()],
                "beacon_indicators": sorted(i.number for i in entry.indicators.all()),
                "updated": entry.updated,
            }
        )
    return records


# A commission's published minutes -------------------------------------------------


MINUTES_HEADER = [
    "meeting_id",
    "meeting_date",
    "meeting_kind",
    "meeting_title",
    "record",
    "record_id",
    "item_number",
    "item_title",
    "number",
    "text",
    "outcome",
]


def published_meetings(commission: Commission):
    return (
        Meeting.objects.filter(commission=commission, status=Meeting.Status.PUBLISHED)
        .order_by("starts_at", "pk")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AgendaItem.objects.order_by("position", "pk").prefetch_related("paragraphs__amendments"),
            ),
            Prefetch("decisions", queryset=Decision.objects.select_related("item").order_by("number", "pk")),
        )
    )


def meeting_records(commission: Commission) -> list[dict]:
    meetings = []
    for meeting in published_meetings(commission):
        meetings.append(
            {
                "meeting_id": meeting.pk,
                "date": meeting.starts_at.date() if meeting.starts_at else None,
                "kind": meeting.kind,
                "title": meeting.title,
                "items": [
                    {
                        "item_id": item.pk,
                        "number": item.number,
                        "title": item.title,
                        "paragraphs": [
                            {
                                "paragraph_id": p.pk,
                                "number": p.number,
                                "text": p.text,
                                # Corrections after approval: the text as amended is ``text`` above.
                                "amendments": [
                                    {"made_at": a.made_at, "reason": a.reason, "previous_text": a.previous_text}
                                    for a in p.amendments.all()
                                ],
                            }
                            for p in item.paragraphs.all()
                        ],
                    }
                    for item in meeting.items.all()
                ],
                "decisions": [
                    {
                        "decision_id": d.pk,
                        "number": d.number,
                        "item_number": d.item.number if d.item_id else "",
                        "text": d.text,
                        "outcome": d.outcome,
                    }
                    for d in meeting.decisions.all()
                ],
            }
        )
    return meetings


def minutes_rows(meetings: list[dict]):
    """The meetings as one flat table: a line per paragraph and per decision."""
    for m in meetings:
        head = [m["meeting_id"], m["date"], m["kind"], m["title"]]
        for item in m["items"]:
            for p in item["paragraphs"]:
                yield [*head, "paragraph", p["paragraph_id"], item["number"], item["title"], p["number"], p["text"], ""]
        for d in m["decisions"]:
            yield [*head, "decision", d["decision_id"], d["item_number"], "", d["number"], d["text"], d["outcome"]]


# Indicator values -------------------------------------------------------------------


VALUE_HEADER = [
    "value_id",
    "indicator_number",
    "indicator",
    "area_code",
    "area_name",
    "period",
    "period_start",
    "period_years",
    "sex",
    "age",
    "breakdown",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "count",
    "denominator",
    "note",
    "source",
]


def open_values(framework):
    return (
        IndicatorValue.objects.filter(indicator__framework=framework)
        .exclude(source__startswith=LOCALLY_REPORTED)
        .select_related("indicator", "area")
        .order_by("indicator__number", "area__code", "period_start", "period_years", "sex", "age", "breakdown", "pk")
    )


def value_rows(framework):
    for v in open_values(framework):
        yield [
            v.pk,
            v.indicator.number,
            v.indicator.name,
            v.area.code,
            v.area.name,
            v.period_label,
            v.period_start,
            v.period_years,
            v.sex,
            v.age,
            v.breakdown,
            *(
                published_number(number)
                for number in (v.value, v.lower_95, v.upper_95, v.lower_998, v.upper_998, v.count, v.denominator)
            ),
            v.note,
            v.source,
        ]


def value_sources(framework) -> list[str]:
    return sorted(set(open_values(framework).order_by().values_list("source", flat=True).distinct()) - {""})


def indicator_licence(sources: list[str]) -> str:
    return f"{OGL} Source: {'; '.join(sources)}." if sources else OGL


def ics_licence(system) -> str:
    return f"Published by {system.name} under the Open Government Licence v3.0."
