"""Time periods as publishers write them, kept as published.

A value's period keeps the label it came with ("2020 - 22", "2020/21"), with
its first year and its span in years, so that periods sort and compare
without being rewritten. ISO 8601 intervals, as the ONS writes them
(``2022-01-01/P3Y``), are given the label Fingertips would print for the
same span: "2022 - 24" for calendar years, "2022/23" for a year starting in
April (financial) or September (academic). A split year is never turned into
a calendar year.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


class PeriodError(ValueError):
    """A period that is not one of the forms publishers use."""


@dataclass(frozen=True, order=True)
class Period:
    start_year: int
    years: int
    label: str
    # "calendar" (January to December) or "split" (a financial or academic year, April or September onwards).
    kind: str = "calendar"


CALENDAR = re.compile(r"^(?P<start>\d{4})$")
CALENDAR_SPAN = re.compile(r"^(?P<start>\d{4})\s*-\s*(?P<end>\d{2}|\d{4})$")
SPLIT = re.compile(r"^(?P<start>\d{4})/(?P<end>\d{2})$")
SPLIT_SPAN = re.compile(r"^(?P<start>\d{4})/(?P<next>\d{2})\s*-\s*(?P<last>\d{2}|\d{4})/(?P<end>\d{2})$")
ISO_INTERVAL = re.compile(r"^(?P<start>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})/P(?P<years>\d+)Y$")


def _full_year(start: int, end: str) -> int:
    """``end`` written with two digits or four, after ``start``: "17" after 2015 is 2017, "03" after 1999 is 2003."""
    if len(end) == 4:
        return int(end)
    year = start // 100 * 100 + int(end)
    return year if year >= start else year + 100


def _checked(start: int, years: int, label: str, kind: str) -> Period:
    if not 1900 <= start <= 2100 or not 1 <= years <= 20:
        raise PeriodError(f"“{label}” is not a period between 1900 and 2100 of up to 20 years")
    return Period(start, years, label, kind)


@functools.lru_cache(maxsize=4096)  # a file gives the same few periods on thousands of rows
def parse_period(text: str) -> Period:
    """The period ``text`` names, its label kept (with spaces tidied) or, for an ISO interval, made as Fingertips'."""
    label = " ".join(str(text).split())
    if match := CALENDAR.match(label):
        return _checked(int(match["start"]), 1, label, "calendar")
    if match := CALENDAR_SPAN.match(label):
        start = int(match["start"])
        return _checked(start, _full_year(start, match["end"]) - start + 1, label, "calendar")
    if match := SPLIT.match(label):
        start = int(match["start"])
        if _full_year(start, match["end"]) != start + 1:
            raise PeriodError(f"“{label}” is not a financial or academic year: its years do not follow on")
        return _checked(start, 1, label, "split")
    if match := SPLIT_SPAN.match(label):
        start = int(match["start"])
        last = _full_year(start, match["last"])
        return _checked(start, last - start + 1, label, "split")
    if match := ISO_INTERVAL.match(label):
        start, month, years = int(match["start"]), int(match["month"]), int(match["years"])
        if month == 1:
            end = start + years - 1
            made = str(start) if years == 1 else f"{start} - {end % 100:02d}"
            return _checked(start, years, made, "calendar")
        if month in (4, 9):
            first = f"{start}/{(start + 1) % 100:02d}"
            if years == 1:
                return _checked(start, 1, first, "split")
            last = start + years - 1
            return _checked(start, years, f"{first} - {last % 100:02d}/{(last + 1) % 100:02d}", "split")
        raise PeriodError(f"“{label}” starts in a month no publisher's year starts in (January, April, September)")
    raise PeriodError(
        f"“{label}” is not a period: write a year (2022), years (2020 - 22), a financial or academic year "
        "(2020/21) or an ISO interval (2022-01-01/P3Y)"
    )
