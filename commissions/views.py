"""Commission pages. Reads go through the tenant rule; writes through ``services`` or a checked form save."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from atf import access, limits, outputs, uploadhandler
from atf.versioning import StaleVersion

from . import approval, printing, services, word
from . import content as content_views
from .agenda import agenda_section
from .dates import plausible_year
from .filters import ActionFilterSet
from .minutes import parse_minutes
from .models import Action, AgendaItem, Commission, Decision, Meeting, Paragraph
from .tables import ActionTable


def _visible(request, model, **lookup):
    return get_object_or_404(access.restrict(model.objects.all(), request.user, access.VIEW), **lookup)


def _changeable(request, model, **lookup):
    obj = _visible(request, model, **lookup)
    if not access.can(request.user, access.CHANGE, obj):
        raise PermissionDenied("You may read this but not change it.")
    return obj


def _minutes_changeable(request, model, meeting_of, **lookup):
    """A row of a meeting's minutes to edit, and None; or, where the minutes are approved and the user is their
    secretariat, None and the meeting's page saying how they are corrected (rather than a bare refusal).

    The same checks as every other edit of the minutes (``content._for_writing``), answered as a redirect.
    """
    try:
        obj, _ = content_views._for_writing(request, model, lookup["pk"], meeting_of)
    except services.MinutesLocked as locked:
        messages.error(request, str(locked))
        return None, redirect("commissions:meeting_detail", locked.meeting.pk)
    return obj, None


def commission_list(request):
    commissions = access.restrict(Commission.objects.select_related("place"), request.user, access.VIEW)
    return render(request, "commissions/commission_list.html", {"commissions": commissions})


def commission_detail(request, slug):
    commission = _visible(request, Commission, slug=slug)
    meetings = access.restrict(commission.meetings.all(), request.user, access.VIEW)
    actions = access.restrict(
        commission.actions.filter(status__in=Action.OPEN_STATUSES).select_related("meeting", "priority"),
        request.user,
        access.VIEW,
    ).order_by("due")
    decisions = access.restrict(
        Decision.objects.filter(meeting__commission=commission).select_related("meeting"), request.user, access.VIEW
    ).order_by("-meeting__starts_at")[:10]
    today = timezone.localdate()
    context = {
        "commission": commission,
        "may_change": access.can(request.user, access.CHANGE, commission),
        "priorities": commission.priorities.prefetch_related("themes"),
        "next_meeting": meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at").first(),
        "meetings": meetings.order_by("-starts_at"),
        "actions": actions,
        "overdue": [a for a in actions if a.is_overdue(today)],
        "decisions": decisions,
        "today": today,
    }
    return render(request, "commissions/commission_detail.html", context)


class MeetingForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label="Date and time",
        help_text="For example, 20/01/2027 10:00",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y"],
        validators=[plausible_year],
        error_messages={
            "required": "Enter the date and time of the meeting",
            "invalid": "Enter a date like 20/01/2027 10:00",
        },
    )

    class Meta:
        model = Meeting
        # No status: it moves only through the approval steps (``approval``).
        fields = ["kind", "title", "starts_at", "location"]


def meeting_add(request, slug):
    commission = _changeable(request, Commission, slug=slug)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.commission = commission
        meeting._history_user = request.user
        meeting.save()
        messages.success(request, "Meeting added.")
        return redirect("commissions:meeting_detail", meeting.pk)
    return render(request, "commissions/meeting_form.html", {"form": form, "commission": commission})


def meeting_detail(request, pk, content=None):
    """The meeting page; ``content`` is a form of ``commissions.content`` sent back to be put right."""
    meeting = _visible(request, Meeting, pk=pk)
    items = meeting.items.prefetch_related(
        Prefetch("paragraphs", queryset=Paragraph.objects.prefetch_related("actions", "amendments__made_by"))
    )
    may_change = access.can(request.user, access.CHANGE, meeting)
    context = {
        "meeting": meeting,
        "commission": meeting.commission,
        "may_change": may_change,
        # Approved minutes are corrected by amendment only: no editing controls for them.
        "may_edit_minutes": may_change and not meeting.is_locked,
        "agenda": agenda_section(request, meeting),
        "items": items,
        "attendance": meeting.attendance.select_related("member"),
        "decisions": meeting.decisions.all(),
        "questions": meeting.questions.all(),
        "arising": meeting.actions.all(),
        "matters_arising": access.restrict(services.matters_arising(meeting), request.user, access.VIEW)
        if meeting.starts_at
        else [],
        "today": timezone.localdate(),
        **approval.page_context(request.user, meeting, may_change),
    }
    context.update(content_views.page_context(request, meeting, content))
    return render(request, "commissions/meeting_detail.html", context)


def meeting_print(request, pk):
    """The minutes as printed: heading, attendance, items and paragraphs, decisions, actions (``printing``)."""
    meeting = get_object_or_404(
        access.restrict(Meeting.objects.select_related("commission", "approved_at_meeting"), request.user, access.VIEW),
        pk=pk,
    )
    return render(request, "commissions/meeting_print.html", printing.print_context(request.user, meeting))


def _paragraph_order(number: str) -> list[int]:
    return [int(part) for part in number.split(".") if part.isdigit()]


class MinutesForm(forms.Form):
    text = forms.CharField(
        label="Minutes",
        help_text="Paste the minutes: paragraphs numbered like 12.1, and “Action: owner” lines under them. "
        f"At most {limits.MAX_MINUTES_PARAGRAPHS:,} paragraphs at once: paste a long meeting's minutes item by item.",
        widget=forms.Textarea(attrs={"rows": 16}),
        required=False,
    )
    file = forms.FileField(
        label="Or upload the minutes as a Word (.docx) or text (.txt) file",
        help_text="From Word, numbers and headings are read as Word shows them, "
        "its own list numbering included. You will check what was read before anything is saved.",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.txt"}),
    )

    def __init__(self, *args, agenda: dict[str, str] | None = None, saved: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The meeting's agenda, title -> number: a Word heading that names an item without its number is that item.
        self.agenda = agenda or {}
        # The numbers of the paragraphs the minutes hold already: the same file sent again would repeat them.
        self.saved = saved or set()

    def clean(self):
        """The text (or the file's), within ``atf.limits``, parsed: ``cleaned_data["parsed"]``."""
        cleaned = super().clean()
        uploaded = cleaned.get("file")
        source = "text"
        if uploaded:
            source = "file"
            text = self._file_text(uploaded)
            if text is None:
                return cleaned
            cleaned["text"] = text
        # Counted as saved: a browser sends each line break as two characters.
        text = (cleaned.get("text") or "").replace("\r\n", "\n")
        if len(text) > limits.MAX_MINUTES_CHARS:
            self.add_error(source, limits.minutes_too_long(len(text)))
            if source == "text":
                # Not sent back into the box: megabytes of text would stall the browser for seconds.
                self.data = self.data.copy()
                self.data["text"] = ""
            return cleaned
        if not text.strip():
            if not self.errors:
                self.add_error("text", "Paste the minutes, or upload them as a Word or text file")
            return cleaned
        parsed = parse_minutes(text, max_actions=limits.MAX_MINUTES_ACTIONS)
        if len(parsed.paragraphs) > limits.MAX_MINUTES_PARAGRAPHS:
            self.add_error(source, limits.minutes_too_many_paragraphs(len(parsed.paragraphs)))
        elif parsed.action_count > limits.MAX_MINUTES_ACTIONS:
            self.add_error(source, limits.minutes_too_many_actions(parsed.action_count))
        elif not parsed.paragraphs:
            # A plain numbered list (1., 2., 3.) under a heading that names no item says nothing of which it is.
            self.add_error(
                source,
                "No numbered paragraphs were found. Number each paragraph with its agenda item's number, like 12.1 "
                "and 12.2 under item 12: typed, or with a multi-level list in Word (12 for the item, 12.1 for its "
                "paragraphs). A plain numbered list (1., 2., 3.) is read under a heading that names its item: the "
                "item's number (12. Title) or its title as on the agenda.",
            )
        elif clashes := sorted({p.number for p in parsed.paragraphs} & self.saved, key=_paragraph_order):
            shown = ", ".join(clashes[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5 else "")
            self.add_error(
                source,
                f"These minutes already hold paragraph{'s' if len(clashes) > 1 else ''} {shown}: nothing was saved. "
                "To replace them, remove them on the meeting's page first; to add to them, number the new "
                "paragraphs after them.",
            )
        else:
            cleaned["parsed"] = parsed
        return cleaned

    def _file_text(self, uploaded) -> str | None:
        """The uploaded file's text, from Word or plain text; None, with the error beside the field, if refused."""
        if uploadhandler.refused(uploaded) or uploaded.size > limits.MAX_UPLOAD_BYTES:
            self.add_error("file", limits.minutes_file_too_large(uploaded.size))
            return None
        data = uploaded.read(limits.MAX_UPLOAD_BYTES + 1)
        if word.looks_like_word(data) or uploaded.name.lower().endswith((".docx", ".doc")):
            try:
                return word.minutes_text(data, agenda=self.agenda)
            except word.WordError as error:
                self.add_error("file", str(error))
                return None
        # UTF-8 takes at most four bytes a character: a larger text file is too long, unread.
        if len(data) > 4 * limits.MAX_MINUTES_CHARS:
            self.add_error("file", limits.minutes_file_too_large(len(data)))
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            # A program, a picture or a PDF renamed: not text.
            self.add_error("file", word.NOT_WORD)
            return None
        return text


def meeting_minutes(request, pk):
    """Paste minutes as numbered paragraphs; see what was read, then save."""
    meeting = _changeable(request, Meeting, pk=pk)
    if meeting.is_locked:  # a message, not the form: nothing can be added to approved minutes
        return render(request, "commissions/minutes_form.html", {"meeting": meeting, "locked": True})
    agenda = {title: number for number, title in meeting.items.values_list("number", "title")[:2000]}
    saved = set(Paragraph.objects.filter(item__meeting=meeting).values_list("number", flat=True)[:5000])
    form = MinutesForm(request.POST or None, request.FILES or None, agenda=agenda, saved=saved)
    if request.method == "POST" and form.is_valid():
        parsed = form.cleaned_data["parsed"]
        if request.POST.get("confirm") == "yes":
            counts = services.save_minutes(request.user, meeting, parsed)
            messages.success(
                request,
                f"Saved {counts['paragraphs']} paragraphs under {counts['items']} new agenda item(s), "
                f"and {counts['actions']} action(s).",
            )
            return redirect("commissions:meeting_detail", meeting.pk)
        return render(
            request,
            "commissions/minutes_preview.html",
            {"meeting": meeting, "parsed": parsed, "text": form.cleaned_data["text"]},
        )
    return render(request, "commissions/minutes_form.html", {"meeting": meeting, "form": form})


@require_POST
def paragraph_add(request, pk):
    item, refused = _minutes_changeable(request, AgendaItem, lambda i: i.meeting, pk=pk)
    if refused:
        return refused
    text = request.POST.get("text", "").strip()
    if not text:
        messages.error(request, "Enter the paragraph's text before adding it.")
    else:
        paragraph = services.add_paragraph(request.user, item, text)
        messages.success(request, f"Paragraph {paragraph.number} added.")
    return redirect("commissions:meeting_detail", item.meeting_id)


@require_POST
def paragraph_move(request, pk):
    paragraph, refused = _minutes_changeable(request, Paragraph, lambda p: p.item.meeting, pk=pk)
    if refused:
        return refused
    services.move_paragraph(request.user, paragraph, "up" if request.POST.get("direction") == "up" else "down")
    return redirect("commissions:meeting_detail", paragraph.item.meeting_id)


def paragraph_delete(request, pk):
    """Remove a paragraph, after a page that shows it (a removal is not undone from the pages)."""
    paragraph, refused = _minutes_changeable(request, Paragraph, lambda p: p.item.meeting, pk=pk)
    if refused:
        return refused
    meeting_id = paragraph.item.meeting_id
    if request.method != "POST":
        meeting = paragraph.item.meeting
        context = {
            "paragraph": paragraph,
            "meeting": meeting,
            "commission": meeting.commission,
            "actions": access.restrict(paragraph.actions.all(), request.user, access.VIEW).count(),
        }
        return render(request, "commissions/paragraph_remove.html", context)
    services.delete_paragraph(request.user, paragraph)
    messages.success(request, "Paragraph removed; the rest are renumbered.")
    return redirect("commissions:meeting_detail", meeting_id)


def action_list(request):
    actions = access.restrict(
        Action.objects.select_related("commission", "meeting", "priority", "theme"), request.user, access.VIEW
    )
    filterset = ActionFilterSet(request.GET or None, queryset=actions, request=request)
    table = ActionTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    export_format = request.GET.get("_export")
    if export_format in ("xlsx", "csv"):
        return outputs.table_download(table, export_format, "actions")
    return render(request, "commissions/action_list.html", {"table": table, "filter": filterset})


class UpdateForm(forms.Form):
    text = forms.CharField(
        label="Progress update",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what has happened"},
    )
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)
    # The action's version when the page was opened: a status set from an older page is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def action_detail(request, pk):
    action = _visible(request, Action, pk=pk)
    may_change = access.can(request.user, access.CHANGE, action)
    form = UpdateForm(request.POST or None, initial={"status": action.status, "version": action.version})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_update(
                    request.user,
                    action,
                    form.cleaned_data["text"],
                    form.cleaned_data["status"],
                    version=form.cleaned_data["version"],
                )
            except StaleVersion:
                action.refresh_from_db()
                data = request.POST.copy()
                data["version"] = str(action.version)
                form = UpdateForm(data)
                form.is_valid()
                form.add_error(
                    "status",
                    f"Someone else changed this action after you opened the page: its status is now "
                    f"“{action.get_status_display()}”. Your update was not saved; check the status and save again.",
                )
            else:
                messages.success(request, "Update saved.")
                return redirect("commissions:action_detail", action.pk)
    return render(
        request,
        "commissions/action_detail.html",
        {
            "action": action,
            "updates": action.updates.select_related("author"),
            "form": form,
            "may_change": may_change,
            "today": timezone.localdate(),
        },
    )


def overview(request):
    """Every visible commission's open and overdue actions and recent decisions, in one view."""
    commissions = access.restrict(Commission.objects.select_related("place"), request.user, access.VIEW)
    actions = access.restrict(
        Action.objects.filter(status__in=Action.OPEN_STATUSES).select_related("commission", "meeting"),
        request.user,
        access.VIEW,
    ).order_by("commission__name", "due")
    decisions = access.restrict(
        Decision.objects.select_related("meeting__commission"), request.user, access.VIEW
    ).order_by("-meeting__starts_at")[:20]
    today = timezone.localdate()
    return render(
        request,
        "commissions/overview.html",
        {
            "commissions": commissions,
            "actions": actions,
            "decisions": decisions,
            "today": today,
            "overdue": sum(1 for a in actions if a.is_overdue(today)),
        },
    )
