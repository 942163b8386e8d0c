import django_filters
from django.db.models import Exists, OuterRef, Q

from atf import access
from atf.models import BeaconIndicator, Recommendation, SystemRecommendation, Theme
from boroughs.models import Place

from .models import Entry, Level, Return, Round


def scoped(model, action=access.VIEW):
    def queryset(request):
        if request is None:
            return model.objects.none()
        return access.restrict(model.objects.all(), request.user, action)

    return queryset


def _places_with_visible_entries(request):
    """Boroughs named by entries the user may view: the tenant rule decides, through the entries."""
    if request is None:
        return Place.objects.none()
    entries = access.restrict(Entry.objects.all(), request.user, access.VIEW)
    return Place.objects.filter(kind=Place.Kind.BOROUGH, entries__in=entries).distinct().order_by("name")


class EntryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Text contains", method="filter_text")
    round = django_filters.ModelChoiceFilter(queryset=scoped(Round))
    theme = django_filters.ModelChoiceFilter(queryset=scoped(Theme))
    system_recommendation = django_filters.ModelChoiceFilter(
        queryset=scoped(SystemRecommendation), label="System recommendation"
    )
    recommendation = django_filters.ModelChoiceFilter(
        field_name="recommendations", queryset=scoped(Recommendation), label="Recommendation"
    )
    indicator = django_filters.ModelChoiceFilter(
        field_name="indicators", queryset=scoped(BeaconIndicator), label="Beacon indicator"
    )
    level = django_filters.ChoiceFilter(choices=Level.choices)
    place = django_filters.ModelChoiceFilter(field_name="places", queryset=_places_with_visible_entries, label="Place")
    status = django_filters.ChoiceFilter(choices=Return.Status.choices, label="Return status", method="filter_status")

    class Meta:
        model = Entry
        fields = [
            "q",
            "round",
            "theme",
            "system_recommendation",
            "recommendation",
            "indicator",
            "level",
            "place",
            "status",
        ]

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(text__icontains=word) | Q(lead_in__icontains=word))
        return queryset

    def filter_status(self, queryset, name, value):
        returns = Return.objects.filter(round=OuterRef("round"), place__entries=OuterRef("pk"), status=value)
        if value == Return.Status.DRAFT:
            any_return = Return.objects.filter(round=OuterRef("round"), place__entries=OuterRef("pk"))
            return queryset.filter(Exists(returns) | ~Exists(any_return))
        return queryset.filter(Exists(returns))
