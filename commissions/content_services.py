"""The minutes' content written on the meeting page: paragraphs, decisions, workshop questions, attendance.

Every write here is checked by the tenant rule (``services.require_change``),
runs in one transaction and leaves history naming its author. Minutes that
are approved or published are refused first with ``MinutesLocked``, whose
message says why and what to do instead: the tenant rule alone
(``access.frozen``) would only say "not yours to change".

Edits carry the version the form was opened at: a save over someone else's
newer save raises ``StaleVersion`` and writes nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from . import services
from .models import AgendaItem, Attendance, Decision, Meeting, Member, Paragraph, WorkshopQuestion

# A meeting's minutes hold a handful of each of these; far more is a mistake or an attack, and every
# one of them is drawn on the meeting page.
MAX_DECISIONS = 200
MAX_QUESTIONS = 200
MAX_ATTENDANCE = 200
MAX_PARAGRAPHS = 1_000  # as many as one paste of minutes takes (atf.limits.MAX_MINUTES_PARAGRAPHS)


class TooMany(ValueError):
    """A meeting already holds as many rows of a kind as it may; nothing was added."""


def _require(user, obj, meeting: Meeting) -> None:
    services.require_minutes_open(user, meeting)
    services.require_change(user, obj)


def _save(user, obj, **kwargs) -> None:
    obj._history_user = user
    obj.save(**kwargs)


def _delete(user, obj) -> None:
    obj._history_user = user
    obj.delete()


# Paragraphs ----------------------------------------------------------------------


@transaction.atomic
def edit_paragraph(user, paragraph: Paragraph, text: str, *, version: int) -> Paragraph:
    """The paragraph's new text; StaleVersion if it changed since ``version``."""
    _require(user, paragraph, paragraph.item.meeting)
    paragraph.version = version
    paragraph.text = text.strip()
    _save(user, paragraph, update_fields=["text"])
    return paragraph


@transaction.atomic
def add_paragraph_after(user, after: Paragraph, text: str) -> Paragraph:
    """A new paragraph straight after ``after``; those below it are renumbered."""
    item = after.item
    _require(user, item, item.meeting)
    if Paragraph.objects.filter(item__meeting=item.meeting_id).count() >= MAX_PARAGRAPHS:
        raise TooMany(
            f"These minutes already hold {MAX_PARAGRAPHS:,} paragraphs, as many as a meeting's minutes may. "
            "Nothing was added."
        )
    return services.add_paragraph(user, item, text, after=after)


# Decisions and recommendations -----------------------------------------------------


def _next_number(rows) -> int:
    return (rows.aggregate(Max("number"))["number__max"] or 0) + 1


def _renumber(user, rows) -> None:
    """Number the rows 1, 2 ... in their order, after one was removed, each saved with its history."""
    for number, row in enumerate(rows.order_by("number", "pk"), start=1):
        if row.number != number:
            row.number = number
            _save(user, row, update_fields=["number"])


def _check_item(meeting: Meeting, item: AgendaItem | None) -> None:
    if item is not None and item.meeting_id != meeting.pk:
        raise PermissionDenied("Choose an agenda item of this meeting.")


@transaction.atomic
def add_decision(user, meeting: Meeting, *, text: str, item: AgendaItem | None, outcome: str) -> Decision:
    services.require_minutes_open(user, meeting)
    _check_item(meeting, item)
    # The meeting's row is locked first, so that two additions at once do not take the same number.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.decisions.count() >= MAX_DECISIONS:
        raise TooMany(
            f"This meeting already records {MAX_DECISIONS} decisions and recommendations, as many as a meeting "
            "may. Nothing was added."
        )
    decision = Decision(
        meeting=meeting, item=item, number=_next_number(meeting.decisions), text=text.strip(), outcome=outcome
    )
    _save(user, decision)
    services.require_change(user, decision)
    return decision


@transaction.atomic
def edit_decision(
    user, decision: Decision, *, text: str, item: AgendaItem | None, outcome: str, version: int
) -> Decision:
    _require(user, decision, decision.meeting)
    _check_item(decision.meeting, item)
    decision.version = version
    decision.text, decision.item, decision.outcome = text.strip(), item, outcome
    _save(user, decision, update_fields=["text", "item", "outcome"])
    return decision


@transaction.atomic
def delete_decision(user, decision: Decision) -> None:
    meeting = decision.meeting
    _require(user, decision, meeting)
    _delete(user, decision)
    _renumber(user, meeting.decisions.all())


# Workshop questions ----------------------------------------------------------------


@transaction.atomic
def add_question(user, meeting: Meeting, *, question: str, key_points: str, contributions: str) -> WorkshopQuestion:
    services.require_minutes_open(user, meeting)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.questions.count() >= MAX_QUESTIONS:
        raise TooMany(
            f"This meeting already records {MAX_QUESTIONS} workshop questions, as many as a meeting may. "
            "Nothing was added."
        )
    row = WorkshopQuestion(
        meeting=meeting,
        number=_next_number(meeting.questions),
        question=question.strip(),
        key_points=key_points.strip(),
        contributions=contributions.strip(),
    )
    _save(user, row)
    services.require_change(user, row)
    return row


@transaction.atomic
def edit_question(
    user, row: WorkshopQuestion, *, question: str, key_points: str, contributions: str, version: int
) -> WorkshopQuestion:
    _require(user, row, row.meeting)
    row.version = version
    row.question, row.key_points, row.contributions = question.strip(), key_points.strip(), contributions.strip()
    _save(user, row, update_fields=["question", "key_points", "contributions"])
    return row


@transaction.atomic
def delete_question(user, row: WorkshopQuestion) -> None:
    meeting = row.meeting
    _require(user, row, meeting)
    _delete(user, row)
    _renumber(user, meeting.questions.all())


# Attendance ------------------------------------------------------------------------


def _check_member(meeting: Meeting, member: Member | None) -> None:
    if member is not None and member.commission_id != meeting.commission_id:
        raise PermissionDenied("Choose a member of this meeting's commission.")


def already_recorded(meeting: Meeting, member: Member | None, name_or_position: str, *, but=None) -> str | None:
    """Why this attendance would be a second entry for the same person (a member, or a name with none), or None."""
    rows = meeting.attendance.exclude(pk=getattr(but, "pk", None))
    if member is not None:
        if rows.filter(member=member).exists():
            return f"{member.role_title} is already recorded at this meeting: change or remove that entry instead."
    elif (
        name_or_position.strip()
        and rows.filter(member=None, name_or_position__iexact=name_or_position.strip()).exists()
    ):
        return "This name is already recorded at this meeting: change or remove that entry instead."
    return None


class AlreadyRecorded(TooMany):
    """The person's attendance is recorded already (two people adding it at once); nothing was added."""


@transaction.atomic
def add_attendance(user, meeting: Meeting, *, member: Member | None, name_or_position: str, status: str) -> Attendance:
    services.require_minutes_open(user, meeting)
    _check_member(meeting, member)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.attendance.count() >= MAX_ATTENDANCE:
        raise TooMany(
            f"This meeting already records the attendance of {MAX_ATTENDANCE} people, as many as a meeting may. "
            "Nothing was added."
        )
    if reason := already_recorded(meeting, member, name_or_position):  # read under the meeting's lock
        raise AlreadyRecorded(f"{reason} Nothing was added.")
    row = Attendance(meeting=meeting, member=member, name_or_position=name_or_position.strip(), status=status)
    _save(user, row)
    services.require_change(user, row)
    return row


@transaction.atomic
def edit_attendance(
    user, row: Attendance, *, member: Member | None, name_or_position: str, status: str, version: int
) -> Attendance:
    _require(user, row, row.meeting)
    _check_member(row.meeting, member)
    row.version = version
    row.member, row.name_or_position, row.status = member, name_or_position.strip(), status
    _save(user, row, update_fields=["member", "name_or_position", "status"])
    return row


@transaction.atomic
def delete_attendance(user, row: Attendance) -> None:
    _require(user, row, row.meeting)
    _delete(user, row)
