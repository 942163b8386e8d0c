"""The printable minutes of a meeting: everything the minutes record, on one page that prints on A4.

Read in a fixed number of queries however long the minutes are: the items
with their paragraphs and each paragraph's amendments, the attendance, the
decisions, the workshop questions and the actions arising, each in one
query. What is shown is what the reader may see of the meeting (the tenant
rule, as on the meeting's page).
"""

from __future__ import annotations

from django.db.models import Prefetch

from atf import access

from .models import Action, AgendaItem, Amendment, Attendance, Meeting, Paragraph

# Nesting followed at most this deep when ordering the agenda (items are 12, 12.1, 12.1.1 ...).
MAX_AGENDA_DEPTH = 10


def in_agenda_order(items: list[AgendaItem]) -> list[tuple[AgendaItem, int]]:
    """(item, depth) pairs: each item followed by the items under it, by their places among each other.

    An item whose parent is not among ``items`` is printed at the top level, so none is left out.
    """
    by_parent: dict[int | None, list[AgendaItem]] = {}
    known = {item.pk for item in items}
    for item in items:
        by_parent.setdefault(item.parent_id if item.parent_id in known else None, []).append(item)
    ordered: list[tuple[AgendaItem, int]] = []
    placed: set[int] = set()

    def place(parent_id: int | None, depth: int) -> None:
        for item in sorted(by_parent.get(parent_id, []), key=lambda i: (i.position, i.pk)):
            if item.pk in placed:
                continue
            placed.add(item.pk)
            ordered.append((item, min(depth, 2)))
            if depth < MAX_AGENDA_DEPTH:
                place(item.pk, depth + 1)

    place(None, 0)
    # Items in a loop of parents, or deeper than followed: printed last, not lost.
    ordered.extend((item, 0) for item in items if item.pk not in placed)
    return ordered


def attendee(row: Attendance) -> str:
    """ "Jo Bloggs, Director of Public Health, St Helens Council (Chair)"; a seat held by a role, by its title."""
    member = row.member
    if member is None:
        return row.name_or_position
    parts = [member.person_name, member.role_title, member.organisation]
    name = ", ".join(part for part in parts if part)
    position = member.get_position_display()
    if member.position != member.Position.MEMBER and position.lower() not in name.lower():
        name = f"{name} ({position})"
    if row.name_or_position:  # who stood in for the member, or a note such as "joined late", as the page shows it
        name = f"{name} ({row.name_or_position})"
    return name


def attendance_groups(attendance) -> list[tuple[str, list[str]]]:
    """Present, apologies, in attendance, each with the names in it: the groups that have anyone, in that order."""
    groups: dict[str, list[str]] = {status: [] for status in Attendance.Status.values}
    for row in attendance:
        groups.setdefault(row.status, []).append(attendee(row))
    labels = dict(Attendance.Status.choices)
    return [(labels.get(status, status), rows) for status, rows in groups.items() if rows]


def print_context(user, meeting: Meeting) -> dict:
    paragraphs = Paragraph.objects.prefetch_related(
        Prefetch("amendments", queryset=Amendment.objects.select_related("made_by"))
    )
    items = list(meeting.items.prefetch_related(Prefetch("paragraphs", queryset=paragraphs)))
    attendance = meeting.attendance.select_related("member")
    actions = access.restrict(Action.objects.filter(meeting=meeting), user, access.VIEW).order_by("pk")
    approver = meeting.approved_at_meeting
    return {
        "meeting": meeting,
        "commission": meeting.commission,
        # The meeting that approved these minutes is named only to those who may read it.
        "approving_meeting": approver if approver and access.can(user, access.VIEW, approver) else None,
        "draft": meeting.status not in Meeting.LOCKED_STATUSES,
        "agenda": in_agenda_order(items),
        "attendance": attendance_groups(attendance),
        "decisions": meeting.decisions.select_related("item"),
        "questions": meeting.questions.all(),
        "actions": actions,
    }
