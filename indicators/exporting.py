"""Indicator values as a flat file: one row per value, with our comparison with England beside the publisher's."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .comparison import BY_INTERVALS, Comparison, with_england
from .models import IndicatorValue

ENGLAND = "E92000001"
COLUMNS = (
    "indicator",
    "area_code",
    "area_name",
    "period_label",
    "period_start",
    "period_years",
    "sex",
    "age",
    "breakdown",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "compared_to_england",
    "compared_by",
    "source_comparison",
    "disagrees",
    "note",
)


def published_number(number: Decimal | None) -> Decimal | None:
    """A stored number as published: 58.2, not 58.200000 (and 60, not 6E+1)."""
    return None if number is None else Decimal(f"{number.normalize():f}")


def england_values(indicators) -> dict[tuple, Decimal | None]:
    """England's headline value of each series of ``indicators`` (ids or a queryset of them), in one query."""
    return {
        (row.indicator_id, row.period_label, row.sex, row.age): row.value
        for row in IndicatorValue.objects.filter(area__code=ENGLAND, breakdown="", indicator__in=indicators).only(
            "indicator_id", "period_label", "sex", "age", "value"
        )
    }


def compared_with_england(row: IndicatorValue, england: dict) -> tuple[Decimal | None, Comparison, str]:
    """England's value for ``row``'s series, our comparison with it, and what the comparison rests on."""
    reference = england.get((row.indicator_id, row.period_label, row.sex, row.age))
    if row.area.code == ENGLAND:
        return reference, Comparison.NOT_COMPARED, ""  # England against itself
    ours, by = with_england(
        row.value, row.lower_95, row.upper_95, reference, row.indicator.polarity, row.source_comparison
    )
    return reference, ours, by


def value_rows(values) -> Iterator[list]:
    """``COLUMNS`` rows for the values of ``values`` (a queryset), England's value read once per series."""
    values = values.select_related("indicator", "area").order_by(
        "indicator__number", "area__kind", "area__name", "period_start", "period_years", "sex", "age", "breakdown"
    )
    england = england_values(values.values("indicator"))
    yield list(COLUMNS)
    for row in values.iterator(chunk_size=2000):
        _, ours, by = compared_with_england(row, england)
        source = row.source_comparison
        # A publisher's Better, Similar or Worse that our rule does not give is flagged, to be looked into.
        disagrees = "yes" if by == BY_INTERVALS and source in {"Better", "Similar", "Worse"} and source != ours else ""
        yield [
            row.indicator.number,
            row.area.code,
            row.area.name,
            row.period_label,
            row.period_start,
            row.period_years,
            row.sex,
            row.age,
            row.breakdown,
            published_number(row.value),
            published_number(row.lower_95),
            published_number(row.upper_95),
            ours.value,
            by,
            source,
            disagrees,
            row.note,
        ]
