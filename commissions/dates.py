"""The dates a commission's forms take: a meeting's, an action's due date, a member's term."""

from __future__ import annotations

from django import forms

# The years a commission's dates fall in; outside them a date is a slip of the keyboard (1900, 2207).
FIRST_YEAR, LAST_YEAR = 1990, 2099
OUT_OF_RANGE = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}, like 31/01/2027"


def plausible_year(value) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
