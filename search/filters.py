"""The search form: words, and the filters that narrow them, each applied to every kind of result.

One form is validated once per request, then ``filter_queryset`` is run on
each kind's queryset (paragraphs, decisions, workshop questions, actions,
entries) in turn: each
filter knows how to reach its field from each kind. A filter that does not
apply to a kind leaves that kind out (a commission has no stocktake entries; a
round has no minutes), so that what is shown always honours every filter.

Every choice offered is read through the tenant rule: a commission, meeting,
round or place the user may not see is neither listed nor accepted.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone

from atf import access
from commissions.models import Action, ActionUpdate, Commission, Decision, Meeting, Paragraph, WorkshopQuestion
from stocktake.filters import _places_with_visible_entries, scoped
from stocktake.models import Entry, Round

from . import query

KIND_CHOICES = [
    ("minutes", "Minutes"),
    ("decisions", "Decisions and recommendations"),
    ("questions", "Workshop questions"),
    ("actions", "Actions"),
    ("entries", "Stocktake entries"),
]
KIND_OF = {
    Paragraph: "minutes",
    Decision: "decisions",
    WorkshopQuestion: "questions",
    Action: "actions",
    Entry: "entries",
}

# Per kind: the fields whose text is searched, and the paths to its meeting and commission.
SEARCHED = {
    Paragraph: ("text",),
    Decision: ("text",),
    WorkshopQuestion: ("question", "key_points", "contributions"),
    Action: ("description", "owner", "reference"),
    Entry: ("lead_in", "text"),
}
MEETING = {Paragraph: "item__meeting", Decision: "meeting", WorkshopQuestion: "meeting", Action: "meeting"}
COMMISSION = {
    Paragraph: "item__meeting__commission",
    Decision: "meeting__commission",
    WorkshopQuestion: "meeting__commission",
    Action: "commission",
}


def day(value) -> str:
    """A date, or a date and time shown as its local day, as the pages write it: 3 March 2025."""
    if value is None:
        return "date not recorded"
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, "j F Y")


def meeting_name(meeting) -> str:
    return f"{meeting.title or meeting.get_kind_display()}, {day(meeting.starts_at)}"


class TermsField(forms.CharField):
    """The search box: cleaned to its list of words and phrases, refused past the limits."""

    widget = forms.SearchInput

    def __init__(self, **kwargs):
        kwargs.update(required=False, strip=True)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if len(value) > query.MAX_QUERY_CHARS:
            raise forms.ValidationError(query.too_long(len(value)), code="too_long")
        found = query.terms(value)
        if len(found) > query.MAX_TERMS:
            raise forms.ValidationError(query.too_many_terms(len(found)), code="too_many_terms")
        return found


class TermsFilter(django_filters.Filter):
    field_class = TermsField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


# A date picker sends 2025-04-01; typed where there is none, 1/4/2025 is taken as well.
DATE = {
    "input_formats": ["%Y-%m-%d", "%d/%m/%Y"],
    "error_messages": {"invalid": "Enter a real date, for example 1/4/2025."},
}


class MeetingField(forms.ModelChoiceField):
    def label_from_instance(self, meeting):
        shown = "" if meeting.is_published else f" ({meeting.get_status_display().lower()})"
        return meeting_name(meeting) + shown


class MeetingFilter(django_filters.ModelChoiceFilter):
    field_class = MeetingField


class SearchForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The “to” date must be the same as or after the “from” date.")
        return cleaned


def _meetings_of_chosen_commission(filterset):
    """The meetings the user may see of the commission chosen in the form; none until one is chosen."""
    chosen = (filterset.data or {}).get("commission", "")
    if not chosen.isdigit():
        return Meeting.objects.none()
    meetings = Meeting.objects.filter(commission_id=int(chosen)).order_by(F("starts_at").desc(nulls_last=True), "pk")
    return access.restrict(meetings, filterset.request.user, access.VIEW)


class SearchFilterSet(django_filters.FilterSet):
    q = TermsFilter(label="Words to find", method="filter_words")
    kind = django_filters.MultipleChoiceFilter(
        label="Search in",
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        method="filter_kind",
        help_text="Leave them all unticked to search everything.",
        error_messages={"invalid_choice": "Choose from the kinds listed."},
    )
    commission = django_filters.ModelChoiceFilter(
        label="Commission",
        queryset=scoped(Commission),
        method="filter_commission",
        empty_label="Any commission",
        error_messages={"invalid_choice": "Choose one of the commissions listed."},
    )
    meeting = MeetingFilter(
        label="Meeting",
        queryset=Meeting.objects.none(),  # replaced per request: the chosen commission's meetings
        method="filter_meeting",
        empty_label="Any meeting",
        error_messages={"invalid_choice": "Choose one of the meetings listed for the commission chosen."},
    )
    date_from = django_filters.DateFilter(
        label="From", widget=DateInput(), method="filter_from", help_text="For example 1/4/2025.", **DATE
    )
    date_to = django_filters.DateFilter(
        label="To", widget=DateInput(), method="filter_to", help_text="For example 31/3/2026.", **DATE
    )
    round = django_filters.ModelChoiceFilter(
        label="Round",
        queryset=scoped(Round),
        method="filter_round",
        empty_label="Any round",
        error_messages={"invalid_choice": "Choose one of the rounds listed."},
    )
    place = django_filters.ModelChoiceFilter(
        label="Place",
        queryset=_places_with_visible_entries,
        method="filter_place",
        empty_label="Any place",
        error_messages={"invalid_choice": "Choose one of the places listed."},
    )

    class Meta:
        form = SearchForm
        fields = ["q", "kind", "commission", "meeting", "date_from", "date_to", "round", "place"]

    def __init__(self, data=None, *, request):
        super().__init__(data, queryset=Paragraph.objects.none(), request=request)
        meetings = _meetings_of_chosen_commission(self)
        self.filters["meeting"].queryset = lambda request: meetings

    @property
    def terms(self) -> list[str]:
        return self.form.cleaned_data.get("q") or []

    @property
    def kinds(self) -> list[str]:
        """The kinds searched, in the page's order."""
        chosen = self.form.cleaned_data.get("kind") or [key for key, _ in KIND_CHOICES]
        return [key for key, _ in KIND_CHOICES if key in chosen]

    def left_out(self, key: str) -> str | None:
        """Why a kind is not searched at all, where a filter chosen does not apply to it."""
        chosen = self.form.cleaned_data
        if key == "entries" and (chosen.get("commission") or chosen.get("meeting")):
            return "Not searched: a commission is chosen, and stocktake entries belong to none."
        if key != "entries" and (chosen.get("round") or chosen.get("place")):
            return "Not searched: a stocktake round or place is chosen, which only entries have."
        return None

    def filter_words(self, queryset, name, terms):
        model = queryset.model
        extra = None
        if model is Action:
            # An action is found by its progress updates too, read through the same rule.
            def extra(term):
                updates = access.restrict(
                    ActionUpdate.objects.filter(action=OuterRef("pk"), text__icontains=term),
                    self.request.user,
                    access.VIEW,
                )
                return Exists(updates)

        return queryset.filter(query.matching(SEARCHED[model], terms, extra))

    def filter_kind(self, queryset, name, kinds):
        return queryset if KIND_OF[queryset.model] in kinds else queryset.none()

    def filter_commission(self, queryset, name, commission):
        path = COMMISSION.get(queryset.model)
        return queryset.filter(**{path: commission}) if path else queryset.none()

    def filter_meeting(self, queryset, name, meeting):
        path = MEETING.get(queryset.model)
        return queryset.filter(**{path: meeting}) if path else queryset.none()

    # Dates: the meeting's for minutes, decisions and actions (an action with no meeting is then left out);
    # for an entry, its round's period, which must overlap the dates asked for (a round with no period is
    # then left out).
    def filter_from(self, queryset, name, day):
        if queryset.model is Entry:
            return queryset.alias(round_ends=Coalesce("round__period_end", "round__period_start")).filter(
                round_ends__gte=day
            )
        return queryset.filter(**{f"{MEETING[queryset.model]}__starts_at__date__gte": day})

    def filter_to(self, queryset, name, day):
        if queryset.model is Entry:
            return queryset.filter(round__period_start__lte=day)
        return queryset.filter(**{f"{MEETING[queryset.model]}__starts_at__date__lte": day})

    def filter_round(self, queryset, name, round_):
        return queryset.filter(round=round_) if queryset.model is Entry else queryset.none()

    def filter_place(self, queryset, name, place):
        if queryset.model is not Entry:
            return queryset.none()
        return queryset.filter(Exists(Entry.places.through.objects.filter(entry=OuterRef("pk"), place=place)))
