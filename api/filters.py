"""The API's filters: those of the pages where there are pages (the entries' are the entries page's own)."""

from __future__ import annotations

import django_filters
from django import forms

from atf.models import BeaconIndicator, Framework, Theme
from boroughs.models import Place
from commissions.models import Action, Commission, Meeting
from indicators.models import IndicatorValue
from stocktake.filters import EntryFilterSet, scoped
from stocktake.models import Return, Round


class EntryFilter(EntryFilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated", lookup_expr="gte", label="Changed at or after (ISO 8601 date and time)"
    )

    class Meta(EntryFilterSet.Meta):
        fields = [*EntryFilterSet.Meta.fields, "updated_since"]


class ReturnFilter(django_filters.FilterSet):
    round = django_filters.ModelChoiceFilter(queryset=scoped(Round))
    place = django_filters.ModelChoiceFilter(queryset=scoped(Place))
    status = django_filters.ChoiceFilter(choices=Return.Status.choices)

    class Meta:
        model = Return
        fields = ["round", "place", "status"]


class RoundFilter(django_filters.FilterSet):
    framework = django_filters.ModelChoiceFilter(queryset=scoped(Framework))

    class Meta:
        model = Round
        fields = ["framework", "status"]


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class IndicatorValueFilter(django_filters.FilterSet):
    indicator = django_filters.ModelChoiceFilter(queryset=scoped(BeaconIndicator))
    area_code = django_filters.CharFilter(field_name="area__code")
    place = django_filters.ModelChoiceFilter(field_name="area__place", queryset=scoped(Place))
    period_start = WholeNumberFilter(label="First year of the period")

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "area_code", "place", "period_start", "sex", "breakdown"]


class MeetingFilter(django_filters.FilterSet):
    commission = django_filters.ModelChoiceFilter(queryset=scoped(Commission))
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices)
    after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Meeting
        fields = ["commission", "status", "kind", "after", "before"]


class ActionFilter(django_filters.FilterSet):
    commission = django_filters.ModelChoiceFilter(queryset=scoped(Commission))
    meeting = django_filters.ModelChoiceFilter(queryset=scoped(Meeting))
    status = django_filters.ChoiceFilter(choices=Action.Status.choices)
    theme = django_filters.ModelChoiceFilter(queryset=scoped(Theme))
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte")
    created_since = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte")

    class Meta:
        model = Action
        fields = ["commission", "meeting", "status", "theme", "due_before", "created_since"]
