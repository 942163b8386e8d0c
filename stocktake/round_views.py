"""The pages on which ICS reviewers run rounds: open one, manage it, extend a borough's deadline, close, reopen.

Views stay thin: who may do what, and every write, is ``stocktake.rounds``'s.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.shortcuts import redirect, render
from django.utils.formats import date_format

from atf.models import Framework
from atf.text import normalise_characters
from atf.versioning import StaleVersion

from . import rounds
from .models import DEFAULT_REMINDER_DAYS, Return, Round, reminder_day_list
from .returns import closed_message

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 31/03/2026") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text=help_text,
        error_messages={"invalid": "Enter a real date, like 31/03/2026", "required": f"Enter the {label.lower()}"},
        # A stocktake runs this century: a year typed as 0001 or 2206 is a slip, not a plan.
        validators=[
            MinValueValidator(date(2000, 1, 1), message="Enter a date from the year 2000 on, like 31/03/2026"),
            MaxValueValidator(date(2100, 12, 31), message="Enter a date before the year 2101, like 31/03/2026"),
        ],
    )


def _day(value) -> str:
    return date_format(value, "j F Y") if value else "none"


def version_from(value: str) -> int | None:
    """The version a form was opened at; None when it had none (or was tampered with: then it is stale)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def clean_reminder_days(text: str) -> str:
    """“7,14 , 1” as “14, 7, 1”, or the message saying what to type instead."""
    try:
        days = reminder_day_list(text)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages[0]) from exc
    return ", ".join(str(d) for d in days)


class RoundForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="As people will know it, e.g. “ATF Stocktake Oct-Dec 2025”.",
        error_messages={"required": "Enter a name for the round"},
    )
    framework = forms.ModelChoiceField(
        label="Framework",
        queryset=Framework.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the framework", "invalid_choice": "Choose one of the frameworks listed"},
    )
    period_start = date_field("Period start")
    period_end = date_field("Period end")
    deadline = date_field("Deadline", help_text="When returns are due. For example, 31/03/2026")
    reminder_days = forms.CharField(
        label="Reminder days",
        required=False,
        max_length=60,
        initial=DEFAULT_REMINDER_DAYS,
        help_text="How many days before the deadline each lead whose return is not submitted is reminded, "
        "separated by commas. For example, 14, 7, 1. Leave it blank for no reminders.",
    )
    previous = forms.ModelChoiceField(
        label="Start from the previous round",
        required=False,
        queryset=Round.objects.none(),
        empty_label="No: start with no entries",
        help_text="Each borough's own entries in the round you choose are copied in as drafts, for its lead to "
        "update. Entries at ICS, sub-region and combined-authority level are not copied.",
        error_messages={"invalid_choice": "Choose one of the rounds listed"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A new round uses the current version of its system's framework; earlier versions keep their own rounds.
        current = rounds.openable_frameworks(user).filter(Framework.newest())
        self.fields["framework"].queryset = current
        self.fields["framework"].label_from_instance = lambda f: f"{f.title}, {f.version_label}"
        if not self.is_bound:
            self.initial.setdefault("framework", current.order_by("system__name").first())
        self.fields["previous"].queryset = rounds.copyable_rounds(user)
        self.fields["previous"].label_from_instance = lambda r: f"{r} ({r.get_status_display().lower()})"

    def clean_reminder_days(self):
        return clean_reminder_days(self.cleaned_data["reminder_days"])

    def clean_name(self):
        name = " ".join(normalise_characters(self.cleaned_data["name"]).split())
        problem = rounds.name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean(self):
        cleaned = super().clean()
        start, end, deadline = cleaned.get("period_start"), cleaned.get("period_end"), cleaned.get("deadline")
        if start and end and end < start:
            self.add_error("period_end", "The period must end on or after the day it starts")
        if start and deadline and deadline < start:
            self.add_error("deadline", "The deadline must be on or after the day the period starts")
        previous, framework = cleaned.get("previous"), cleaned.get("framework")
        # An earlier version's round will do: its entries move to the same-numbered themes of the new version.
        if previous and framework and previous.framework.system_id != framework.system_id:
            self.add_error("previous", f"Choose a round of {framework.system}'s framework, or none")
        return cleaned


class DeadlineForm(forms.Form):
    deadline = date_field(
        "This borough's deadline",
        required=False,
        help_text="For example, 14/04/2026. Leave it blank to use the round's deadline.",
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline and self.round.deadline and deadline < self.round.deadline:
            raise forms.ValidationError(
                f"Choose a date on or after the round's deadline, {_day(self.round.deadline)}, "
                "or leave it blank to use the round's deadline"
            )
        return deadline

    def clean_version(self):
        return version_from(self.cleaned_data["version"])


class ScheduleForm(forms.Form):
    deadline = date_field("Deadline", required=False, help_text="When returns are due. For example, 31/03/2026")
    reminder_days = forms.CharField(
        label="Reminder days",
        required=False,
        max_length=60,
        help_text="How many days before the deadline each lead whose return is not submitted is reminded, "
        "separated by commas. For example, 14, 7, 1. Leave it blank for no reminders.",
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_reminder_days(self):
        return clean_reminder_days(self.cleaned_data["reminder_days"])

    def clean_version(self):
        return version_from(self.cleaned_data["version"])


class StatusForm(forms.Form):
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_version(self):
        return version_from(self.cleaned_data["version"])


def round_new(request):
    if not rounds.may_open_rounds(request.user):
        raise PermissionDenied("Only ICS reviewers can open rounds.")
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            opened = rounds.open_round(request.user, **form.cleaned_data)
        except rounds.NameTaken as exc:
            form.add_error("name", str(exc))
        else:
            copied = f" {opened.copied} borough entr{'y' if opened.copied == 1 else 'ies'} copied in as drafts."
            messages.success(request, f"“{opened.round}” is open.{copied if form.cleaned_data['previous'] else ''}")
            return redirect("stocktake:round_manage", opened.round.slug)
    return render(request, "stocktake/round_form.html", {"form": form})


def round_manage(request, round_slug):
    round_ = rounds.managed_round(request.user, round_slug)
    context = {
        "round": round_,
        "boroughs": rounds.borough_returns(round_),
        "closed_message": closed_message(round_),
    }
    return render(request, "stocktake/round_manage.html", context)


def round_schedule(request, round_slug):
    """The round's deadline and the days on which leads are reminded of it."""
    round_ = rounds.managed_round(request.user, round_slug)
    initial = {
        "deadline": round_.deadline.strftime("%d/%m/%Y") if round_.deadline else "",
        "reminder_days": round_.reminder_days,
        "version": round_.version,
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    problem = None
    if request.method == "POST" and form.is_valid():
        try:
            done = rounds.set_schedule(
                request.user,
                round_,
                deadline=form.cleaned_data["deadline"],
                reminder_days=form.cleaned_data["reminder_days"],
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            round_.refresh_from_db()
            problem = (
                f"Someone else changed “{round_}” after you opened this page, so nothing was saved. Its deadline "
                f"is now {_day(round_.deadline)} and its reminder days “{round_.reminder_days or 'none'}”: "
                "check them and save again."
            )
            form = ScheduleForm(initial={**initial, "version": round_.version})
        else:
            saved = done.round
            days = saved.reminder_days or "no reminders"
            cleared = (
                f" The round's deadline is now after the extended deadline of {', '.join(map(str, done.cleared))}, "
                "so they are due on the round's deadline too."
                if done.cleared
                else ""
            )
            messages.success(request, f"“{saved}” is due on {_day(saved.deadline)}, with reminders: {days}.{cleared}")
            return redirect("stocktake:round_manage", saved.slug)
    return render(request, "stocktake/round_schedule.html", {"round": round_, "form": form, "problem": problem})


def _current_return(round_, place) -> Return | None:
    return Return.objects.filter(round=round_, place=place).first()


def _return_now(return_: Return | None, round_: Round) -> str:
    """A borough's return as it stands, in words, for a refused stale form."""
    if return_ is None:
        return f"no return started, due on the round's deadline ({_day(round_.deadline)})"
    own = f"its own deadline {_day(return_.deadline)}" if return_.deadline else f"the round's ({_day(round_.deadline)})"
    return f"{return_.get_status_display()}, due on {own}"


def return_deadline(request, round_slug, place_slug):
    """Extend (or clear) one borough's deadline."""
    round_ = rounds.managed_round(request.user, round_slug)
    place = rounds.round_borough(round_, place_slug)
    if not round_.is_open:
        messages.error(request, closed_message(round_))
        return redirect("stocktake:round_manage", round_.slug)
    return_ = _current_return(round_, place)

    def fresh_form(current):
        # As the field reads dates back (31/03/2026), not as the page would show a date.
        deadline = current.deadline.strftime("%d/%m/%Y") if current and current.deadline else ""
        initial = {"deadline": deadline, "version": current.version if current else ""}
        return DeadlineForm(round_=round_, initial=initial)

    form = DeadlineForm(request.POST, round_=round_) if request.method == "POST" else fresh_form(return_)
    problem = None
    if request.method == "POST" and form.is_valid():
        deadline = form.cleaned_data["deadline"]
        try:
            saved = rounds.set_deadline(request.user, round_, place, deadline, version=form.cleaned_data["version"])
        except rounds.RoundClosed as exc:
            messages.error(request, str(exc))
            return redirect("stocktake:round_manage", round_.slug)
        except StaleVersion:
            # Show what the return holds now, with a form opened at its new version; nothing was written.
            return_ = _current_return(round_, place)
            problem = (
                f"Someone else changed {place}'s return after you opened this page, so nothing was saved. "
                f"It now stands at: {_return_now(return_, round_)}. Check the date and save again to change it."
            )
            form = fresh_form(return_)
        else:
            if saved.deadline:
                messages.success(request, f"{place}'s return is now due on {_day(saved.deadline)}.")
            else:
                messages.success(request, f"{place}'s return is due on the round's deadline again.")
            return redirect("stocktake:round_manage", round_.slug)
    context = {"round": round_, "place": place, "return": return_, "form": form, "problem": problem}
    return render(request, "stocktake/round_deadline.html", context)


STATUS_PAGES = {
    Round.Status.CLOSED: {
        "title": "Close the round",
        "button": "Yes, close the round",
        "done": "is closed. Its entries can be read but no longer changed.",
    },
    Round.Status.OPEN: {
        "title": "Reopen the round",
        "button": "Yes, reopen the round",
        "done": "is open again. Leads can change their drafts and returned returns.",
    },
}


def _change_status(request, round_slug, status):
    """Close or reopen: a confirmation page, then the POST from it."""
    round_ = rounds.managed_round(request.user, round_slug)
    page = STATUS_PAGES[status]
    problem = None
    if request.method == "POST":
        form = StatusForm(request.POST)
        form.is_valid()  # a hidden field that cannot be wrong: a missing or odd version is simply stale
        try:
            changed = rounds.set_status(request.user, round_, status, version=form.cleaned_data.get("version"))
        except rounds.NothingToDo as exc:
            messages.info(request, str(exc))
            return redirect("stocktake:round_manage", round_.slug)
        except StaleVersion:
            round_.refresh_from_db()
            problem = (
                f"Someone else changed “{round_}” after you opened this page, so nothing was saved. It is now "
                f"{round_.get_status_display().lower()}, with the deadline {_day(round_.deadline)}."
            )
        else:
            messages.success(request, f"“{changed}” {page['done']}")
            return redirect("stocktake:round_manage", changed.slug)
    elif round_.status == status:
        messages.info(request, f"“{round_}” is already {round_.get_status_display().lower()}.")
        return redirect("stocktake:round_manage", round_.slug)
    context = {
        "round": round_,
        "page": page,
        "closing": status == Round.Status.CLOSED,
        "form": StatusForm(initial={"version": round_.version}),
        "problem": problem,
        "already": round_.status == status,
    }
    return render(request, "stocktake/round_status.html", context)


def round_close(request, round_slug):
    return _change_status(request, round_slug, Round.Status.CLOSED)


def round_reopen(request, round_slug):
    return _change_status(request, round_slug, Round.Status.OPEN)
