"""Writes for an action's owner and links, and for a commission's members and their terms.

Each write runs in one transaction, checked against the tenant rule before it
(the row is the user's to change) and after it (the row is still theirs, so a
form cannot move it into another commission). ``Action`` and ``Member`` are
versioned: a save from a page opened before someone else's save raises
``StaleVersion`` and writes nothing.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from atf import access

from .models import ADDED_TO_LOCKED_MINUTES, Action, Meeting, Member
from .services import require_change, require_minutes_open


class MemberInUse(Exception):
    """A member who owns actions or is in a meeting's attendance: removing them would lose who did what."""

    def __init__(self, member: Member, actions: int, attendance: int):
        self.member, self.actions, self.attendance = member, actions, attendance
        parts = []
        if actions:
            parts.append(f"owns {actions} action{'s' if actions != 1 else ''}")
        if attendance:
            parts.append(f"is in the attendance of {attendance} meeting{'s' if attendance != 1 else ''}")
        super().__init__(
            f"{member.role_title} {' and '.join(parts)}, so removing them would lose who did what. "
            "End their term instead: they stay on record as a former member."
        )


def member_as_owner(member: Member) -> str:
    """An action's owner text when a member owns it: their role, and their name where one is recorded."""
    text = f"{member.role_title} ({member.person_name})" if member.person_name else member.role_title
    return text[: Action._meta.get_field("owner").max_length]


def _save_checked(user, obj, version: int | None) -> None:
    if version is not None:
        obj.version = version  # an older version than the row's makes the save raise StaleVersion
    obj._history_user = user
    obj.save()
    access.require_still_changeable(user, [obj])


@transaction.atomic
def add_action(user, meeting: Meeting, action: Action) -> Action:
    """Add ``action`` (filled in by a form) to the meeting's commission's log, as arising from the meeting."""
    require_minutes_open(user, meeting, refusal=ADDED_TO_LOCKED_MINUTES)
    action.commission_id, action.meeting = meeting.commission_id, meeting
    action.reference = action.paragraph.number if action.paragraph else ""
    _save_checked(user, action, None)
    return action


@transaction.atomic
def update_action(user, action: Action, *, version: int | None, paragraph_changed: bool = False) -> Action:
    """Save the edited action; its minute reference follows the paragraph it now points at.

    An action whose paragraph was removed from the minutes keeps its reference (the number it arose
    from); one the user has unlinked from its paragraph loses it.
    """
    require_change(user, action)
    if action.paragraph:
        action.reference = action.paragraph.number
    elif paragraph_changed:
        action.reference = ""
    _save_checked(user, action, version)
    return action


@transaction.atomic
def save_member(user, member: Member, *, version: int | None = None) -> Member:
    """Add or change a seat; the actions it owns show its role and name as they now read."""
    if member.pk is None:
        require_change(user, member.commission)
    else:
        require_change(user, member)
    _save_checked(user, member, version)
    # Derived text, kept in step with the seat: the member's own history records the change itself.
    # Each action's version is raised so that a page opened before this cannot save the old owner back.
    member.actions.filter(owner_kind=Action.OwnerKind.MEMBER).exclude(owner=member_as_owner(member)).update(
        owner=member_as_owner(member), version=F("version") + 1
    )
    return member


@transaction.atomic
def end_term(user, member: Member, ends: date, *, version: int | None = None) -> Member:
    """The member's term ends on ``ends``: from the day after, they are listed as a former member."""
    require_change(user, member)
    member.ends = ends
    _save_checked(user, member, version)
    return member


@transaction.atomic
def remove_member(user, member: Member) -> None:
    """Remove a seat entered by mistake; MemberInUse when it owns actions or is in any attendance."""
    if not access.can(user, access.DELETE, member):
        raise PermissionDenied("This member is not yours to remove.")
    actions, attendance = member.actions.count(), member.attendance.count()
    if actions or attendance:
        raise MemberInUse(member, actions, attendance)
    member._history_user = user
    member.delete()
