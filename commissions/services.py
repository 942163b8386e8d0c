"""What a secretariat does to a commission's record, each write checked by the tenant rule."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from atf import access

from .minutes import ParsedMinutes
from .models import Action, ActionUpdate, AgendaItem, Meeting, Paragraph

# Rows a bulk insert sends at once.
BATCH = 500


class MinutesLocked(PermissionDenied):
    """The meeting's minutes are approved or published: corrected only by an amendment (``approval``)."""

    def __init__(self, meeting: Meeting | str | None = None):
        """Said of ``meeting`` (when it was approved), or as ``meeting`` says where it is a message of its own."""
        self.meeting = meeting if isinstance(meeting, Meeting) else None
        super().__init__(meeting if isinstance(meeting, str) else locked_message(meeting))


def locked_message(meeting: Meeting | None = None) -> str:
    """What every door says to a change of approved minutes (their items, papers, paragraphs, attendance...)."""
    from django.utils.formats import date_format

    message = "These minutes are approved: correct them with an amendment."
    if meeting is None:
        return message
    if meeting.approved_at:
        when = f"approved on {date_format(timezone.localtime(meeting.approved_at), 'j F Y')}"
    else:
        when = "published" if meeting.status == Meeting.Status.PUBLISHED else "approved"
    return (
        f"{message} They were {when}, so they can no longer be changed; an amendment records who changed a "
        "paragraph, when and why. Nothing was saved."
    )


def require_change(user, obj) -> None:
    if not access.can(user, access.CHANGE, obj):
        raise PermissionDenied("This is not yours to change.")


def require_minutes_open(user, meeting: Meeting, *, refusal: str | None = None) -> None:
    """The user may change the meeting, and its minutes are not locked (read afresh: they may have just been).

    ``refusal`` says why where the usual "correct them with an amendment" does not fit (a new action).
    """
    require_change(user, meeting)
    current = Meeting.objects.filter(pk=meeting.pk, status__in=Meeting.LOCKED_STATUSES).first()
    if current is not None:
        raise MinutesLocked(refusal or current)


# What says which meeting it was: fixed with its minutes once they are approved.
MEETING_DETAILS = ("commission_id", "kind", "title", "starts_at", "location")


def refuse_locked_details(meeting: Meeting) -> None:
    """Before saving an edited meeting: an approved meeting's details are part of its record, and its status
    moves only through ``approval`` (never through an edit form, the admin or a history revert)."""
    saved = Meeting.objects.filter(pk=meeting.pk).values("status", *MEETING_DETAILS).first()
    if saved is None:
        return
    if saved["status"] != meeting.status:
        raise MinutesLocked("The minutes' status changes only through the approval steps on the meeting's page.")
    if saved["status"] in Meeting.LOCKED_STATUSES and any(
        saved[name] != getattr(meeting, name) for name in MEETING_DETAILS
    ):
        raise MinutesLocked("These minutes are approved: the meeting's details are part of the record.")


@transaction.atomic
def save_minutes(user, meeting: Meeting, parsed: ParsedMinutes) -> dict[str, int]:
    """Add parsed minutes to a meeting: its agenda items, numbered paragraphs and the actions arising."""
    # The meeting's row is held for the write, so that its minutes are not approved in the middle of it.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    require_minutes_open(user, meeting)
    return save_minutes_unchecked(meeting, parsed)


@transaction.atomic
def save_minutes_unchecked(meeting: Meeting, parsed: ParsedMinutes) -> dict[str, int]:
    """``save_minutes`` without the user check, for loading data (the demo).

    Paragraphs and actions are inserted in bulk, with their history, so that
    the largest minutes the form takes (``atf.limits``: 1,000 paragraphs and
    300 actions) hold the write lock for a fraction of a second.
    """
    counts = {"items": 0, "paragraphs": 0, "actions": 0}
    start = (meeting.items.aggregate(Max("position"))["position__max"] or 0) + 1
    paragraphs: list[Paragraph] = []
    actions: list[Action] = []
    for offset, parsed_item in enumerate(parsed.items):
        # The agenda's item of that number, a sub-item (3.1) included; else a new one, under its parent (3) if any.
        item = meeting.items.filter(number=parsed_item.number).order_by("position", "pk").first()
        if item is None:
            parent_number = parsed_item.number.rpartition(".")[0]
            item = AgendaItem.objects.create(
                meeting=meeting,
                number=parsed_item.number,
                title=parsed_item.title[:500],
                position=start + offset,
                parent=meeting.items.filter(number=parent_number, parent=None).first() if parent_number else None,
            )
            counts["items"] += 1
        first = (item.paragraphs.aggregate(Max("position"))["position__max"] or 0) + 1
        by_number = {}
        for position, parsed_paragraph in enumerate(parsed_item.paragraphs, start=first):
            paragraph = Paragraph(
                item=item,
                number=parsed_paragraph.number,
                position=position,
                text=parsed_paragraph.text,
                note=f"The number {parsed_paragraph.number} is used twice in the source."
                if parsed_paragraph.duplicate
                else "",
            )
            paragraphs.append(paragraph)
            by_number[parsed_paragraph.number] = paragraph
        for parsed_action in parsed_item.actions:
            actions.append(
                Action(
                    commission=meeting.commission,
                    meeting=meeting,
                    paragraph=by_number.get(parsed_action.paragraph_number),
                    reference=parsed_action.paragraph_number,
                    description=parsed_action.description,
                    owner=parsed_action.owner[:300],
                    due=parsed_action.due,
                )
            )
    bulk_create_with_history(paragraphs, Paragraph, batch_size=BATCH)
    for action in actions:
        action.paragraph = action.paragraph  # the paragraph's id, known once it is inserted
        if errors := action.relation_errors():  # what Action.save() would check
            raise ValidationError(errors)
    bulk_create_with_history(actions, Action, batch_size=BATCH)
    counts["paragraphs"], counts["actions"] = len(paragraphs), len(actions)
    minutes_begun(meeting)
    return counts


def minutes_begun(meeting: Meeting) -> None:
    """A planned meeting whose minutes are begun (imported, or a first paragraph written) is a draft."""
    if meeting.status == Meeting.Status.PLANNED:
        meeting.status = Meeting.Status.DRAFT
        meeting.save(update_fields=["status"])


def renumber(item: AgendaItem, user=None) -> None:
    """Number the item's paragraphs 12.1, 12.2 ... in their order, after any addition, move or removal.

    Each renumbered paragraph is saved with its history, so that a move is on record as who moved what.
    """
    for index, paragraph in enumerate(item.paragraphs.order_by("position", "pk"), start=1):
        number = f"{item.number}.{index}"
        if (paragraph.number, paragraph.position, paragraph.note) != (number, index, ""):
            paragraph.number, paragraph.position, paragraph.note = number, index, ""
            paragraph._history_user = user
            paragraph.save(update_fields=["number", "position", "note"])
    # Actions keep pointing at their paragraph; their reference follows its new number.
    for action in Action.objects.filter(paragraph__item=item).select_related("paragraph"):
        if action.reference != action.paragraph.number:
            Action.objects.filter(pk=action.pk).update(reference=action.paragraph.number)


@transaction.atomic
def add_paragraph(user, item: AgendaItem, text: str, *, after: Paragraph | None = None) -> Paragraph:
    require_minutes_open(user, item.meeting)
    require_change(user, item)
    position = after.position if after else item.paragraphs.aggregate(Max("position"))["position__max"] or 0
    item.paragraphs.filter(position__gt=position).update(position=F("position") + 1)
    paragraph = Paragraph.objects.create(item=item, number="", position=position + 1, text=text.strip())
    renumber(item, user)
    minutes_begun(item.meeting)
    paragraph.refresh_from_db()
    return paragraph


@transaction.atomic
def move_paragraph(user, paragraph: Paragraph, direction: str) -> None:
    require_minutes_open(user, paragraph.item.meeting)
    require_change(user, paragraph)
    siblings = list(paragraph.item.paragraphs.order_by("position", "pk"))
    index = next(i for i, p in enumerate(siblings) if p.pk == paragraph.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            sibling.position = position  # saved, with its history, by renumber
            Paragraph.objects.filter(pk=sibling.pk).update(position=position)
    renumber(paragraph.item, user)


@transaction.atomic
def delete_paragraph(user, paragraph: Paragraph) -> None:
    require_minutes_open(user, paragraph.item.meeting)
    require_change(user, paragraph)
    item = paragraph.item
    paragraph._history_user = user
    paragraph.delete()
    renumber(item, user)


@transaction.atomic
def add_update(
    user, action: Action, text: str, status: str | None = None, *, version: int | None = None
) -> ActionUpdate:
    """A progress update, and the action's new status; StaleVersion (nothing kept) if it changed since ``version``."""
    require_change(user, action)
    update = ActionUpdate.objects.create(action=action, date=timezone.localdate(), text=text.strip(), author=user)
    if status and status != action.status:
        if version is not None:
            action.version = version
        action.status = status
        action._history_user = user
        action.save(update_fields=["status"])
    return update


def matters_arising(meeting: Meeting):
    """The commission's actions still open from before this meeting: followed up at it."""
    return (
        Action.objects.filter(commission=meeting.commission, status__in=Action.OPEN_STATUSES)
        .filter(Q(meeting__starts_at__lt=meeting.starts_at) | Q(meeting=None, created__lt=meeting.starts_at))
        .select_related("meeting", "paragraph")
    )


def next_meeting(commission, now=None):
    return commission.meetings.filter(starts_at__gte=now or timezone.now()).order_by("starts_at").first()
