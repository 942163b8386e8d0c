"""The agenda before the meeting, on the pages: its items, their papers, its sending and its printable copy.

Reads go through the tenant rule (404 for what the user may not see); every
write is the meeting's secretariat's (403 for those who only read it) and goes
through ``agenda_services``. An approved or published meeting's agenda is
part of its record: the page shows no controls for it, and a post that gets
here anyway is answered with a message saying so, not a bare 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from atf import access, limits
from atf.versioning import StaleVersion

from . import agenda_services
from .agenda_services import AgendaRefused, PaperRefused
from .models import AgendaItem, AgendaPaper, Meeting


def _visible(request, queryset, **lookup):
    return get_object_or_404(access.restrict(queryset, request.user, access.VIEW), **lookup)


def _require_secretariat(request, meeting: Meeting) -> None:
    """403 for those who may read the meeting but not change it. Its lock is answered apart, in words."""
    if not access.can(request.user, access.CHANGE, meeting):
        raise PermissionDenied("You may read this agenda but not change it.")


def _meeting(request, pk) -> Meeting:
    meeting = _visible(request, Meeting.objects.select_related("commission"), pk=pk)
    _require_secretariat(request, meeting)
    return meeting


def _item(request, pk) -> AgendaItem:
    item = _visible(request, AgendaItem.objects.select_related("meeting__commission"), pk=pk)
    _require_secretariat(request, item.meeting)
    return item


def _back(meeting: Meeting, anchor: str = "agenda"):
    return redirect(f"{reverse('commissions:meeting_detail', args=[meeting.pk])}#{anchor}")


def _locked(request, meeting: Meeting):
    messages.error(request, agenda_services.locked_message(meeting))
    return _back(meeting)


@dataclass
class AgendaSection:
    """What the meeting page's agenda section shows (``templates/commissions/_agenda.html``)."""

    rows: list
    may_edit: bool
    may_send: bool
    may_withdraw: bool
    locked: bool

    @property
    def top_level(self):
        return [row.item for row in self.rows if row.depth == 1]


def agenda_section(request, meeting: Meeting) -> AgendaSection:
    changes_meeting = access.can(request.user, access.CHANGE, meeting)
    may_edit = changes_meeting and not meeting.is_locked
    rows = agenda_services.outline(request.user, meeting)
    return AgendaSection(
        rows=rows,
        may_edit=may_edit,
        may_send=may_edit and meeting.agenda_published_at is None and bool(rows),
        may_withdraw=may_edit and meeting.agenda_published_at is not None and meeting.status == Meeting.Status.PLANNED,
        locked=changes_meeting and meeting.is_locked,
    )


# Items --------------------------------------------------------------------


class ItemForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=500,
        error_messages={
            "required": "Enter the item's title",
            "max_length": "Enter a title of at most 500 characters",
        },
    )
    presenter = forms.CharField(
        label="Presenter",
        max_length=300,
        required=False,
        help_text="Who presents it, for example “Director of Public Health”",
        error_messages={"max_length": "Enter a presenter of at most 300 characters"},
    )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter the item's title")
        return title


class NewItemForm(ItemForm):
    parent = forms.ModelChoiceField(
        label="Put it under another item",
        queryset=AgendaItem.objects.none(),
        required=False,
        help_text="Leave this as it is for an item of its own; choose an item to make this one of its sub-items",
        error_messages={"invalid_choice": "Choose an item of this meeting's agenda"},
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        # Any of the meeting's items is understood, so that a sub-item chosen is refused in words; the
        # top-level ones are offered.
        parent.queryset = AgendaItem.objects.filter(meeting=meeting)
        offered = [row.item for row in agenda_services.in_order(parent.queryset) if row.depth == 1]
        parent.choices = [("", "No: an item of its own")] + [(i.pk, f"{i.number}. {i.title}") for i in offered]

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if parent is not None and parent.parent_id is not None:
            raise forms.ValidationError(
                f"Item {parent.number} is itself a sub-item, and items nest two levels deep at most: choose a "
                "top-level item"
            )
        return parent


class EditItemForm(ItemForm):
    # The item's version when the page was opened: a save from an older page is refused.
    version = forms.IntegerField(widget=forms.HiddenInput)


def agenda_item_add(request, pk):
    meeting = _meeting(request, pk)
    if meeting.is_locked:
        return _locked(request, meeting)
    form = NewItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            item = agenda_services.add_item(
                request.user,
                meeting,
                title=form.cleaned_data["title"],
                presenter=form.cleaned_data["presenter"],
                parent=form.cleaned_data["parent"],
            )
        except agenda_services.AgendaLocked:
            return _locked(request, meeting)
        except AgendaRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Item {item.number} added to the agenda.")
            return _back(meeting, f"agenda-item-{item.pk}")
    return render(
        request,
        "commissions/agenda_item_form.html",
        {"meeting": meeting, "commission": meeting.commission, "form": form, "item": None},
    )


def agenda_item_edit(request, pk):
    item = _item(request, pk)
    meeting = item.meeting
    if meeting.is_locked:
        return _locked(request, meeting)
    initial = {"title": item.title, "presenter": item.presenter, "version": item.version}
    form = EditItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agenda_services.edit_item(
                request.user,
                item,
                title=form.cleaned_data["title"],
                presenter=form.cleaned_data["presenter"],
                version=form.cleaned_data["version"],
            )
        except agenda_services.AgendaLocked:
            return _locked(request, meeting)
        except StaleVersion:
            item.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(item.version)
            form = EditItemForm(data)
            form.is_valid()
            presenter = f", presented by “{item.presenter}”" if item.presenter else ", with no presenter"
            form.add_error(
                None,
                f"Someone else changed this item after you opened the page: it is now item {item.number}, "
                f"“{item.title}”{presenter}. Your changes were not saved: check them and save again.",
            )
        else:
            messages.success(request, f"Item {item.number} saved.")
            return _back(meeting, f"agenda-item-{item.pk}")
    return render(
        request,
        "commissions/agenda_item_form.html",
        {"meeting": meeting, "commission": meeting.commission, "form": form, "item": item},
    )


@require_POST
def agenda_item_move(request, pk):
    item = _item(request, pk)
    if item.meeting.is_locked:
        return _locked(request, item.meeting)
    try:
        agenda_services.move_item(request.user, item, "up" if request.POST.get("direction") == "up" else "down")
    except AgendaRefused as refusal:
        messages.error(request, str(refusal))
    return _back(item.meeting, f"agenda-item-{item.pk}")


def agenda_item_remove(request, pk):
    item = _item(request, pk)
    meeting = item.meeting
    if meeting.is_locked:
        return _locked(request, meeting)
    if request.method == "POST":
        number = item.number
        try:
            agenda_services.remove_item(request.user, item)
        except AgendaRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Item {number} removed from the agenda; the items after it are renumbered.")
        return _back(meeting)
    held = agenda_services.holdings(item)
    rows = [row for row in agenda_services.outline(request.user, meeting) if row.item.parent_id == item.pk]
    papers = AgendaPaper.objects.filter(item__in=[item, *(row.item for row in rows)]).count()
    return render(
        request,
        "commissions/agenda_item_remove.html",
        {
            "meeting": meeting,
            "commission": meeting.commission,
            "item": item,
            "sub_items": [row.item for row in rows],
            "papers": papers,
            "refusal": agenda_services.holdings_message(item, held) if any(held.values()) else "",
        },
    )


# Papers -------------------------------------------------------------------


class PaperForm(forms.Form):
    title = forms.CharField(
        label="Title of the paper",
        max_length=300,
        help_text="For example, “Youth aspirations: report of the engagement work”",
        error_messages={
            "required": "Enter the paper's title",
            "max_length": "Enter a title of at most 300 characters",
        },
    )
    file = forms.FileField(
        label="The file",
        help_text=f"A PDF, Word, Excel, PowerPoint, OpenDocument, text or CSV file of at most "
        f"{limits.size(limits.MAX_PAPER_BYTES)}",
        error_messages={"required": "Choose the paper's file"},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(agenda_services.PAPER_TYPES)}),
    )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter the paper's title")
        return title

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            agenda_services.check_paper(uploaded)
        except PaperRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return uploaded


def agenda_paper_add(request, pk):
    item = _item(request, pk)
    meeting = item.meeting
    if meeting.is_locked:
        return _locked(request, meeting)
    form = PaperForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            paper = agenda_services.add_paper(
                request.user, item, title=form.cleaned_data["title"], uploaded=form.cleaned_data["file"]
            )
        except agenda_services.AgendaLocked:
            return _locked(request, meeting)
        except AgendaRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            messages.success(request, f"Paper “{paper.title}” added to item {item.number}.")
            return _back(meeting, f"agenda-item-{item.pk}")
    return render(
        request,
        "commissions/agenda_paper_form.html",
        {"meeting": meeting, "commission": meeting.commission, "item": item, "form": form},
    )


@require_safe
def agenda_paper_download(request, pk):
    """The paper's file, to whoever may read its meeting: as an attachment, with its type from the list, never
    the browser's."""
    paper = _visible(request, AgendaPaper.objects.all(), pk=pk)
    path = agenda_services.paper_path(paper)
    if path is None or not path.is_file():
        raise Http404("This paper's file is missing.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=paper.original_name,
        content_type=agenda_services.content_type(paper),
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


def agenda_paper_remove(request, pk):
    paper = _visible(request, AgendaPaper.objects.select_related("item__meeting__commission"), pk=pk)
    item, meeting = paper.item, paper.item.meeting
    _require_secretariat(request, meeting)
    if meeting.is_locked:
        return _locked(request, meeting)
    if request.method == "POST":
        try:
            agenda_services.remove_paper(request.user, paper)
        except AgendaRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"Paper “{paper.title}” removed from item {item.number}.")
        return _back(meeting, f"agenda-item-{item.pk}")
    return render(
        request,
        "commissions/agenda_paper_remove.html",
        {"meeting": meeting, "commission": meeting.commission, "item": item, "paper": paper},
    )


# Sending and printing -------------------------------------------------------


@require_POST
def agenda_send(request, pk):
    meeting = _meeting(request, pk)
    if meeting.is_locked:
        return _locked(request, meeting)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            agenda_services.withdraw_agenda(request.user, meeting)
        else:
            agenda_services.send_agenda(request.user, meeting)
    except AgendaRefused as refusal:
        messages.error(request, str(refusal))
    except StaleVersion:
        messages.error(request, "Someone else changed this meeting at the same moment. Nothing was changed: try again.")
    else:
        messages.success(
            request,
            "The agenda is withdrawn: it is no longer shown as sent."
            if withdraw
            else "The agenda is sent: it is shown as sent, with its papers.",
        )
    return _back(meeting)


@require_safe
def meeting_agenda_print(request, pk):
    meeting = _visible(request, Meeting.objects.select_related("commission"), pk=pk)
    rows = agenda_services.outline(request.user, meeting)
    return render(request, "commissions/agenda_print.html", {"meeting": meeting, "rows": rows})
