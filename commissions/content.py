"""The minutes' content edited on the meeting page: paragraphs in place, decisions, workshop questions, attendance.

No script is needed: "Edit" opens the meeting page with that one row as a
form where it sits (``?edit=<paragraph>``, ``?decision=<pk>`` ...), and a
form that cannot be saved is shown again there, with the message by its
field. Writes go through ``content_services``.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from atf import access
from atf.versioning import StaleVersion

from . import content_services, views
from .content_services import TooMany
from .models import AgendaItem, Attendance, Decision, Meeting, Member, Paragraph, WorkshopQuestion
from .seats import MemberChoiceField, members_in_order
from .services import MinutesLocked

# Far above a real paragraph, decision or workshop answer; low enough to send back into the box.
MAX_TEXT = 20_000
MAX_SHORT_TEXT = 5_000


def _too_long(what: str, limit: int) -> str:
    return f"{what} must be {limit:,} characters or fewer (it has %(show_value)s)"


class _VersionedForm(forms.Form):
    # The row's version when the page was opened: a save over someone else's newer save is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class ParagraphForm(_VersionedForm):
    text = forms.CharField(
        label="Paragraph text",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_TEXT,
        error_messages={
            "required": "Enter the paragraph's text; to take a paragraph out, remove it instead",
            "max_length": _too_long("The paragraph", MAX_TEXT),
        },
    )


class DecisionForm(_VersionedForm):
    text = forms.CharField(
        label="Decision or recommendation, as put to the meeting",
        help_text="For example, “The Commission is asked to note the contents of the report”.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_SHORT_TEXT,
        error_messages={
            "required": "Enter the decision or recommendation as it was put to the meeting",
            "max_length": _too_long("The decision", MAX_SHORT_TEXT),
        },
    )
    item = forms.ModelChoiceField(
        label="Agenda item",
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of this meeting's agenda items"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Decision.Outcome.choices,
        error_messages={"invalid_choice": "Choose an outcome from the list"},
    )

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = access.restrict(meeting.items.all(), user, access.ATTACH)


class QuestionForm(_VersionedForm):
    question = forms.CharField(
        label="Question put to the workshop",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_SHORT_TEXT,
        error_messages={
            "required": "Enter the question put to the workshop",
            "max_length": _too_long("The question", MAX_SHORT_TEXT),
        },
    )
    key_points = forms.CharField(
        label="Key points",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_TEXT,
        required=False,
        error_messages={"max_length": _too_long("The key points", MAX_TEXT)},
    )
    contributions = forms.CharField(
        label="Contributions",
        help_text="As they were made, without names.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_TEXT,
        required=False,
        error_messages={"max_length": _too_long("The contributions", MAX_TEXT)},
    )


class AttendanceForm(_VersionedForm):
    member = MemberChoiceField(
        label="A member of the commission",
        queryset=Member.objects.none(),
        required=False,
        empty_label="Not a member (enter who below)",
        error_messages={"invalid_choice": "Choose one of this commission's members"},
    )
    name_or_position = forms.CharField(
        label="Who (a position or a name)",
        help_text="Needed when no member is chosen; with a member, e.g. who stood in for them.",
        max_length=200,
        required=False,
        error_messages={"max_length": "Enter at most 200 characters (it has %(show_value)s)"},
    )
    status = forms.ChoiceField(
        label="Attendance",
        choices=Attendance.Status.choices,
        error_messages={"invalid_choice": "Choose present, apologies or in attendance"},
    )

    def __init__(self, *args, meeting: Meeting, user, row: Attendance | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting, self.row = meeting, row
        # Current members first; a former one (for an older meeting) is marked "term ended".
        seats = access.restrict(meeting.commission.members.all(), user, access.ATTACH)
        self.fields["member"].queryset = members_in_order(seats, timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        nobody = not cleaned.get("member") and not (cleaned.get("name_or_position") or "").strip()
        if nobody and "member" not in self.errors and "name_or_position" not in self.errors:
            self.add_error("name_or_position", "Choose a member, or enter a position or a name")
        elif not self.errors:
            member, name = cleaned.get("member"), cleaned.get("name_or_position") or ""
            if reason := content_services.already_recorded(self.meeting, member, name, but=self.row):
                self.add_error("member" if member else "name_or_position", reason)
        return cleaned


# What the meeting page needs --------------------------------------------------------

ATTENDANCE_ORDER = (Attendance.Status.PRESENT, Attendance.Status.IN_ATTENDANCE, Attendance.Status.APOLOGIES)


def _pk(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def page_context(request, meeting: Meeting, shown: dict | None = None) -> dict:
    """The meeting page's content sections: the rows, and the one form opened in place (or sent back)."""
    user = request.user
    may_edit = not meeting.is_locked and access.can(user, access.CHANGE, meeting)
    decisions = meeting.decisions.select_related("item")
    attendance = list(meeting.attendance.select_related("member"))
    context = {
        "content_may_edit": may_edit,
        "decisions": decisions,
        "attendance_groups": [
            (label, rows)
            for status, label in ((s, s.label) for s in ATTENDANCE_ORDER)
            if (rows := [row for row in attendance if row.status == status])
        ],
        "attendance": attendance,
    }
    if not may_edit:
        return context
    context.update(
        decision_form=DecisionForm(prefix="decision", meeting=meeting, user=user, initial={"outcome": "pending"}),
        question_form=QuestionForm(prefix="question"),
        attendance_form=AttendanceForm(meeting=meeting, user=user),
    )
    # One row opened for editing from its "Edit" link.
    if (pk := _pk(request, "edit")) and (row := Paragraph.objects.filter(pk=pk, item__meeting=meeting).first()):
        context.update(
            paragraph_edit_pk=pk,
            paragraph_form=ParagraphForm(prefix="paragraph", initial={"text": row.text, "version": row.version}),
        )
    if (pk := _pk(request, "after")) and Paragraph.objects.filter(pk=pk, item__meeting=meeting).exists():
        context.update(paragraph_after_pk=pk, paragraph_after_form=ParagraphForm(prefix="after"))
    if (pk := _pk(request, "decision")) and (row := meeting.decisions.filter(pk=pk).first()):
        initial = {"text": row.text, "item": row.item_id, "outcome": row.outcome, "version": row.version}
        context.update(
            decision_edit_pk=pk,
            decision_edit_form=DecisionForm(prefix="decision-edit", meeting=meeting, user=user, initial=initial),
        )
    if (pk := _pk(request, "question")) and (row := meeting.questions.filter(pk=pk).first()):
        initial = {
            "question": row.question,
            "key_points": row.key_points,
            "contributions": row.contributions,
            "version": row.version,
        }
        context.update(question_edit_pk=pk, question_edit_form=QuestionForm(prefix="question-edit", initial=initial))
    if (pk := _pk(request, "attendance")) and (row := meeting.attendance.filter(pk=pk).first()):
        initial = {
            "member": row.member_id,
            "name_or_position": row.name_or_position,
            "status": row.status,
            "version": row.version,
        }
        context.update(
            attendance_edit_pk=pk,
            attendance_edit_form=AttendanceForm(prefix="attendance-edit", meeting=meeting, user=user, initial=initial),
        )
    # A form sent back with what was wrong with it, in place of the empty or opened one.
    context.update(shown or {})
    return context


# Views ------------------------------------------------------------------------------


def _meeting_url(meeting_id: int, anchor: str = "") -> str:
    url = reverse("commissions:meeting_detail", args=[meeting_id])
    return f"{url}#{anchor}" if anchor else url


class ApprovalRecord(PermissionDenied):
    """The decision that approved another meeting's minutes: the record of that approval, changed by nobody."""

    def __init__(self, decision: Decision):
        self.decision = decision
        super().__init__(
            f"Decision ({decision.number}) records the approval of another meeting's minutes, so it is not edited "
            "or removed. Nothing was saved."
        )


def refuses_locked(view):
    """Approved or published minutes: say so, and how to correct them, on the meeting page rather than a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MinutesLocked as locked:
            messages.error(request, str(locked))
            return redirect(_meeting_url(locked.meeting.pk))
        except ApprovalRecord as record:
            messages.error(request, str(record))
            return redirect(_meeting_url(record.decision.meeting_id))

    return wrapper


def _for_writing(request, model, pk: int, meeting_of):
    """The row and its meeting: 404 if the user may not see it, 403 if not change it, MinutesLocked if locked.

    The lock is told only to those who could otherwise change the minutes; to others it is a plain 403.
    """
    row = views._visible(request, model, pk=pk)
    meeting = meeting_of(row)
    if meeting.is_locked and access.can(request.user, access.CHANGE, meeting):
        raise MinutesLocked(meeting)
    if getattr(row, "approves_id", None) and access.can(request.user, access.CHANGE, meeting):
        raise ApprovalRecord(row)
    if not access.can(request.user, access.CHANGE, row):
        raise PermissionDenied("You may read this but not change it.")
    return row, meeting


def _meeting_of_paragraph(paragraph: Paragraph) -> Meeting:
    return paragraph.item.meeting


def _meeting_of_row(row) -> Meeting:
    return row.meeting


def _own_meeting(meeting: Meeting) -> Meeting:
    return meeting


def _stale(form: forms.Form, field: str, what: str, current_version: int) -> None:
    """After StaleVersion: keep the user's input, point the form at the newer version, and say what happened."""
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = str(current_version)
    form.add_error(
        field,
        f"Someone else changed {what} after you opened it: what it says now is shown above. "
        "Yours is kept in the box and nothing was saved; save again to replace theirs with yours.",
    )


def _added(request, meeting_id: int, anchor: str, message: str):
    messages.success(request, message)
    return redirect(_meeting_url(meeting_id, anchor))


def _too_many(request, meeting_id: int, error: TooMany):
    messages.error(request, str(error))
    return redirect(_meeting_url(meeting_id))


@refuses_locked
def paragraph_edit(request, pk):
    paragraph, meeting = _for_writing(request, Paragraph, pk, _meeting_of_paragraph)
    if request.method != "POST":
        return redirect(f"{_meeting_url(meeting.pk)}?edit={pk}#paragraph-{pk}")
    form = ParagraphForm(request.POST, prefix="paragraph")
    shown = {"paragraph_edit_pk": pk, "paragraph_form": form}
    if form.is_valid():
        try:
            content_services.edit_paragraph(
                request.user, paragraph, form.cleaned_data["text"], version=form.cleaned_data["version"] or 0
            )
        except StaleVersion:
            paragraph.refresh_from_db()
            _stale(form, "text", f"paragraph {paragraph.number}", paragraph.version)
            shown["paragraph_stale"] = paragraph.text
        else:
            return _added(request, meeting.pk, f"paragraph-{pk}", f"Paragraph {paragraph.number} saved.")
    return views.meeting_detail(request, meeting.pk, content=shown)


@refuses_locked
@require_POST
def paragraph_add_after(request, pk):
    after, meeting = _for_writing(request, Paragraph, pk, _meeting_of_paragraph)
    form = ParagraphForm(request.POST, prefix="after")
    if form.is_valid():
        try:
            added = content_services.add_paragraph_after(request.user, after, form.cleaned_data["text"])
        except TooMany as error:
            return _too_many(request, meeting.pk, error)
        return _added(request, meeting.pk, f"paragraph-{added.pk}", f"Paragraph {added.number} added.")
    return views.meeting_detail(request, meeting.pk, content={"paragraph_after_pk": pk, "paragraph_after_form": form})


@refuses_locked
@require_POST
def decision_add(request, pk):
    meeting, _ = _for_writing(request, Meeting, pk, _own_meeting)
    form = DecisionForm(request.POST, prefix="decision", meeting=meeting, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = content_services.add_decision(
                request.user, meeting, text=data["text"], item=data["item"], outcome=data["outcome"]
            )
        except TooMany as error:
            return _too_many(request, meeting.pk, error)
        return _added(request, meeting.pk, f"decision-{decision.pk}", f"Decision ({decision.number}) added.")
    return views.meeting_detail(request, meeting.pk, content={"decision_form": form})


@refuses_locked
def decision_edit(request, pk):
    decision, meeting = _for_writing(request, Decision, pk, _meeting_of_row)
    if request.method != "POST":
        return redirect(f"{_meeting_url(meeting.pk)}?decision={pk}#decision-{pk}")
    form = DecisionForm(request.POST, prefix="decision-edit", meeting=meeting, user=request.user)
    shown = {"decision_edit_pk": pk, "decision_edit_form": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            content_services.edit_decision(
                request.user,
                decision,
                text=data["text"],
                item=data["item"],
                outcome=data["outcome"],
                version=data["version"] or 0,
            )
        except StaleVersion:
            decision.refresh_from_db()
            _stale(form, "text", f"decision ({decision.number})", decision.version)
            shown["decision_stale"] = decision
        else:
            return _added(request, meeting.pk, f"decision-{pk}", f"Decision ({decision.number}) saved.")
    return views.meeting_detail(request, meeting.pk, content=shown)


@refuses_locked
@require_POST
def decision_delete(request, pk):
    decision, meeting = _for_writing(request, Decision, pk, _meeting_of_row)
    content_services.delete_decision(request.user, decision)
    return _added(request, meeting.pk, "decisions", f"Decision ({decision.number}) removed; the rest are renumbered.")


@refuses_locked
@require_POST
def question_add(request, pk):
    meeting, _ = _for_writing(request, Meeting, pk, _own_meeting)
    form = QuestionForm(request.POST, prefix="question")
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = content_services.add_question(
                request.user,
                meeting,
                question=data["question"],
                key_points=data["key_points"],
                contributions=data["contributions"],
            )
        except TooMany as error:
            return _too_many(request, meeting.pk, error)
        return _added(request, meeting.pk, f"question-{row.pk}", f"Question {row.number} added.")
    return views.meeting_detail(request, meeting.pk, content={"question_form": form})


@refuses_locked
def question_edit(request, pk):
    row, meeting = _for_writing(request, WorkshopQuestion, pk, _meeting_of_row)
    if request.method != "POST":
        return redirect(f"{_meeting_url(meeting.pk)}?question={pk}#question-{pk}")
    form = QuestionForm(request.POST, prefix="question-edit")
    shown = {"question_edit_pk": pk, "question_edit_form": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            content_services.edit_question(
                request.user,
                row,
                question=data["question"],
                key_points=data["key_points"],
                contributions=data["contributions"],
                version=data["version"] or 0,
            )
        except StaleVersion:
            row.refresh_from_db()
            _stale(form, "question", f"question {row.number}", row.version)
            shown["question_stale"] = row
        else:
            return _added(request, meeting.pk, f"question-{pk}", f"Question {row.number} saved.")
    return views.meeting_detail(request, meeting.pk, content=shown)


@refuses_locked
@require_POST
def question_delete(request, pk):
    row, meeting = _for_writing(request, WorkshopQuestion, pk, _meeting_of_row)
    content_services.delete_question(request.user, row)
    return _added(request, meeting.pk, "questions", f"Question {row.number} removed; the rest are renumbered.")


@refuses_locked
@require_POST
def attendance_add(request, pk):
    meeting, _ = _for_writing(request, Meeting, pk, _own_meeting)
    form = AttendanceForm(request.POST, meeting=meeting, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = content_services.add_attendance(
                request.user,
                meeting,
                member=data["member"],
                name_or_position=data["name_or_position"],
                status=data["status"],
            )
        except TooMany as error:
            return _too_many(request, meeting.pk, error)
        return _added(request, meeting.pk, f"attendance-{row.pk}", "Attendance recorded.")
    return views.meeting_detail(request, meeting.pk, content={"attendance_form": form})


@refuses_locked
def attendance_edit(request, pk):
    row, meeting = _for_writing(request, Attendance, pk, _meeting_of_row)
    if request.method != "POST":
        return redirect(f"{_meeting_url(meeting.pk)}?attendance={pk}#attendance-{pk}")
    form = AttendanceForm(request.POST, prefix="attendance-edit", meeting=meeting, user=request.user, row=row)
    shown = {"attendance_edit_pk": pk, "attendance_edit_form": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            content_services.edit_attendance(
                request.user,
                row,
                member=data["member"],
                name_or_position=data["name_or_position"],
                status=data["status"],
                version=data["version"] or 0,
            )
        except StaleVersion:
            row = Attendance.objects.select_related("member").get(pk=row.pk)
            _stale(form, "status", "this attendance", row.version)
            shown["attendance_stale"] = row
        else:
            return _added(request, meeting.pk, f"attendance-{pk}", "Attendance saved.")
    return views.meeting_detail(request, meeting.pk, content=shown)


@refuses_locked
@require_POST
def attendance_delete(request, pk):
    row, meeting = _for_writing(request, Attendance, pk, _meeting_of_row)
    content_services.delete_attendance(request.user, row)
    return _added(request, meeting.pk, "attendance", "Attendance removed.")
