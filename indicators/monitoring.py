"""One beacon indicator as the ICS's progress paper asks to monitor it.

- its trend: each borough, the ICS and England over the published periods,
  drawn on the server as an SVG chart (a title and description for screen
  readers, and the same numbers in a table beside it);
- its metadata and the baseline period (the latest ending in or before the
  framework's baseline year);
- the paper's monitoring view, Theme | Programmes and action | Milestones |
  Outcome indicator, one row per place: the stocktake entries and commission
  actions linked to the indicator there (only those the reader may see),
  the actions' due dates, and the place's latest value against England.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from atf import access
from atf.models import BeaconIndicator, Framework
from boroughs.models import Place
from commissions.models import Action
from stocktake.models import Entry, Return

from .comparison import BY_PUBLISHER, with_england
from .models import Area, IndicatorValue
from .rug import DEFAULT_BASELINE_YEAR, ENGLAND, NORTH_WEST, end_year, latest_round, period_key, series_label

# The chart's geometry, in SVG user units.
WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 20, 48
SHOWN_PER_PLACE = 5


@dataclass
class Line:
    name: str
    code: str
    role: str  # england, region, ics, borough, highlight
    values: list[Decimal | None]
    points: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    label_y: float | None = None
    label_x: float = 0


@dataclass
class Chart:
    title: str
    description: str
    periods: list[str]
    lines: list[Line]
    years: list[int] = field(default_factory=list)  # each period's end year, where the chart places it
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_right: int = WIDTH - RIGHT


def _nice_step(span: Decimal) -> Decimal:
    raw = span / 5 if span else Decimal(1)
    magnitude = Decimal(10) ** raw.adjusted()
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            return magnitude * factor
    return magnitude * 10


def _fmt(number: Decimal) -> str:
    return f"{number.normalize():f}"


def draw(chart: Chart) -> Chart:
    """Work out the chart's points, ticks and end labels (kept apart so they do not overlap)."""
    numbers = [v for line in chart.lines for v in line.values if v is not None]
    if not numbers or not chart.periods:
        return chart
    low, high = min(numbers), max(numbers)
    step = _nice_step(high - low)
    low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    if high == low:
        high = low + step
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    # Periods sit at their years, so a gap in the publishing (2017-19, then 2020-22) shows as one.
    years = chart.years or list(range(len(chart.periods)))
    span = (years[-1] - years[0]) or 1

    def x(index: int) -> float:
        return LEFT + (plot_width * (years[index] - years[0]) / span if len(years) > 1 else plot_width / 2)

    def y(value: Decimal) -> float:
        return round(TOP + float((high - value) / (high - low)) * plot_height, 1)

    # A label is about 60 units wide: where they would run together, only every second (or third) is named.
    gaps = [x(i) - x(i - 1) for i in range(1, len(years))]
    step = max(1, math.ceil(60 / min(gaps))) if gaps and min(gaps) > 0 else 1
    chart.x_ticks = [(round(x(i), 1), label) for i, label in enumerate(chart.periods) if i % step == 0]
    tick = low
    while tick <= high:
        chart.y_ticks.append((y(tick), _fmt(tick)))
        tick += step
    for line in chart.lines:
        line.dots = [(round(x(i), 1), y(v), _fmt(v)) for i, v in enumerate(line.values) if v is not None]
        line.points = " ".join(f"{px},{py}" for px, py, _ in line.dots)
    # End labels for the lines worth naming, nudged apart by at least 14 units.
    labelled = sorted(
        (line for line in chart.lines if line.dots and line.role != "borough"), key=lambda line: line.dots[-1][1]
    )
    previous = None
    for line in labelled:
        wanted = line.dots[-1][1]
        line.label_y = wanted if previous is None else max(wanted, previous + 14)
        line.label_x = line.dots[-1][0] + 8
        previous = line.label_y
    return chart


def _describe(lines: list[Line], periods: list[str], highlight: Place | None) -> str:
    """The chart in words, naming only the lines it has."""
    roles = {line.role for line in lines}
    parts = [
        "England the thick black line" if "england" in roles else "",
        "the North West the dotted grey line" if "region" in roles else "",
        "the ICS the dashed blue line" if "ics" in roles else "",
        f"{highlight.name} the thick purple line" if highlight and "highlight" in roles else "",
        "the other boroughs thin grey lines" if "borough" in roles else "",
    ]
    return (
        f"Line chart of {len(lines)} areas over {len(periods)} period{'s' if len(periods) != 1 else ''}: "
        + ", ".join(part for part in parts if part)
        + ". The table below it gives every value."
    )


PHRASES = {"Better": "better than England", "Similar": "similar to England", "Worse": "worse than England"}


def _phrase(comparison: str) -> str:
    """ "Better (as published)" as "better than England (as published)"; Not compared stays as it is."""
    word, _, rest = comparison.partition(" (")
    if word in PHRASES:
        return PHRASES[word] + (f" ({rest}" if rest else "")
    return comparison.lower()


@dataclass
class SeriesView:
    label: str
    periods: list[str]
    rows: list[dict]  # one per area: name, code, role, values by period, latest comparison
    chart: Chart
    baseline: str


def indicator_page(user, framework: Framework, indicator: BeaconIndicator, highlight: Place | None = None) -> dict:
    places = sorted(
        Place.objects.filter(system=framework.system, kind__in=[Place.Kind.ICS, Place.Kind.BOROUGH]),
        key=lambda place: (place.kind != Place.Kind.ICS, place.name),
    )
    areas = {area.place_id: area for area in Area.objects.filter(place__in=places)}
    comparators = {area.code: area for area in Area.objects.filter(code__in=[ENGLAND, NORTH_WEST])}
    columns = [(comparators[code], None) for code in (ENGLAND, NORTH_WEST) if code in comparators]
    columns += [(areas[place.pk], place) for place in places if place.pk in areas]
    values = IndicatorValue.objects.filter(
        indicator=indicator, breakdown="", area__in=[area for area, _ in columns]
    ).order_by("period_start", "period_years")
    by_series: dict[tuple[str, str], dict[tuple[int, str], IndicatorValue]] = defaultdict(dict)
    sources = set()
    for value in values:
        by_series[value.sex, value.age][value.area_id, value.period_label] = value
        if value.source:
            sources.add(value.source)
    baseline_year = framework.baseline_year or DEFAULT_BASELINE_YEAR
    england = comparators.get(ENGLAND)

    series_views = []
    latest_by_place: dict[int, list[tuple[str, IndicatorValue, str]]] = defaultdict(list)
    for (sex, age), cells in sorted(by_series.items()):
        label = series_label(sex, age) or "Persons"
        periods = [p for _, p in sorted({(period_key(v), v.period_label) for v in cells.values()})]
        before = [v.period_label for v in sorted(cells.values(), key=period_key) if end_year(v) <= baseline_year]
        baseline = before[-1] if before else ""
        rows, lines = [], []
        for area, place in columns:
            row_values = [cells.get((area.pk, period)) for period in periods]
            if not any(row_values):
                continue
            role = (
                "england"
                if area.code == ENGLAND
                else "region"
                if area.code == NORTH_WEST
                else "ics"
                if place.kind == Place.Kind.ICS
                else "highlight"
                if highlight is not None and place.pk == highlight.pk
                else "borough"
            )
            latest = next((v for v in reversed(row_values) if v is not None and v.value is not None), None)
            comparison = ""
            if latest is not None and area.code != ENGLAND:
                reference = cells.get((england.pk, latest.period_label)) if england else None
                ours, by = with_england(
                    latest.value,
                    latest.lower_95,
                    latest.upper_95,
                    reference.value if reference else None,
                    indicator.polarity,
                    latest.source_comparison,
                )
                comparison = ours.value + (" (as published)" if by == BY_PUBLISHER else "")
            if place is not None and latest is not None:
                latest_by_place[place.pk].append((label, latest, _phrase(comparison)))
            rows.append(
                {
                    "name": area.name,
                    "code": area.code,
                    "role": role,
                    "values": [_fmt(v.value) if v is not None and v.value is not None else "" for v in row_values],
                    "latest": latest,
                    "comparison": comparison,
                }
            )
            lines.append(
                Line(name=area.name, code=area.code, role=role, values=[v.value if v else None for v in row_values])
            )
        # Draw the highlighted and comparator lines last, so they sit on top.
        lines.sort(key=lambda line: {"borough": 0, "region": 1, "ics": 2, "england": 3, "highlight": 4}[line.role])
        unit = f" ({indicator.unit})" if indicator.unit else ""
        chart = draw(
            Chart(
                title=f"{indicator.name}{', ' + label if label != 'Persons' else ''}{unit}, "
                f"{periods[0]} to {periods[-1]}",
                description=_describe(lines, periods, highlight),
                periods=periods,
                years=[year for (year, _), _ in sorted({(period_key(v), v.period_label) for v in cells.values()})],
                lines=lines,
            )
        )
        series_views.append(SeriesView(label=label, periods=periods, rows=rows, chart=chart, baseline=baseline))

    round_ = latest_round(user, framework)
    monitoring = _monitoring(user, indicator, round_, places, latest_by_place)
    return {
        "framework": framework,
        "indicator": indicator,
        "series": series_views,
        "sources": sorted(sources),
        "round": round_,
        "monitoring": monitoring,
        "places": places,
        "highlight": highlight,
        "baseline_year": baseline_year,
        "revisions": revisions(indicator),
    }


REVISIONS_SHOWN = 200


@dataclass
class Revision:
    area: str
    period: str
    sex: str
    versions: list[tuple]  # (value as published, since when, source), oldest first


def revisions(indicator: BeaconIndicator) -> list[Revision]:
    """The values of ``indicator`` a later import revised, each with every figure it was published as, and when.

    From the values' history, in one query: what was shown as published on a given day can be told.
    """
    History = IndicatorValue.history.model
    revised = History.objects.filter(indicator_id=indicator.pk, history_type="~").values("id")
    rows = (
        History.objects.filter(id__in=revised, breakdown="")
        .select_related("area")
        .order_by("area__name", "period_start", "sex", "id", "history_date")
        .only("id", "area__name", "period_label", "sex", "value", "history_date", "source")[: REVISIONS_SHOWN * 4]
    )
    by_value: dict[int, Revision] = {}
    for row in rows:
        revision = by_value.setdefault(row.id, Revision(row.area.name, row.period_label, row.sex, []))
        shown = _fmt(row.value) if row.value is not None else "missing"
        if not revision.versions or revision.versions[-1][0] != shown:
            revision.versions.append((shown, row.history_date, row.source))
    return [revision for revision in by_value.values() if len(revision.versions) > 1][:REVISIONS_SHOWN]


def _monitoring(user, indicator, round_, places, latest_by_place) -> list[dict]:
    """Theme | Programmes and action | Milestones | Outcome indicator, one row per place."""
    entries: dict[int, list[Entry]] = defaultdict(list)
    statuses = {}
    if round_ is not None:
        # By number: the round may be of an earlier version of the framework (indicators.rug._activity).
        linked = Entry.objects.filter(
            round=round_, indicators__number=indicator.number, indicators__framework=round_.framework_id
        )
        visible = access.restrict(linked, user, access.VIEW)
        for entry in visible.prefetch_related("places").order_by("position", "pk"):
            for place in entry.places.all():
                entries[place.pk].append(entry)
        statuses = {
            ret.place_id: ret
            for ret in access.restrict(Return.objects.filter(round=round_, place__in=places), user, access.VIEW)
        }
    actions: dict[int, list[Action]] = defaultdict(list)
    visible_actions = access.restrict(
        Action.objects.filter(
            indicator__number=indicator.number, indicator__framework__system=indicator.framework.system_id
        ).select_related("commission"),
        user,
        access.VIEW,
    )
    for action in visible_actions.order_by("due", "pk"):
        actions[action.commission.place_id].append(action)
    rows = []
    for place in places:
        place_entries, place_actions = entries.get(place.pk, []), actions.get(place.pk, [])
        ret = statuses.get(place.pk)
        rows.append(
            {
                "place": place,
                "entries": place_entries[:SHOWN_PER_PLACE],
                "more_entries": max(0, len(place_entries) - SHOWN_PER_PLACE),
                "entry_status": ret.get_status_display() if ret else ("Draft" if place_entries else ""),
                "actions": place_actions[:SHOWN_PER_PLACE],
                "more_actions": max(0, len(place_actions) - SHOWN_PER_PLACE),
                "milestones": [a for a in place_actions if a.due][:SHOWN_PER_PLACE],
                "outcome": latest_by_place.get(place.pk, []),
            }
        )
    return rows
