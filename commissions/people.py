"""Actions and members on the pages: an action's owner, due date and links; a commission's seats and terms.

Reads go through the tenant rule (``views._visible``: 404 for what the user may not see, 403 for what
they may see but not change); writes through ``people_services``. Every dropdown offers only what the
user may attach (``access.ATTACH``): this commission's members, priorities and minutes, and its ICS's
framework, so that a row of another tenant posted into the form is refused as an invalid choice.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from atf import access
from atf.models import BeaconIndicator, Framework, Recommendation, Theme
from atf.versioning import StaleVersion

from . import people_services
from .dates import plausible_year
from .models import ADDED_TO_LOCKED_MINUTES, Action, Commission, Meeting, Member, Paragraph, Priority
from .seats import POSITION_HEADINGS, MemberChoiceField, is_former, members_in_order
from .views import _changeable

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _date_field(label: str, *, required: bool = False, **extra) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        validators=[plausible_year],
        input_formats=DATE_FORMATS,
        help_text=extra.pop("help_text", "For example, 31/01/2027"),
        error_messages={"invalid": "Enter a real date like 31/01/2027", **extra.pop("error_messages", {})},
        **extra,
    )


def _version_field() -> forms.IntegerField:
    # The row's version when the page was opened: a save from an older page is refused (StaleVersion).
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


def commission_url(commission: Commission) -> str:
    return reverse("commissions:commission_detail", args=[commission.slug])


def members_by_position(commission: Commission, today: date | None = None) -> dict:
    """The commission's seats for its page, in one query: ``current`` as (heading, members) pairs, and ``former``."""
    today = today or timezone.localdate()
    current: dict[str, list[Member]] = {}
    former: list[Member] = []
    for member in members_in_order(commission.members.all(), today):
        if is_former(member, today):
            former.append(member)
        else:
            current.setdefault(POSITION_HEADINGS.get(member.position, member.get_position_display()), []).append(member)
    return {"current": list(current.items()), "former": former, "today": today}


# Actions ---------------------------------------------------------------------------------


class RecommendationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, recommendation: Recommendation) -> str:
        text = recommendation.text if len(recommendation.text) <= 120 else recommendation.text[:119] + "…"
        return f"{recommendation.code} {text}"


class ActionForm(forms.ModelForm):
    """An action's text, owner, due date, status and links, for adding and for editing.

    The owner is a role, a member or an organisation: one radio each, with the field that goes with it
    beside it (NHS.UK conditional radios). All three fields are sent whether or not the browser runs the
    script that hides the two not chosen, so only the chosen kind's field is read and checked.
    """

    owner_kind = forms.ChoiceField(
        label="Who owns the action?",
        choices=Action.OwnerKind.choices,
        widget=forms.RadioSelect,
        required=False,  # one is always checked on the page; a post without any is read as a role
        error_messages={"invalid_choice": "Choose a role, a member or an organisation"},
    )
    owner = forms.CharField(
        label="Role",
        required=False,
        help_text="For example, Head of Performance and Population",
    )
    owner_member = MemberChoiceField(
        queryset=Member.objects.none(),
        label="Member",
        required=False,
        empty_label="Choose a member",
        help_text="Current members first. The owner shown is the member's role, and their name where recorded.",
        error_messages={"invalid_choice": "Choose one of this commission's members"},
    )
    owner_organisation = forms.CharField(
        label="Organisation", required=False, help_text="For example, St Helens Borough Council"
    )
    due = _date_field("Due date")
    status = forms.ChoiceField(
        label="Status",
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        required=False,  # a new action is open
        error_messages={"invalid_choice": "Choose a status"},
    )
    paragraph = forms.ModelChoiceField(
        queryset=Paragraph.objects.none(),
        label="Arising from minute",
        required=False,
        empty_label="Not from a paragraph",
        error_messages={"invalid_choice": "Choose a paragraph of this meeting's minutes"},
    )
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(),
        label="Commission priority",
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of this commission's priorities"},
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        label="Marmot theme",
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of the framework's Marmot themes"},
    )
    recommendation = RecommendationChoiceField(
        queryset=Recommendation.objects.none(),
        label="Marmot recommendation",
        required=False,
        empty_label="None",
        help_text="One of the theme's recommendations; choosing one without a theme sets its theme.",
        error_messages={"invalid_choice": "Choose one of the framework's recommendations"},
    )
    indicator = forms.ModelChoiceField(
        queryset=BeaconIndicator.objects.none(),
        label="Beacon indicator",
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose one of the framework's beacon indicators"},
    )
    version = _version_field()

    OWNER_MAX = Action._meta.get_field("owner").max_length

    class Meta:
        model = Action
        fields = [
            "description",
            "owner_kind",
            "owner",
            "owner_member",
            "due",
            "status",
            "paragraph",
            "priority",
            "theme",
            "recommendation",
            "indicator",
        ]
        labels = {"description": "What is to be done"}
        error_messages = {"description": {"required": "Enter what is to be done"}}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, commission: Commission, meeting: Meeting | None, **kwargs):
        super().__init__(*args, **kwargs)
        action = self.instance
        today = timezone.localdate()

        def attachable(queryset):
            return access.restrict(queryset, user, access.ATTACH)

        self.fields["owner_member"].queryset = members_in_order(attachable(commission.members.all()), today)
        self.fields["priority"].queryset = attachable(commission.priorities.all())
        self.fields["paragraph"].queryset = (
            attachable(Paragraph.objects.filter(item__meeting=meeting)).order_by(
                "item__position", "item__pk", "position", "pk"
            )
            if meeting is not None
            else Paragraph.objects.none()
        )
        # The framework the commission's ICS works to now; a link made to an older version is kept.
        system_id = commission.place.system_id
        current = Framework.current_for(system_id)
        in_system = Q(framework__system_id=system_id) & (Q(framework=current) if current else Q(pk__in=[]))
        self.fields["theme"].queryset = attachable(Theme.objects.filter(in_system | Q(pk=action.theme_id)))
        self.fields["recommendation"].queryset = attachable(
            Recommendation.objects.filter(
                Q(theme__framework__system_id=system_id, theme__framework=current) | Q(pk=action.recommendation_id)
            )
            .select_related("theme")
            .order_by("theme__number", "position")
        )
        self.fields["indicator"].queryset = attachable(
            BeaconIndicator.objects.filter(in_system | Q(pk=action.indicator_id))
        )
        if not self.is_bound:
            self.initial["version"] = action.version
            self.initial.setdefault("owner_kind", action.owner_kind or Action.OwnerKind.ROLE)
            # The owner's text shown in the box of its own kind only.
            if action.owner_kind == Action.OwnerKind.ORGANISATION:
                self.initial["owner_organisation"], self.initial["owner"] = action.owner, ""
            elif action.owner_kind == Action.OwnerKind.MEMBER:
                self.initial["owner"] = ""

    def clean_status(self):
        return self.cleaned_data["status"] or self.instance.status or Action.Status.OPEN

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise forms.ValidationError("Enter what is to be done")
        return text

    def _owner_text(self, field: str, missing: str) -> str:
        text = " ".join((self.cleaned_data.get(field) or "").split())
        if not text:
            self.add_error(field, missing)
        elif len(text) > self.OWNER_MAX:
            self.add_error(field, f"Enter at most {self.OWNER_MAX} characters (this is {len(text)})")
        return text

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("owner_kind") or Action.OwnerKind.ROLE
        cleaned["owner_kind"] = kind
        if kind == Action.OwnerKind.MEMBER:
            member = cleaned.get("owner_member")
            if member is not None:
                cleaned["owner"] = people_services.member_as_owner(member)
            elif "owner_member" not in self.errors:
                self.add_error("owner_member", "Choose the member who owns the action")
        else:
            if kind == Action.OwnerKind.ORGANISATION:
                cleaned["owner"] = self._owner_text("owner_organisation", "Enter the organisation that owns the action")
            else:
                cleaned["owner"] = self._owner_text("owner", "Enter the role that owns the action")
            cleaned["owner_member"] = None
        recommendation, theme = cleaned.get("recommendation"), cleaned.get("theme")
        if recommendation is not None and "theme" not in self.errors:
            if theme is None:
                cleaned["theme"] = recommendation.theme
            elif recommendation.theme_id != theme.pk:
                self.add_error(
                    "recommendation",
                    f"Recommendation {recommendation.code} is under theme {recommendation.theme.number}, not theme "
                    f"{theme.number}: choose one of theme {theme.number}'s recommendations, or change the theme",
                )
        return cleaned


def _stale(form, data_class, fresh, *, what: str, **form_kwargs):
    """The user's input back in the form, now at the row's newer version, with why nothing was saved."""
    data = form.data.copy()
    data["version"] = str(fresh.version)
    again = data_class(data, instance=fresh, **form_kwargs)
    again.is_valid()
    again.add_error(
        None,
        f"Someone else changed this {what} after you opened the page, so your changes were not saved. "
        "What they saved is shown beside the form; your changes are still in the form: check them and save again.",
    )
    return again


def action_add(request, pk):
    meeting = _changeable(request, Meeting, pk=pk)
    if meeting.is_locked:
        messages.error(request, ADDED_TO_LOCKED_MINUTES)
        return redirect("commissions:meeting_detail", meeting.pk)
    commission = meeting.commission
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        instance=Action(commission=commission, meeting=meeting),
        user=request.user,
        commission=commission,
        meeting=meeting,
    )
    if request.method == "POST" and form.is_valid():
        action = people_services.add_action(request.user, meeting, form.save(commit=False))
        messages.success(request, f"Action added to the log, owned by {action.owner}.")
        return redirect("commissions:meeting_detail", meeting.pk)
    return render(
        request,
        "commissions/action_form.html",
        {"form": form, "commission": commission, "meeting": meeting, "action": None},
    )


def action_edit(request, pk):
    """Change an action. Actions stay editable after their minutes are approved: they are chased after."""
    action = _changeable(request, Action, pk=pk)
    commission, meeting = action.commission, action.meeting
    kwargs = {"user": request.user, "commission": commission, "meeting": meeting}
    form = ActionForm(request.POST if request.method == "POST" else None, instance=action, **kwargs)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            people_services.update_action(
                request.user,
                form.save(commit=False),
                version=form.cleaned_data["version"],
                paragraph_changed="paragraph" in form.changed_data,
            )
        except StaleVersion:
            current = Action.objects.select_related("owner_member", "priority", "theme").get(pk=action.pk)
            form = _stale(form, ActionForm, current, what="action", **kwargs)
        else:
            messages.success(request, "Action saved.")
            return redirect("commissions:action_detail", action.pk)
    return render(
        request,
        "commissions/action_form.html",
        {"form": form, "commission": commission, "meeting": meeting, "action": action, "current": current},
    )


# Members ---------------------------------------------------------------------------------


class MemberForm(forms.ModelForm):
    starts = _date_field("Term starts", help_text="For example, 01/09/2021. Leave blank if not known.")
    ends = _date_field("Term ends", help_text="For example, 31/08/2025. Leave blank while the term runs on.")
    version = _version_field()

    class Meta:
        model = Member
        fields = ["position", "role_title", "organisation", "person_name", "starts", "ends"]
        labels = {
            "role_title": "Role",
            "person_name": "Person's name",
        }
        help_texts = {
            "role_title": "For example, Director of Public Health",
            "person_name": "Many seats are held by a role: a name is not needed.",
        }
        error_messages = {"role_title": {"required": "Enter the member's role"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].widget = forms.RadioSelect(choices=Member.Position.choices)
        self.fields["position"].error_messages["required"] = "Choose the member's position"
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean_role_title(self):
        text = " ".join(self.cleaned_data["role_title"].split())
        if not text:
            raise forms.ValidationError("Enter the member's role")
        return text

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", f"The term must end on or after the day it starts ({starts.day} {starts:%B %Y})")
        return cleaned


def member_add(request, slug):
    commission = _changeable(request, Commission, slug=slug)
    form = MemberForm(request.POST if request.method == "POST" else None, instance=Member(commission=commission))
    if request.method == "POST" and form.is_valid():
        member = people_services.save_member(request.user, form.save(commit=False))
        messages.success(request, f"{member.role_title} added to the members.")
        return redirect(f"{commission_url(commission)}#members")
    return render(request, "commissions/member_form.html", {"form": form, "commission": commission, "member": None})


def member_edit(request, pk):
    member = _changeable(request, Member, pk=pk)
    commission = member.commission
    form = MemberForm(request.POST if request.method == "POST" else None, instance=member)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            people_services.save_member(request.user, form.save(commit=False), version=form.cleaned_data["version"])
        except StaleVersion:
            current = Member.objects.get(pk=member.pk)
            form = _stale(form, MemberForm, current, what="member")
        else:
            messages.success(request, "Member saved.")
            return redirect(f"{commission_url(commission)}#members")
    return render(
        request,
        "commissions/member_form.html",
        {"form": form, "commission": commission, "member": member, "current": current, "today": timezone.localdate()},
    )


class EndTermForm(forms.Form):
    ends = _date_field(
        "Last day of the term",
        required=True,
        help_text="For example, 31/08/2025",
        error_messages={"required": "Enter the last day of the term"},
    )
    version = _version_field()

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_ends(self):
        ends, starts = self.cleaned_data["ends"], self.member.starts
        if starts and ends < starts:
            raise forms.ValidationError(
                f"The term must end on or after the day it started ({starts.day} {starts:%B %Y})"
            )
        return ends


def member_end(request, pk):
    """End a member's term: they stay on record, as a former member, with the actions and attendance they hold."""
    member = _changeable(request, Member, pk=pk)
    initial = {"ends": timezone.localdate().strftime("%d/%m/%Y"), "version": member.version}
    form = EndTermForm(request.POST if request.method == "POST" else None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.end_term(
                request.user, member, form.cleaned_data["ends"], version=form.cleaned_data["version"]
            )
        except StaleVersion:
            member.refresh_from_db()
            data = form.data.copy()
            data["version"] = str(member.version)
            form = EndTermForm(data, member=member)
            form.is_valid()
            form.add_error(
                None,
                "Someone else changed this member after you opened the page, so the term was not ended. "
                "Check the member's details below and end the term again.",
            )
        else:
            messages.success(request, f"The term of {member.role_title} ends on {member.ends:%d/%m/%Y}.")
            return redirect(f"{commission_url(member.commission)}#members")
    return render(
        request,
        "commissions/member_end.html",
        {"form": form, "member": member, "commission": member.commission, "today": timezone.localdate()},
    )


def member_remove(request, pk):
    """Remove a seat entered by mistake; one that owns actions or attendance is kept, and its term ended instead."""
    member = _changeable(request, Member, pk=pk)
    commission = member.commission
    refusal = None
    try:
        if request.method == "POST":
            people_services.remove_member(request.user, member)
            messages.success(request, f"{member.role_title} removed from the members.")
            return redirect(f"{commission_url(commission)}#members")
        actions, attendance = member.actions.count(), member.attendance.count()
        if actions or attendance:
            raise people_services.MemberInUse(member, actions, attendance)
    except people_services.MemberInUse as in_use:
        refusal = str(in_use)
    return render(
        request,
        "commissions/member_remove.html",
        {"member": member, "commission": commission, "refusal": refusal, "today": timezone.localdate()},
    )
