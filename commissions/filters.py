import django_filters
from django.db.models import Q
from django.utils import timezone

from atf import access
from atf.models import Theme

from .models import Action, Commission, Priority


def _scoped(model):
    def queryset(request):
        return access.restrict(model.objects.all(), request.user, access.VIEW) if request else model.objects.none()

    return queryset


class ActionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Action.Status.choices)
    owner = django_filters.CharFilter(lookup_expr="icontains", label="Owner contains")
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte", label="Due on or before (YYYY-MM-DD)")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    commission = django_filters.ModelChoiceFilter(queryset=_scoped(Commission))
    priority = django_filters.ModelChoiceFilter(queryset=_scoped(Priority))
    theme = django_filters.ModelChoiceFilter(queryset=_scoped(Theme))

    class Meta:
        model = Action
        fields = ["status", "owner", "due_before", "overdue", "commission", "priority", "theme"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=Action.OPEN_STATUSES, due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
