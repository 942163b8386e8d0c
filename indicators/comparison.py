"""Comparing an area's value with England's, as OHID Fingertips does by default.

Fingertips' default method is "confidence intervals overlapping reference
value (95%)": the area is Similar when the reference value (England's) lies
within the area's 95% confidence interval, otherwise Better or Worse by the
indicator's polarity. With no polarity, or no interval, it is Not compared.
The same rule serves the 99.8% interval and another reference (the North
West) when those are asked for.

Where the rule cannot compare (no interval published, or a polarity we do
not know) but the publisher gave its own Better, Similar or Worse, the
comparison shown is the publisher's, said to be so (``with_england``): the
rug, the indicator page and the export all take it from here.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class Polarity(StrEnum):
    HIGH_IS_GOOD = "high is good"
    LOW_IS_GOOD = "low is good"
    NOT_APPLICABLE = "not applicable"


class Comparison(StrEnum):
    BETTER = "Better"
    SIMILAR = "Similar"
    WORSE = "Worse"
    NOT_COMPARED = "Not compared"


Number = Decimal | float | int | None


def compare(value: Number, lower: Number, upper: Number, reference: Number, polarity: Polarity | str) -> Comparison:
    """The area (``value`` with its interval ``lower`` to ``upper``) against ``reference``."""
    polarity = Polarity(polarity) if polarity else Polarity.NOT_APPLICABLE
    if polarity is Polarity.NOT_APPLICABLE or None in (value, lower, upper, reference):
        return Comparison.NOT_COMPARED
    if lower <= reference <= upper:
        return Comparison.SIMILAR
    higher = lower > reference
    good = higher if polarity is Polarity.HIGH_IS_GOOD else not higher
    return Comparison.BETTER if good else Comparison.WORSE


PUBLISHED = {"Better", "Similar", "Worse"}
BY_INTERVALS, BY_PUBLISHER = "confidence intervals", "publisher"


def with_england(
    value: Number, lower: Number, upper: Number, reference: Number, polarity: Polarity | str, published: str = ""
) -> tuple[Comparison, str]:
    """Our comparison and what it rests on: the intervals, the publisher's own label where ours is impossible,
    or nothing ("Not compared", "")."""
    ours = compare(value, lower, upper, reference, polarity)
    if ours is not Comparison.NOT_COMPARED:
        return ours, BY_INTERVALS
    if value is not None and published in PUBLISHED:
        return Comparison(published), BY_PUBLISHER
    return ours, ""
