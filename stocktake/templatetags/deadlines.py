"""Deadlines in words: “due in 5 days”, “overdue by 1 day”, with the date beside them.

``{% load deadlines %}`` gives:

- ``{{ date|due_phrase }}``: the words alone, relative to today in the
  site's time zone (``timezone.localdate``);
- ``{% deadline date %}``: the date and its words, the words in a red NHS
  tag when overdue and an orange one when due today or tomorrow, so that
  urgency is said in words and not by colour alone;
- ``{% borough_deadlines round as deadlines %}`` with
  ``{{ deadlines|for_place:place }}``: the boroughs' own extended deadlines
  that the signed-in user may read;
- ``{% manageable_rounds rounds as ids %}``, ``{% may_manage round as flag %}``
  and ``{% may_open_rounds as flag %}``: whether round pages link to the
  pages that run rounds (``stocktake.round_views``).

``deadline_phrase`` is the same wording for Python callers.
"""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from stocktake import rounds
from stocktake.models import Return

register = template.Library()


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def deadline_phrase(value: date | None, today: date | None = None) -> str:
    """“due today”, “due tomorrow”, “due in 5 days”, “overdue by 1 day”; empty for no date."""
    if not value:
        return ""
    today = today or timezone.localdate()
    days = (value - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {_days(days)}"
    return f"overdue by {_days(-days)}"


def is_overdue(value: date | None, today: date | None = None) -> bool:
    return bool(value) and value < (today or timezone.localdate())


@register.filter(name="due_phrase")
def due_phrase(value) -> str:
    return deadline_phrase(value) if isinstance(value, date) else ""


@register.filter(name="overdue")
def overdue(value) -> bool:
    return isinstance(value, date) and is_overdue(value)


@register.simple_tag
def deadline(value, phrase: bool = True, status: str | None = None):
    """The date, and how far off it is in words.

    The words are left out when ``phrase`` is false (a closed round) or the
    return's ``status`` says it has been sent in: it can no longer be late.
    """
    if not isinstance(value, date):
        return "None set"
    shown = format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "j F Y"))
    if not phrase or status in Return.PUBLISHED:
        return shown
    words = deadline_phrase(value)
    days = (value - timezone.localdate()).days
    if days < 0:
        return format_html('{} <strong class="nhsuk-tag nhsuk-tag--red">{}</strong>', shown, words)
    if days <= 1:
        return format_html('{} <strong class="nhsuk-tag nhsuk-tag--orange">{}</strong>', shown, words)
    return format_html("{} ({})", shown, words)


@register.simple_tag(takes_context=True)
def borough_deadlines(context, round_) -> dict[int, date]:
    """Place id -> its own extended deadline, for the places whose return the user may read."""
    return rounds.extended_deadlines(context["request"].user, round_)


@register.filter(name="for_place")
def for_place(deadlines: dict, place):
    return deadlines.get(getattr(place, "pk", place)) if deadlines else None


@register.simple_tag(takes_context=True)
def manageable_rounds(context, rounds_) -> set[int]:
    """Ids of the rounds the user may manage, in one query, for linking to their management pages."""
    return rounds.manageable_ids(context["request"].user, rounds_)


@register.simple_tag(takes_context=True)
def may_manage(context, round_) -> bool:
    return rounds.may_manage(context["request"].user, round_)


@register.simple_tag(takes_context=True)
def may_open_rounds(context) -> bool:
    return rounds.may_open_rounds(context["request"].user)
