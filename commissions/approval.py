"""Minutes approval: draft, circulated for comment, approved at a later meeting, published; and amendments.

Status changes only here, one step at a time. Each step locks the meeting's row
(``select_for_update``) and saves from the version the secretariat's page was
opened at (``atf.versioning``), so two people clicking the same button at once
make one step: the other is told what happened instead.

Approved and published minutes are locked by the tenant rule (``access.frozen``):
nothing of them is written through the pages, the admin or a history revert.
The one way to correct them is ``amend_paragraph``, which keeps the text as it
was, the text as corrected, who corrected it, when and why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import dateformat, timezone

from atf import access

from .models import Amendment, Decision, Meeting, Paragraph
from .services import MinutesLocked, require_change

Status = Meeting.Status

# How many later meetings the approval form offers: the next few are the ones that approve minutes.
MAX_APPROVING_MEETINGS = 12

# The steps: name -> (the statuses it starts from, the status it leads to).
STEPS = {
    "circulate": ((Status.DRAFT,), Status.CIRCULATED),
    "return_to_draft": ((Status.CIRCULATED,), Status.DRAFT),
    "approve": ((Status.DRAFT, Status.CIRCULATED), Status.APPROVED),
    "publish": ((Status.APPROVED,), Status.PUBLISHED),
}


class TransitionRefused(Exception):
    """The step is not possible from where the meeting is now; the message says why. Nothing was written."""


def held_on(meeting: Meeting) -> str:
    """The meeting's date as its minutes say it (in local time, as the pages show it), e.g. "3 October 2026"."""
    if meeting.starts_at is None:
        return "a date not recorded"
    return dateformat.format(timezone.localtime(meeting.starts_at), "j F Y")


def allowed_steps(meeting: Meeting) -> set[str]:
    return {name for name, (sources, _) in STEPS.items() if meeting.status in sources}


def approving_candidates(meeting: Meeting):
    """The meetings that may approve ``meeting``'s minutes: the same commission's later ones whose own minutes
    are still open to record it, the next first."""
    if meeting.starts_at is None:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(commission_id=meeting.commission_id, starts_at__gt=meeting.starts_at)
        .exclude(pk=meeting.pk)
        .exclude(status__in=Meeting.LOCKED_STATUSES)
        .order_by("starts_at", "pk")
    )


def _locked_row(user, meeting: Meeting, step: str, version: int | None) -> Meeting:
    """The meeting's row, locked for this transaction, once the user may change it and the step is possible."""
    require_change(user, meeting)
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    sources, _ = STEPS[step]
    if version is not None and current.version != version:
        raise TransitionRefused(
            f"Someone else changed this meeting after you opened the page: its minutes are now "
            f"“{current.get_status_display()}”. Nothing was changed; check the page and try again."
        )
    if current.status not in sources:
        raise TransitionRefused(
            f"That is not possible now: the minutes are “{current.get_status_display()}”. Nothing was changed."
        )
    return current


def _move(user, meeting: Meeting, target: str, **fields) -> Meeting:
    meeting.status = target
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting._history_user = user
    meeting.save(update_fields=["status", *fields])  # Versioned: refused if changed since it was read
    return meeting


@transaction.atomic
def circulate(user, meeting: Meeting, *, version: int | None = None) -> Meeting:
    """Send the draft out for comment: the seat holders are told (``notifications.signals``)."""
    current = _locked_row(user, meeting, "circulate", version)
    return _move(user, current, Status.CIRCULATED, circulated_at=timezone.now())


@transaction.atomic
def return_to_draft(user, meeting: Meeting, *, version: int | None = None) -> Meeting:
    """Back to the secretariat's draft after comments (the time it went out stays on record in its history)."""
    current = _locked_row(user, meeting, "return_to_draft", version)
    return _move(user, current, Status.DRAFT)


@transaction.atomic
def approve(user, meeting: Meeting, at_meeting: Meeting, *, version: int | None = None) -> Meeting:
    """Approved as a correct record at ``at_meeting``, a later meeting of the same commission.

    The approving meeting records it: a decision in its minutes, and a matter
    arising on its page. Its own minutes must still be open to take the
    decision, so an approving meeting that is itself approved is refused.
    """
    current = _locked_row(user, meeting, "approve", version)
    if current.starts_at is None:
        raise TransitionRefused("Record the date of this meeting first: its minutes are approved at a later one.")
    approving = Meeting.objects.select_for_update().filter(pk=getattr(at_meeting, "pk", None)).first()
    if approving is not None and approving.is_locked and approving.commission_id == current.commission_id:
        require_change(user, approving)
        raise TransitionRefused(
            f"The minutes of the meeting held on {held_on(approving)} are already approved, so the approval "
            "cannot be recorded in them. Choose the meeting at which these minutes were approved."
        )
    if approving is None or not approving_candidates(current).filter(pk=approving.pk).exists():
        raise TransitionRefused(
            "Choose a later meeting of the same commission: minutes are approved at a meeting after theirs."
        )
    require_change(user, approving)
    if approving.is_locked:  # approved since the candidates were read: the row is held now
        raise TransitionRefused(
            f"The minutes of the meeting held on {held_on(approving)} are already approved, so the approval "
            "cannot be recorded in them. Choose the meeting at which these minutes were approved."
        )
    number = (approving.decisions.aggregate(Max("number"))["number__max"] or 0) + 1
    decision = Decision(
        meeting=approving,
        number=number,
        text=f"To approve the minutes of the meeting held on {held_on(current)} as a correct record",
        outcome=Decision.Outcome.AGREED,
        approves=current,
    )
    decision._history_user = user
    decision.save()
    return _move(user, current, Status.APPROVED, approved_at=timezone.now(), approved_at_meeting=approving)


@transaction.atomic
def publish(user, meeting: Meeting, *, version: int | None = None) -> Meeting:
    """Approved minutes made readable to the rest of the ICS (and, where the commission publishes, the public)."""
    current = _locked_row(user, meeting, "publish", version)
    return _move(user, current, Status.PUBLISHED, published_at=timezone.now())


def page_context(user, meeting: Meeting, may_change: bool) -> dict:
    """What the meeting's page shows of the approval: the steps the user may take now, and the minutes of
    earlier meetings approved at this one (those the user may read), as matters arising."""
    steps = allowed_steps(meeting) if may_change else set()
    candidates = list(approving_candidates(meeting)[:MAX_APPROVING_MEETINGS]) if "approve" in steps else []
    now = timezone.now()
    for candidate in candidates:  # said in the list, for an approval recorded ahead of the meeting by mistake
        candidate.not_held_yet = candidate.starts_at > now
    approved_here = access.restrict(meeting.minutes_approved.order_by("starts_at", "pk"), user, access.VIEW)
    approver = meeting.approved_at_meeting
    return {
        # The meeting that approved these minutes is named only to those who may read it.
        "approving_meeting": approver if approver and access.can(user, access.VIEW, approver) else None,
        "approval_steps": steps,
        "approving_candidates": candidates,
        "minutes_approved_here": list(approved_here[:MAX_APPROVING_MEETINGS]),
    }


# Amendments ------------------------------------------------------------------------------------


class AmendmentRefused(PermissionDenied):
    """Only approved or published minutes are amended; open ones are edited in place."""


@transaction.atomic
def amend_paragraph(user, paragraph: Paragraph, text: str, reason: str, *, version: int | None = None) -> Amendment:
    """Correct a paragraph of approved or published minutes, on record: the text before, after, who, when and why.

    The only write that reaches locked minutes: ``access.frozen`` refuses every
    other. It asks instead whether the user may change the meeting (its
    commission's secretariat), and saves the paragraph from the version the form
    was opened at (``StaleVersion`` if someone amended it since; nothing kept).
    """
    meeting = Meeting.objects.select_for_update().get(pk=paragraph.item.meeting_id)
    if not access.can(user, access.CHANGE, meeting):
        raise PermissionDenied("These minutes are not yours to amend.")
    if not meeting.is_locked:
        raise AmendmentRefused("These minutes are not approved yet: edit the paragraph itself.")
    current = Paragraph.objects.get(pk=paragraph.pk)
    if version is not None:
        current.version = version
    previous = current.text
    current.text = text.strip()
    current._history_user = user
    current.save(update_fields=["text"])
    return Amendment.objects.create(
        paragraph=current, previous_text=previous, text=current.text, reason=reason.strip(), made_by=user
    )


__all__ = [
    "MAX_APPROVING_MEETINGS",
    "AmendmentRefused",
    "MinutesLocked",
    "TransitionRefused",
    "allowed_steps",
    "amend_paragraph",
    "approve",
    "approving_candidates",
    "circulate",
    "held_on",
    "publish",
    "return_to_draft",
]
