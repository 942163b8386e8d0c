"""The approval steps and amendments on the pages: thin views over ``approval``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from atf import access
from atf.versioning import StaleVersion

from . import approval
from .models import Meeting, Paragraph
from .views import _changeable, _visible

# Long enough for any paragraph of real minutes, short enough that a request stays small.
MAX_PARAGRAPH_CHARS = 20_000
MAX_REASON_CHARS = 2_000


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _back(meeting) -> str:
    return reverse("commissions:meeting_detail", args=[meeting.pk]) + "#approval"


def _step(request, pk, run, done: str):
    meeting = _changeable(request, Meeting, pk=pk)
    try:
        run(request.user, meeting, version=_version(request))
    except approval.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)
    return redirect(_back(meeting))


@require_POST
def meeting_circulate(request, pk):
    return _step(
        request,
        pk,
        approval.circulate,
        "The draft minutes are circulated for comment: the commission's members who sign in here are told.",
    )


@require_POST
def meeting_return_to_draft(request, pk):
    return _step(request, pk, approval.return_to_draft, "The minutes are a draft again: edit them, then circulate.")


@require_POST
def meeting_approve(request, pk):
    meeting = _changeable(request, Meeting, pk=pk)
    try:
        chosen = int(request.POST.get("approving_meeting", ""))
    except ValueError:
        chosen = None
    # Only the same commission's later meetings are offered; any other number is refused by the service.
    at_meeting = Meeting.objects.filter(pk=chosen, commission_id=meeting.commission_id).first()
    try:
        approval.approve(request.user, meeting, at_meeting, version=_version(request))
    except approval.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"The minutes are approved as a correct record at the meeting held on {approval.held_on(at_meeting)}, "
            "and locked: correct them from now on with an amendment. Publish them when they may be read.",
        )
    return redirect(_back(meeting))


def meeting_publish(request, pk):
    """Approved minutes published, after a page that says who will then read them."""
    meeting = _changeable(request, Meeting, pk=pk)
    if request.method == "POST":
        return _step(
            request,
            pk,
            approval.publish,
            "The minutes are published: the other commissions of the ICS, its leads and viewers can now read them.",
        )
    if "publish" not in approval.allowed_steps(meeting):
        messages.error(request, "Only approved minutes are published: approve them at a later meeting first.")
        return redirect(_back(meeting))
    return render(request, "commissions/publish_confirm.html", {"meeting": meeting, "commission": meeting.commission})


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label="The corrected text",
        max_length=MAX_PARAGRAPH_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter the corrected text of the paragraph",
            "max_length": f"Enter at most {MAX_PARAGRAPH_CHARS:,} characters",
        },
    )
    reason = forms.CharField(
        label="Why it is corrected",
        help_text="For example, “Name of the presenter corrected”. Shown with the amendment under the paragraph.",
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the approved text is corrected",
            "max_length": f"Enter at most {MAX_REASON_CHARS:,} characters",
        },
    )
    # The paragraph's version when the form was opened: an amendment made meanwhile is not overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, paragraph: Paragraph, **kwargs):
        super().__init__(*args, **kwargs)
        self.paragraph = paragraph

    def clean_text(self):
        text = self.cleaned_data["text"].replace("\r\n", "\n").strip()
        if text == self.paragraph.text.strip():
            raise forms.ValidationError("Change the text: it is the same as the approved text")
        return text


def paragraph_amend(request, pk):
    paragraph = _visible(request, Paragraph, pk=pk)
    meeting = paragraph.item.meeting
    if not access.can(request.user, access.CHANGE, meeting):
        raise PermissionDenied("You may read these minutes but not amend them.")
    if not meeting.is_locked:
        messages.info(request, "These minutes are not approved yet: edit the paragraph on the meeting's page.")
        return redirect(reverse("commissions:meeting_detail", args=[meeting.pk]) + f"#paragraph-{paragraph.pk}")
    form = AmendmentForm(
        request.POST or None, paragraph=paragraph, initial={"text": paragraph.text, "version": paragraph.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            approval.amend_paragraph(
                request.user,
                paragraph,
                form.cleaned_data["text"],
                form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            paragraph.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(paragraph.version)
            form = AmendmentForm(data, paragraph=paragraph)
            form.is_valid()
            form.add_error(
                "text",
                "Someone else amended this paragraph after you opened the page: it now reads as shown above. "
                "Your amendment was not saved; check your text below and save again.",
            )
        else:
            messages.success(request, f"Paragraph {paragraph.number} amended: the amendment is shown under it.")
            return redirect(reverse("commissions:meeting_detail", args=[meeting.pk]) + f"#paragraph-{paragraph.pk}")
    return render(
        request,
        "commissions/amendment_form.html",
        {
            "form": form,
            "paragraph": paragraph,
            "meeting": meeting,
            "commission": meeting.commission,
            "amendments": paragraph.amendments.select_related("made_by"),
        },
    )
