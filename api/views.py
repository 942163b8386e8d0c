"""The read API, /api/v1/: every resource is read through the one tenant rule (atf.access), as the pages are.

A row outside what the reader may view is a 404, never a 403: the API says nothing of rows it does not show.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import views as drf_views
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from atf import access
from atf.models import BeaconIndicator, Framework, Recommendation, SystemRecommendation, Theme
from boroughs.models import Place
from commissions.models import (
    Action,
    ActionUpdate,
    AgendaItem,
    AgendaPaper,
    Amendment,
    Commission,
    Decision,
    Meeting,
    Paragraph,
)
from indicators.exporting import compared_with_england, england_values
from indicators.models import IndicatorValue
from stocktake import coverage
from stocktake.models import Entry, Return, Round

from . import filters, serializers


def private(response):
    """Each answer is its reader's own: no shared cache may keep it or give it to another token."""
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def visible(queryset, request):
    return access.restrict(queryset, request.user, access.VIEW)


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A resource's rows as ``access.restrict`` gives them to the reader, in a stable order for paging."""

    queryset = None  # built per request in rows(), so that no query ever skips the rule
    ordering = ("pk",)

    def rows(self):
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Each parameter takes one value: a repeated one is refused, not quietly read as its last value.
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})

    def finalize_response(self, request, response, *args, **kwargs):
        # A refusal (400, 401, 404, 429...) is always JSON, even to a request for CSV: a spreadsheet of
        # one error cell would hide it, and clients read one error format.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None) is not None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        return private(response)

    def get_queryset(self):
        return visible(self.rows(), self.request).order_by(*self.ordering)


def _list_and_detail(summary: str):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {summary}", description="Pages of up to 1,000 rows (page_size); CSV with ?format=csv."
        ),
        retrieve=extend_schema(summary=f"One of the {summary}"),
    )


@_list_and_detail("places")
class PlaceViewSet(ScopedViewSet):
    serializer_class = serializers.PlaceSerializer
    filterset_fields = ["kind", "parent", "system"]

    def rows(self):
        return Place.objects.all()


@_list_and_detail("frameworks")
class FrameworkViewSet(ScopedViewSet):
    serializer_class = serializers.FrameworkSerializer

    def rows(self):
        return Framework.objects.all()


@_list_and_detail("themes")
class ThemeViewSet(ScopedViewSet):
    serializer_class = serializers.ThemeSerializer
    filterset_fields = ["framework"]
    ordering = ("framework", "number", "pk")

    def rows(self):
        return Theme.objects.all()


@_list_and_detail("recommendations")
class RecommendationViewSet(ScopedViewSet):
    serializer_class = serializers.RecommendationSerializer
    filterset_fields = ["theme", "theme__framework"]
    ordering = ("theme__framework", "theme__number", "position", "pk")

    def rows(self):
        return Recommendation.objects.select_related("theme")


@_list_and_detail("system recommendations")
class SystemRecommendationViewSet(ScopedViewSet):
    serializer_class = serializers.SystemRecommendationSerializer
    filterset_fields = ["framework"]
    ordering = ("framework", "number", "pk")

    def rows(self):
        return SystemRecommendation.objects.all()


@_list_and_detail("beacon indicators")
class IndicatorViewSet(ScopedViewSet):
    serializer_class = serializers.IndicatorSerializer
    filterset_fields = ["framework", "theme"]
    ordering = ("framework", "number", "pk")

    def rows(self):
        return BeaconIndicator.objects.all()


COVERAGE_VIEWS = ("themes", "recommendations", "indicators")


@_list_and_detail("stocktake rounds")
class RoundViewSet(ScopedViewSet):
    serializer_class = serializers.RoundSerializer
    filterset_class = filters.RoundFilter

    def rows(self):
        return Round.objects.all()

    @extend_schema(
        summary="A round's coverage: entries per place under each theme, recommendation or indicator",
        description="Counts the entries the reader may view, as the coverage page does.",
        parameters=[OpenApiParameter("by", OpenApiTypes.STR, enum=COVERAGE_VIEWS, default="themes")],
        responses=serializers.CoverageRowSerializer(many=True),
        filters=False,
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def coverage(self, request, pk=None):
        round_ = self.get_object()
        by = request.query_params.get("by", "themes")
        if by not in COVERAGE_VIEWS:
            raise ValidationError({"by": [f"Choose one of: {', '.join(COVERAGE_VIEWS)}."]})
        places, grid_rows = coverage.grid(request.user, round_, by)
        data = [
            {
                "code": row.code,
                "label": row.label,
                "total": row.total,
                "places": [
                    {"place": place.pk, "place_name": place.name, "entries": cell.count, "return_status": cell.status}
                    for place, cell in zip(places, row.cells, strict=True)
                ],
            }
            for row in grid_rows
        ]
        return Response(serializers.CoverageRowSerializer(data, many=True).data)


@_list_and_detail("returns (one per place and round)")
class ReturnViewSet(ScopedViewSet):
    serializer_class = serializers.ReturnSerializer
    filterset_class = filters.ReturnFilter
    ordering = ("round", "place__name", "pk")

    def rows(self):
        return Return.objects.select_related("place", "round")


@_list_and_detail("stocktake entries")
class EntryViewSet(ScopedViewSet):
    serializer_class = serializers.EntrySerializer
    filterset_class = filters.EntryFilter
    ordering = ("round", "position", "pk")

    def rows(self):
        user = self.request.user
        return Entry.objects.prefetch_related(
            Prefetch("places", queryset=access.restrict(Place.objects.all(), user, access.VIEW).order_by("name")),
            Prefetch("recommendations", queryset=access.restrict(Recommendation.objects.all(), user, access.VIEW)),
            Prefetch("indicators", queryset=access.restrict(BeaconIndicator.objects.all(), user, access.VIEW)),
        )


def england_comparisons(rows) -> dict[int, tuple[float | None, str, str]]:
    """value id -> (England's value, comparison, what it rests on), as the indicators' export gives them."""
    rows = list(rows)
    england = england_values({row.indicator_id for row in rows}) if rows else {}
    result = {}
    for row in rows:
        reference, ours, by = compared_with_england(row, england)
        result[row.pk] = (None if reference is None else float(reference), ours.value, by)
    return result


@_list_and_detail("indicator values, each with its comparison with England")
class IndicatorValueViewSet(ScopedViewSet):
    serializer_class = serializers.IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    ordering = ("indicator__number", "area__code", "period_start", "period_years", "sex", "age", "breakdown", "pk")

    def rows(self):
        return IndicatorValue.objects.select_related("indicator", "area")

    def get_serializer(self, *args, **kwargs):
        if args:
            instance = args[0]
            rows = instance if isinstance(instance, list | tuple) else [instance]
            kwargs["context"] = {**self.get_serializer_context(), "comparisons": england_comparisons(rows)}
            return self.get_serializer_class()(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)


@_list_and_detail("commissions")
class CommissionViewSet(ScopedViewSet):
    serializer_class = serializers.CommissionSerializer
    filterset_fields = ["place", "kind"]
    ordering = ("name", "pk")

    def rows(self):
        return Commission.objects.select_related("place")


@_list_and_detail("meetings: published ones, and drafts to those who may see them")
class MeetingViewSet(ScopedViewSet):
    filterset_class = filters.MeetingFilter
    ordering = ("-starts_at", "pk")

    def get_serializer_class(self):
        return serializers.MeetingDetailSerializer if self.action == "retrieve" else serializers.MeetingSerializer

    def rows(self):
        meetings = Meeting.objects.all()
        if self.action != "retrieve":
            return meetings
        user = self.request.user
        amendments = access.restrict(Amendment.objects.select_related("made_by"), user, access.VIEW)
        paragraphs = (
            access.restrict(Paragraph.objects.all(), user, access.VIEW)
            .order_by("position", "pk")
            .prefetch_related(Prefetch("amendments", queryset=amendments.order_by("made_at", "pk")))
        )
        items = access.restrict(AgendaItem.objects.all(), user, access.VIEW).order_by("position", "pk")
        papers = access.restrict(AgendaPaper.objects.all(), user, access.VIEW).order_by("pk")
        return meetings.prefetch_related(
            Prefetch(
                "items",
                queryset=items.prefetch_related(
                    Prefetch("paragraphs", queryset=paragraphs), Prefetch("papers", queryset=papers)
                ),
            ),
            Prefetch(
                "decisions",
                queryset=access.restrict(Decision.objects.all(), user, access.VIEW).order_by("number", "pk"),
            ),
        )


@_list_and_detail("commission actions, with their progress updates")
class ActionViewSet(ScopedViewSet):
    serializer_class = serializers.ActionSerializer
    filterset_class = filters.ActionFilter
    ordering = ("commission", "due", "pk")

    def rows(self):
        updates = access.restrict(ActionUpdate.objects.select_related("author"), self.request.user, access.VIEW)
        return Action.objects.prefetch_related(Prefetch("updates", queryset=updates.order_by("date", "pk")))


@login_not_required
def not_found(request):
    return JsonResponse({"detail": "No such address in the API: see /api/v1/docs/."}, status=404)


NOT_AUTHENTICATED = (
    "Send a personal access token as 'Authorization: Bearer <token>' (make one on the API tokens page, "
    "/api/tokens/), or sign in to the site."
)


def exception_handler(exc, context):
    """DRF's answers, with a 401 that says how to authenticate."""
    if isinstance(exc, NotAuthenticated):
        said = NotAuthenticated(NOT_AUTHENTICATED)
        said.auth_header = getattr(exc, "auth_header", None)  # WWW-Authenticate: Bearer, as DRF set it
        exc = said
    return drf_views.exception_handler(exc, context)


class RootView(APIView):
    """/api/v1/: where each resource is, the schema and the documentation."""

    @extend_schema(
        summary="Where each resource is",
        description="The addresses of the documentation, the schema and each resource's list.",
        responses=serializers.RootSerializer,
    )
    def get(self, request):
        resources = {name: request.build_absolute_uri(reverse(f"api:{basename}-list")) for name, basename in ROOT}
        return private(
            Response(
                {
                    "documentation": request.build_absolute_uri(reverse("api:docs")),
                    "schema": request.build_absolute_uri(reverse("api:schema")),
                    "resources": resources,
                }
            )
        )


ROOT = (
    ("places", "place"),
    ("frameworks", "framework"),
    ("themes", "theme"),
    ("recommendations", "recommendation"),
    ("system_recommendations", "system-recommendation"),
    ("indicators", "indicator"),
    ("rounds", "round"),
    ("returns", "return"),
    ("entries", "entry"),
    ("indicator_values", "indicator-value"),
    ("commissions", "commission"),
    ("meetings", "meeting"),
    ("actions", "action"),
)
