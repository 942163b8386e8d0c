"""What each resource says. Ids are the database's and stable; dates are ISO 8601; lists of links are ids.

Each serializer reads only what its viewset's query fetched (select_related / prefetch_related in
api/views.py), so that a page of results costs the same few queries whatever its size.
"""

from __future__ import annotations

from rest_framework import serializers

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
    WorkshopQuestion,
)
from indicators.models import IndicatorValue
from stocktake.models import Entry, Return, Round


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "short_name", "slug", "kind", "ons_code", "parent", "system"]


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["id", "name", "slug", "system", "published", "baseline_year", "version", "derived_from"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "framework", "number", "title", "indicator_heading"]


class RecommendationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="The theme's number and the recommendation's, as 3.2.")

    class Meta:
        model = Recommendation
        fields = ["id", "theme", "code", "position", "text"]


class SystemRecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemRecommendation
        fields = ["id", "framework", "number", "title"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = BeaconIndicator
        fields = [
            "id",
            "framework",
            "number",
            "name",
            "theme",
            "group",
            "frequency",
            "geographic_level",
            "disaggregation",
            "source",
            "status",
            "polarity",
            "unit",
        ]


class RoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Round
        fields = ["id", "name", "slug", "title", "framework", "status", "period_start", "period_end", "deadline"]


class ReturnSerializer(serializers.ModelSerializer):
    place_name = serializers.CharField(source="place.name", read_only=True)
    due = serializers.DateField(read_only=True, allow_null=True, help_text="Its own extended deadline, or the round's.")
    comment = serializers.CharField(read_only=True, help_text="The ICS's comment to the place, when returned.")

    class Meta:
        model = Return
        fields = [
            "id",
            "round",
            "place",
            "place_name",
            "status",
            "submitted_at",
            "reviewed_at",
            "deadline",
            "due",
            "comment",
        ]


class EntrySerializer(serializers.ModelSerializer):
    places = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    place_names = serializers.SerializerMethodField()
    recommendations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    indicators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "round",
            "theme",
            "system_recommendation",
            "level",
            "column_place",
            "places",
            "place_names",
            "lead_in",
            "text",
            "position",
            "recommendations",
            "indicators",
            "created",
            "updated",
            "version",
        ]

    def get_place_names(self, entry) -> list[str]:
        return [place.name for place in entry.places.all()]


class IndicatorValueSerializer(serializers.ModelSerializer):
    area_code = serializers.CharField(source="area.code", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    place = serializers.IntegerField(source="area.place_id", read_only=True, allow_null=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True)
    lower_95 = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True)
    upper_95 = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False, allow_null=True)
    england_value = serializers.SerializerMethodField()
    compared_to_england = serializers.SerializerMethodField(
        help_text="Better, Similar, Worse or Not compared: by the 95% intervals, or the publisher's own label."
    )
    compared_by = serializers.SerializerMethodField(help_text="'confidence intervals', 'publisher' or empty.")

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "area_code",
            "area_name",
            "place",
            "period_label",
            "period_start",
            "period_years",
            "sex",
            "age",
            "breakdown",
            "value",
            "lower_95",
            "upper_95",
            "england_value",
            "compared_to_england",
            "compared_by",
            "source_comparison",
            "note",
        ]

    def _comparison(self, row) -> tuple[float | None, str, str]:
        return self.context["comparisons"].get(row.pk, (None, "Not compared", ""))

    def get_england_value(self, row) -> float | None:
        return self._comparison(row)[0]

    def get_compared_to_england(self, row) -> str:
        return self._comparison(row)[1]

    def get_compared_by(self, row) -> str:
        return self._comparison(row)[2]


class CommissionSerializer(serializers.ModelSerializer):
    place_name = serializers.CharField(source="place.name", read_only=True)

    class Meta:
        model = Commission
        fields = [
            "id",
            "place",
            "place_name",
            "kind",
            "name",
            "slug",
            "remit",
            "established",
            "established_by",
            "reports_to",
            "meeting_pattern",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "commission",
            "kind",
            "title",
            "starts_at",
            "location",
            "status",
            "agenda_published_at",
            "circulated_at",
            "approved_at",
            "approved_at_meeting",
            "published_at",
        ]


class AmendmentSerializer(serializers.ModelSerializer):
    """A correction to approved minutes: the text as amended, why, when and by whom."""

    made_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = ["id", "text", "reason", "made_at", "made_by_name"]

    def get_made_by_name(self, amendment) -> str:
        made_by = amendment.made_by
        return "" if made_by is None else (made_by.get_full_name() or made_by.get_username())


class ParagraphSerializer(serializers.ModelSerializer):
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = Paragraph
        fields = ["id", "number", "position", "text", "note", "amendments"]


class AgendaPaperSerializer(serializers.ModelSerializer):
    """A paper of an agenda item: what it is; the file itself is downloaded from the meeting's page."""

    class Meta:
        model = AgendaPaper
        fields = ["id", "title", "original_name", "content_type", "size", "uploaded_at"]


class AgendaItemSerializer(serializers.ModelSerializer):
    paragraphs = ParagraphSerializer(many=True, read_only=True)
    papers = AgendaPaperSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "parent", "number", "position", "title", "presenter", "papers", "paragraphs"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "item", "number", "text", "outcome"]


class WorkshopQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkshopQuestion
        fields = ["id", "number", "question", "key_points", "contributions"]


class MeetingDetailSerializer(MeetingSerializer):
    """One meeting with its minutes: agenda items, their numbered paragraphs, the decisions, and a workshop's
    questions with their key points."""

    items = AgendaItemSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    questions = WorkshopQuestionSerializer(many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "items", "decisions", "questions"]


class ActionUpdateSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ActionUpdate
        fields = ["id", "date", "text", "author_name"]

    def get_author_name(self, update) -> str:
        author = update.author
        return "" if author is None else (author.get_full_name() or author.get_username())


class ActionSerializer(serializers.ModelSerializer):
    updates = ActionUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "commission",
            "meeting",
            "paragraph",
            "reference",
            "description",
            "owner_kind",
            "owner",
            "owner_member",
            "due",
            "status",
            "priority",
            "theme",
            "recommendation",
            "indicator",
            "created",
            "version",
            "updates",
        ]


class CoverageCellSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    place_name = serializers.CharField()
    entries = serializers.IntegerField()
    return_status = serializers.CharField(
        allow_null=True, help_text="Shown to the reviewers and that place's lead only."
    )


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    places = CoverageCellSerializer(many=True)


class RootSerializer(serializers.Serializer):
    documentation = serializers.URLField()
    schema = serializers.URLField()
    resources = serializers.DictField(
        child=serializers.URLField(), help_text="Each resource's name and its list's address."
    )
