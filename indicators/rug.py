"""The tartan rug: places against beacon indicators, latest period, each cell compared with England.

A row is one series of an indicator: its headline values (no breakdown) for
one sex and age, e.g. "1. Life expectancy, Female". Its latest period is the
latest any area of the rug has. A cell is an area's value for that period,
compared (``indicators.comparison``) with the comparator's value for the same
period: England by default, or the North West; at the 95% level, or 99.8%.
Where our rule cannot compare (no interval published) but the publisher gave
its own Better, Similar or Worse, the cell shows the publisher's, marked as
such. Each cell also carries the change since the baseline period (the
latest ending in or before the framework's baseline year, 2022) and since
the previous period, and, on the boroughs and the ICS, how many stocktake
entries and commission actions the reader may see are linked to the
indicator there: the activity overlay, so that gaps show.

Building a rug takes a constant number of queries, whatever the number of
indicators, areas and periods.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, Value, When

from atf import access
from atf.models import BeaconIndicator, Framework
from boroughs.models import Place
from commissions.models import Action
from stocktake.models import Entry, Round

from .comparison import BY_INTERVALS, BY_PUBLISHER, Polarity, compare, with_england
from .models import Area, IndicatorValue

ENGLAND = "E92000001"
NORTH_WEST = "E12000002"
COMPARATORS = {"england": (ENGLAND, "England"), "region": (NORTH_WEST, "the North West")}
LEVELS = {"95": ("lower_95", "upper_95", "95%"), "99.8": ("lower_998", "upper_998", "99.8%")}
DEFAULT_BASELINE_YEAR = 2022


def end_year(value: IndicatorValue) -> int:
    """The year a period ends in: "2020 - 22" in 2022, "2021/22" (a financial or academic year) in 2022."""
    if value.period_kind == "split":
        return value.period_start + value.period_years
    return value.period_start + value.period_years - 1


def period_key(value: IndicatorValue) -> tuple[int, int]:
    return (end_year(value), value.period_start)


@dataclass
class Change:
    """How a value moved from an earlier period: the difference, its direction, and whether that is better."""

    since: str  # the earlier period's label
    difference: Decimal
    polarity: str

    @property
    def direction(self) -> str:
        return "up" if self.difference > 0 else "down" if self.difference < 0 else "same"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→"}[self.direction]

    @property
    def verdict(self) -> str:
        """Better, worse or no change, by the indicator's polarity; blank where it has none."""
        if self.direction == "same":
            return "no change"
        if self.polarity == Polarity.HIGH_IS_GOOD:
            return "better" if self.direction == "up" else "worse"
        if self.polarity == Polarity.LOW_IS_GOOD:
            return "better" if self.direction == "down" else "worse"
        return ""

    @property
    def words(self) -> str:
        if self.direction == "same":
            return f"No change since {self.since}"
        amount = f"{abs(self.difference).normalize():f}"
        verdict = f" ({self.verdict})" if self.verdict else ""
        return f"{self.direction.title()} {amount} since {self.since}{verdict}"


def _change(latest: IndicatorValue | None, earlier: IndicatorValue | None, polarity: str) -> Change | None:
    if latest is None or earlier is None or latest.value is None or earlier.value is None:
        return None
    return Change(since=earlier.period_label, difference=latest.value - earlier.value, polarity=polarity)


@dataclass
class Cell:
    area: Area | None
    value: IndicatorValue | None = None
    comparison: str = ""  # Better, Similar, Worse, Not compared; blank for the comparator itself
    as_published: bool = False  # the publisher's comparison, ours being impossible
    since_baseline: Change | None = None
    since_previous: Change | None = None
    entries: int | None = None  # None where the overlay does not apply (England, the region)
    actions: int | None = None
    comparator: bool = False  # a column of England or the region, shown plain

    @property
    def css_class(self) -> str:
        return "atf-rug--comparator" if self.comparator else f"atf-rug--{self.css}"

    @property
    def css(self) -> str:
        return {
            "Better": "better",
            "Similar": "similar",
            "Worse": "worse",
            "Higher": "higher",
            "Lower": "lower",
        }.get(self.comparison, "none")

    @property
    def shown_value(self) -> str:
        if self.value is None or self.value.value is None:
            return ""
        return f"{self.value.value.normalize():f}"

    @property
    def no_activity(self) -> bool:
        return self.entries == 0 and self.actions == 0


def series_label(sex: str, age: str) -> str:
    """A series by what sets it apart: "Female", "Male, 65+ yrs"; blank for persons of all ages."""
    return ", ".join(part for part in (sex if sex != "Persons" else "", age) if part)


@dataclass
class Series:
    indicator: BeaconIndicator
    sex: str = ""
    age: str = ""
    period: str = ""  # the latest period's label
    baseline: str = ""  # the baseline period's label
    previous: str = ""
    cells: list[Cell] = field(default_factory=list)

    @property
    def label(self) -> str:
        return series_label(self.sex, self.age)


@dataclass
class Column:
    name: str
    code: str
    comparator: bool  # England or the region, rather than one of our places
    parent: str = ""  # a ward's borough


@dataclass
class Rug:
    framework: Framework
    columns: list[Column]  # England first
    series: list[Series]
    comparator: str  # "England" or "the North West"
    level: str  # "95%" or "99.8%"
    round: Round | None  # whose entries the overlay counts
    sources: list[str]

    @property
    def totals(self) -> list[dict[str, int] | None]:
        """Per column, how many series are better, similar and worse (None for England and the region)."""
        totals = [None if column.comparator else {"Better": 0, "Similar": 0, "Worse": 0} for column in self.columns]
        valued = [False] * len(self.columns)
        for series in self.series:
            for index, (counts, cell) in enumerate(zip(totals, series.cells, strict=True)):
                valued[index] = valued[index] or bool(cell.shown_value)
                if counts is not None and cell.comparison in counts:
                    counts[cell.comparison] += 1
        # A place with no figures at all has nothing to total (not "0 better, 0 similar, 0 worse").
        return [counts if has_values else None for counts, has_values in zip(totals, valued, strict=True)]


def _series_values(framework: Framework, areas: list[Area]) -> dict[tuple, dict[tuple, IndicatorValue]]:
    """Headline values of ``framework``'s indicators at ``areas``: {(indicator, sex, age): {(area, period): value}}."""
    series: dict[tuple, dict[tuple, IndicatorValue]] = defaultdict(dict)
    values = IndicatorValue.objects.filter(indicator__framework=framework, area__in=areas, breakdown="").only(
        "indicator_id",
        "area_id",
        "period_label",
        "period_start",
        "period_years",
        "period_kind",
        "sex",
        "age",
        "value",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "source",
        "source_comparison",
    )
    for value in values:
        series[value.indicator_id, value.sex, value.age][value.area_id, value.period_label] = value
    return series


def _activity(user, framework: Framework, round_: Round | None, places: list[Place]):
    """{(indicator number, place id): count} of the entries of ``round_`` and the commission actions ``user`` may see.

    Counted by the indicator's number, not its row: a round of an earlier framework version links the
    indicators of that version, which a later version keeps under the same numbers.
    """
    place_ids = [place.pk for place in places]
    entries: dict[tuple[int, int], int] = {}
    if round_ is not None:
        visible = access.restrict(Entry.objects.filter(round=round_), user, access.VIEW)
        for row in (
            visible.filter(places__in=place_ids, indicators__framework=round_.framework_id)
            .values("indicators__number", "places")
            .annotate(n=Count("pk", distinct=True))
        ):
            entries[row["indicators__number"], row["places"]] = row["n"]
    actions: dict[tuple[int, int], int] = {}
    visible_actions = access.restrict(Action.objects.exclude(status=Action.Status.DROPPED), user, access.VIEW)
    for row in (
        visible_actions.filter(indicator__framework__system=framework.system_id, commission__place__in=place_ids)
        .values("indicator__number", "commission__place")
        .annotate(n=Count("pk"))
    ):
        actions[row["indicator__number"], row["commission__place"]] = row["n"]
    return entries, actions


def latest_round(user, framework: Framework) -> Round | None:
    """The round the overlay counts: the system's open one (the latest, if several), else its latest closed.

    Any version of the system's framework: the open round may well be of the version before the current.
    """
    rounds = access.restrict(Round.objects.filter(framework__system=framework.system_id), user, access.VIEW)
    is_open = Case(When(status=Round.Status.OPEN, then=Value(0)), default=Value(1))
    return rounds.order_by(is_open, F("period_start").desc(nulls_last=True), "-pk").first()


def build_rug(
    user,
    framework: Framework,
    *,
    against: str = "england",
    level: str = "95",
    places: list[Place] | None = None,
    overlay: bool = True,
) -> Rug:
    """The rug of ``framework`` for ``user``: England (or the comparator), the ICS and its boroughs."""
    comparator_code, comparator_name = COMPARATORS.get(against, COMPARATORS["england"])
    lower_name, upper_name, level_label = LEVELS.get(level, LEVELS["95"])
    if places is None:
        places = list(
            Place.objects.filter(system=framework.system, kind__in=[Place.Kind.ICS, Place.Kind.BOROUGH]).order_by(
                "kind", "name"
            )
        )
        # The ICS first, then the boroughs by name ("ics" sorts after "borough").
        places.sort(key=lambda place: (place.kind != Place.Kind.ICS, place.name))
    by_place = {area.place_id: area for area in Area.objects.filter(place__in=places)}
    comparators = {area.code: area for area in Area.objects.filter(code__in=[ENGLAND, comparator_code])}
    england = comparators.get(ENGLAND) or Area(code=ENGLAND, name="England", kind=Area.Kind.COUNTRY)
    reference_area = comparators.get(comparator_code)
    columns: list[tuple[Area | None, Place | None]] = [(england, None)]
    if reference_area is not None and reference_area.code != ENGLAND:
        columns.append((reference_area, None))
    columns += [(by_place.get(place.pk), place) for place in places]
    areas = [area for area, _ in columns if area is not None and area.pk]
    values = _series_values(framework, areas)
    indicators = list(framework.indicators.select_related("theme").order_by("number"))
    round_ = latest_round(user, framework) if overlay else None
    entries, actions = _activity(user, framework, round_, places) if overlay else ({}, {})
    baseline_year = framework.baseline_year or DEFAULT_BASELINE_YEAR
    sources: set[str] = set()

    series_list = []
    for indicator in indicators:
        keys = sorted(key for key in values if key[0] == indicator.pk) or [(indicator.pk, "", "")]
        for key in keys:
            by_cell = values.get(key, {})
            periods = sorted({(period_key(v), v.period_label) for v in by_cell.values()})
            labels = [label for _, label in periods]
            series = Series(indicator=indicator, sex=key[1], age=key[2])
            if labels:
                series.period = labels[-1]
                series.previous = labels[-2] if len(labels) > 1 else ""
                before = [label for (end, _), label in periods if end <= baseline_year]
                series.baseline = before[-1] if before else ""
            reference = (
                by_cell.get((reference_area.pk, series.period)) if reference_area and reference_area.pk else None
            )
            for area, place in columns:
                cell = Cell(area=area, comparator=place is None)
                if place is not None and overlay:
                    cell.entries = entries.get((indicator.number, place.pk), 0)
                    cell.actions = actions.get((indicator.number, place.pk), 0)
                if area is not None and area.pk and series.period:
                    value = by_cell.get((area.pk, series.period))
                    cell.value = value
                    if value is not None:
                        if value.source:
                            sources.add(value.source)
                        if area.code != comparator_code and value.value is not None:
                            figures = (
                                value.value,
                                getattr(value, lower_name),
                                getattr(value, upper_name),
                                reference.value if reference else None,
                                indicator.polarity,
                            )
                            if against == "england" and level == "95":
                                ours, by = with_england(*figures, value.source_comparison)
                            else:  # the publisher's label is against England at 95%, and stands in for no other
                                ours, by = compare(*figures), BY_INTERVALS
                            cell.comparison, cell.as_published = ours.value, by == BY_PUBLISHER
                        cell.since_previous = _change(
                            value, by_cell.get((area.pk, series.previous)), indicator.polarity
                        )
                        if series.baseline and series.baseline != series.period:
                            cell.since_baseline = _change(
                                value, by_cell.get((area.pk, series.baseline)), indicator.polarity
                            )
                series.cells.append(cell)
            series_list.append(series)
    return Rug(
        framework=framework,
        columns=[
            Column(name=area.name, code=area.code, comparator=True)
            if place is None
            else Column(
                name=place.name,
                code=place.ons_code,
                comparator=False,
                parent=place.parent.name if place.kind == Place.Kind.WARD and place.parent_id else "",
            )
            for area, place in columns
        ],
        series=series_list,
        comparator=comparator_name,
        level=level_label,
        round=round_,
        sources=sorted(sources),
    )


def ward_places(framework: Framework) -> list[Place]:
    """The wards of ``framework``'s system that figures have been published for."""
    return list(
        Place.objects.filter(system=framework.system, kind=Place.Kind.WARD, area__values__isnull=False)
        .distinct()
        .select_related("parent")
        .order_by("parent__name", "name")
    )


# The rug as files ------------------------------------------------------------

# GOV.UK colours, as the page uses them: green, yellow, red; light grey where not compared.
FILLS = {"better": "00703C", "similar": "FFDD00", "worse": "D4351C", "higher": "B1B4B6", "lower": "B1B4B6"}
WHITE_TEXT = {"better", "worse"}
LONG_COLUMNS = (
    "indicator",
    "indicator_name",
    "series",
    "period_label",
    "area_code",
    "area_name",
    "value",
    "compared_with",
    "comparison",
    "comparison_by",
    "baseline_period",
    "change_since_baseline",
    "previous_period",
    "change_since_previous",
    "entries",
    "actions",
)


def _number(value: IndicatorValue | None):
    return None if value is None or value.value is None else Decimal(f"{value.value.normalize():f}")


def _difference(change: Change | None):
    return None if change is None else Decimal(f"{change.difference.normalize():f}")


def long_rows(rug: Rug):
    """One row per cell: what the rug shows, as data."""
    yield list(LONG_COLUMNS)
    for series in rug.series:
        for column, cell in zip(rug.columns, series.cells, strict=True):
            yield [
                series.indicator.number,
                series.indicator.name,
                series.label,
                series.period,
                column.code,
                column.name,
                _number(cell.value),
                rug.comparator.removeprefix("the ") if cell.comparison else "",
                cell.comparison,
                ("publisher" if cell.as_published else "confidence intervals, " + rug.level) if cell.comparison else "",
                series.baseline if cell.since_baseline else "",
                _difference(cell.since_baseline),
                series.previous if cell.since_previous else "",
                _difference(cell.since_previous),
                cell.entries,
                cell.actions,
            ]


def cell_text(cell: Cell) -> str:
    parts = [cell.shown_value or "No value"]
    if cell.comparison:
        parts.append(cell.comparison + (" (as published)" if cell.as_published else ""))
    return ", ".join(parts)


def rug_workbook(rug: Rug, attribution: str) -> bytes:
    """The rug as an xlsx: the grid with its fills, then every cell as a row of data. Text stays text."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from atf.outputs import xlsx_cell

    book = Workbook(write_only=True)
    grid = book.create_sheet("Tartan rug")
    grid.freeze_panes = "D3"  # the indicator, series and period columns and the header stay in view
    grid.append([xlsx_cell(grid, f"{rug.framework}: compared with {rug.comparator} ({rug.level} intervals)")])
    header = ["Indicator", "Series", "Period", *(column.name for column in rug.columns)]
    grid.append([xlsx_cell(grid, text) for text in header])
    for series in rug.series:
        row: list[WriteOnlyCell] = [
            xlsx_cell(grid, f"{series.indicator.number}. {series.indicator.name}"),
            xlsx_cell(grid, series.label),
            xlsx_cell(grid, series.period),
        ]
        for cell in series.cells:
            written = xlsx_cell(grid, cell_text(cell) if cell.value or cell.comparison else "")
            fill = FILLS.get(cell.css)
            if fill:
                written.fill = PatternFill("solid", start_color=fill, end_color=fill)
                if cell.css in WHITE_TEXT:
                    written.font = Font(color="FFFFFF")
            row.append(written)
        grid.append(row)
    grid.append([])
    grid.append([xlsx_cell(grid, attribution)])
    data = book.create_sheet("Values")
    for values in long_rows(rug):
        data.append([xlsx_cell(data, value) for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
