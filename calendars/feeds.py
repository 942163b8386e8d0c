"""The iCalendar documents behind the feeds: what one user may see, as events.

Every row comes through the one tenant rule (``atf.access``); this module only
chooses which of the visible rows belong in a calendar and how they read. Each
feed costs a fixed number of queries however many rows it holds, and holds at
most ``LIMIT`` rows of each kind, from ``WINDOW`` ago onwards.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from atf import access
from atf.text import normalise_characters
from commissions.models import Action, Commission, Meeting
from stocktake.models import Return, Round

WINDOW = timedelta(days=365)  # nothing older than this
LIMIT = 500  # rows of each kind, soonest first
MEETING_LENGTH = timedelta(hours=2)  # a meeting's end is not recorded
REFRESH = timedelta(hours=6)
PRODID = "-//All Together Fairer//Calendar feeds//EN"


def host() -> str:
    return urlparse(settings.SITE_URL).hostname or "localhost"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def text(value) -> str:
    """Text an iCalendar property can hold: LF line ends and no control characters (the library escapes the rest)."""
    return normalise_characters(str(value or "")).strip()


def one_line(value, length: int = 120) -> str:
    first = text(value).split("\n", 1)[0].strip()
    return first if len(first) <= length else first[: length - 1].rstrip() + "…"


def _calendar(name: str, description: str, uid: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=text(name),
        description=text(description),
        uid=f"{uid}@{host()}",
        refresh_interval=REFRESH,
    )
    # Outlook reads its refresh hint as an iCalendar duration ("PT6H").
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH))
    return calendar


def _event(uid: str, summary: str, start, *, description: str = "", location: str = "", url: str = ""):
    """A timed event for a datetime, an all-day event (VALUE=DATE) for a date."""
    all_day = not isinstance(start, datetime)
    if not all_day:
        start = start.astimezone(UTC).replace(microsecond=0)
    event = icalendar.Event.new(
        uid=f"{uid}@{host()}",
        stamp=datetime.now(UTC).replace(microsecond=0),
        summary=text(summary),
        start=start,
        end=start + (timedelta(days=1) if all_day else MEETING_LENGTH),
        description=text(description) or None,
        location=text(location) or None,
        url=url or None,
        # A deadline or due date takes no time: it leaves the day free.
        transparency=icalendar.TRANSP.TRANSPARENT if all_day else icalendar.TRANSP.OPAQUE,
    )
    return event


# What goes in -------------------------------------------------------------------


def visible_meetings(user, commission: Commission | None = None):
    meetings = Meeting.objects.filter(starts_at__isnull=False, starts_at__gte=timezone.now() - WINDOW)
    if commission is not None:
        meetings = meetings.filter(commission=commission)
    return list(
        access.restrict(meetings, user, access.VIEW).select_related("commission").order_by("starts_at", "pk")[:LIMIT]
    )


def open_actions_due(user, *, commission: Commission | None = None, own_only: bool = False):
    """Open actions with a due date; for a user's feed, those they own and those of the commissions they run."""
    actions = Action.objects.filter(
        status__in=Action.OPEN_STATUSES, due__isnull=False, due__gte=timezone.localdate() - WINDOW
    )
    if commission is not None:
        actions = actions.filter(commission=commission)
    if own_only:
        mine = Q(owner_member__user=user)
        run = access.scope_for(user).secretariat_commissions
        actions = actions.filter((mine | Q(commission_id__in=run)) if run else mine)
    return list(access.restrict(actions, user, access.VIEW).select_related("commission").order_by("due", "pk")[:LIMIT])


def deadlines(user) -> list[tuple[str, str, date, str, str]]:
    """The open rounds' deadlines the user may see, as (uid, summary, day, description, url).

    A borough lead is given their own borough's return, due on its own
    extended deadline or the round's; everyone else in the round's system (a
    reviewer too, lead or not) the round's deadline. Returns with an extended
    deadline of their own are added for those the rule lets read them.
    """
    scope = access.scope_for(user)
    rounds = list(
        access.restrict(Round.objects.filter(status=Round.Status.OPEN), user, access.VIEW)
        .select_related("framework")
        .order_by("deadline", "pk")[:LIMIT]
    )
    if not rounds:
        return []
    lead_places = scope.lead_places
    returns = {
        (r.round_id, r.place_id): r
        for r in access.restrict(
            Return.objects.filter(round__in=rounds).filter(
                Q(place__in=[p.pk for p in lead_places]) | Q(deadline__isnull=False)
            ),
            user,
            access.VIEW,
        ).select_related("place")[: LIMIT * 2]
    }
    found = []
    for round_ in rounds:
        system = round_.framework.system_id
        own = [p for p in lead_places if p.system_id == system]
        coverage = absolute(reverse("stocktake:coverage", args=[round_.slug]))
        if round_.deadline and (not own or system in scope.reviewer_systems):
            found.append(
                (
                    f"round-{round_.pk}-deadline",
                    f"Stocktake returns due: {round_}",
                    round_.deadline,
                    f"The returns for {round_} are due today.\n\nThe round: {coverage}",
                    coverage,
                )
            )
        listed = set()
        for place in own:
            listed.add(place.pk)
            return_ = returns.get((round_.pk, place.pk))
            due = (return_.deadline if return_ else None) or round_.deadline
            if due is None:
                continue
            status = return_.get_status_display() if return_ else Return.Status.DRAFT.label
            found.append(_return_deadline(round_, place, return_, due, status))
        for (round_pk, place_pk), return_ in returns.items():
            if round_pk == round_.pk and place_pk not in listed and return_.deadline:
                found.append(
                    _return_deadline(round_, return_.place, return_, return_.deadline, return_.get_status_display())
                )
    return found


def _return_deadline(round_, place, return_, due, status):
    url = absolute(reverse("stocktake:return_detail", args=[round_.slug, place.slug]))
    lines = [f"{place}'s return for {round_} is due today.", f"Its status when your calendar was last read: {status}."]
    if return_ is not None and return_.deadline and round_.deadline and return_.deadline != round_.deadline:
        lines.append(f"This is {place}'s own deadline; the round's is {date_format(round_.deadline, 'j F Y')}.")
    lines.append(f"\nThe return: {url}")
    return (
        f"return-{round_.pk}-{place.pk}-deadline",
        f"{place}'s stocktake return due: {round_}",
        due,
        "\n".join(lines),
        url,
    )


# The events -------------------------------------------------------------------------


def meeting_event(meeting: Meeting) -> icalendar.Event:
    url = absolute(reverse("commissions:meeting_detail", args=[meeting.pk]))
    title = meeting.title or meeting.get_kind_display()
    description = "\n".join(
        [
            f"{meeting.get_kind_display()} of {meeting.commission}.",
            f"Status: {meeting.get_status_display()}.",
            "The time it ends is not recorded: it is shown as two hours long.",
            f"\nThe meeting: {url}",
        ]
    )
    return _event(
        f"meeting-{meeting.pk}",
        f"{meeting.commission}: {one_line(title, 200)}",
        meeting.starts_at,
        description=description,
        location=meeting.location,
        url=url,
    )


def action_event(action: Action) -> icalendar.Event:
    url = absolute(reverse("commissions:action_detail", args=[action.pk]))
    lines = [text(action.description), "", f"Owner: {text(action.owner)}", f"Commission: {action.commission}"]
    if action.reference:
        lines.append(f"From paragraph {text(action.reference)}")
    lines += [f"Status: {action.get_status_display()}", f"\nThe action: {url}"]
    return _event(
        f"action-{action.pk}",
        f"Action due: {one_line(action.description)}",
        action.due,
        description="\n".join(lines),
        url=url,
    )


def user_calendar(user) -> icalendar.Calendar:
    calendar = _calendar(
        "All Together Fairer",
        "Meetings of the commissions you can see, stocktake deadlines and the due dates of your actions.",
        f"calendar-user-{user.pk}",
    )
    for meeting in visible_meetings(user):
        calendar.add_component(meeting_event(meeting))
    for uid, summary, day, description, url in deadlines(user):
        calendar.add_component(_event(uid, summary, day, description=description, url=url))
    for action in open_actions_due(user, own_only=True):
        calendar.add_component(action_event(action))
    return calendar


def commission_calendar(user, commission: Commission) -> icalendar.Calendar:
    calendar = _calendar(
        f"{commission}",
        f"Meetings of {commission} and the due dates of its open actions, as you can see them.",
        f"calendar-user-{user.pk}-commission-{commission.pk}",
    )
    for meeting in visible_meetings(user, commission):
        calendar.add_component(meeting_event(meeting))
    for action in open_actions_due(user, commission=commission):
        calendar.add_component(action_event(action))
    return calendar
