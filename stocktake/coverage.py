"""How many entries each place has under each theme, recommendation and indicator: the coverage grids.

Each grid is one aggregate query over the entries the user may view, so the
page costs the same number of queries however many entries there are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from atf import access
from atf.models import Recommendation
from boroughs.models import Place

from .models import Entry, Return, Round
from .returns import readable_return_places


@dataclass
class Cell:
    count: int
    status: str  # the place's return status
    url_query: str

    @property
    def gap(self) -> bool:
        return self.count == 0


@dataclass
class GridRow:
    label: str
    code: str
    cells: list[Cell]
    total: int


def _counts(user, round_: Round, key: str, published_only: bool = False) -> Counter:
    """(row id, place id) -> number of visible entries; ``key`` is the entry field that gives the row.

    With ``published_only``, only the entries everyone in the ICS may read (``access.published_entries``):
    a board paper reports the returns sent in, not a borough's drafts, whoever downloads it.
    """
    entries = access.restrict(Entry.objects.filter(round=round_), user, access.VIEW)
    if published_only:
        entries = entries.filter(access.published_entries())
    rows = (
        Entry.places.through.objects.filter(entry__in=entries.values("pk"))
        .exclude(**{f"entry__{key}": None})
        .values_list(f"entry__{key}", "place_id")
        .annotate(n=Count("entry_id", distinct=True))
    )
    return Counter({(row, place): n for row, place, n in rows})


def grid(
    user, round_: Round, view: str = "themes", *, published_only: bool = False
) -> tuple[list[Place], list[GridRow]]:
    framework = round_.framework
    places = list(Place.objects.filter(system=framework.system, kind=Place.Kind.BOROUGH).order_by("name"))
    # A return's status is the reviewers' and that place's lead's to read; others see no status.
    readable = readable_return_places(user, places)
    statuses = {
        place_id: status
        for place_id, status in Return.objects.filter(round=round_).values_list("place_id", "status")
        if place_id in readable
    }
    rows: list[GridRow] = []

    def build(items, counts, label, code, query):
        for item in items:
            cells = [
                Cell(
                    counts.get((item.pk, p.pk), 0),
                    statuses.get(p.pk, Return.Status.DRAFT) if p.pk in readable else None,
                    f"round={round_.pk}&place={p.pk}&{query}={item.pk}",
                )
                for p in places
            ]
            rows.append(GridRow(label(item), code(item), cells, sum(c.count for c in cells)))

    if view == "recommendations":
        counts = _counts(user, round_, "recommendations", published_only)
        recommendations = Recommendation.objects.filter(theme__framework=framework).select_related("theme")
        build(recommendations, counts, lambda r: r.text.split("\n")[0], lambda r: r.code, "recommendation")
    elif view == "indicators":
        counts = _counts(user, round_, "indicators", published_only)
        build(framework.indicators.all(), counts, lambda i: i.name, lambda i: str(i.number), "indicator")
    else:
        theme_counts = _counts(user, round_, "theme", published_only)
        system_counts = _counts(user, round_, "system_recommendation", published_only)
        build(framework.themes.all(), theme_counts, lambda t: t.title, lambda t: str(t.number), "theme")
        build(
            framework.system_recommendations.all(),
            system_counts,
            lambda s: s.title,
            lambda s: f"S{s.number}",
            "system_recommendation",
        )
    return places, rows
