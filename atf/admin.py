from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BeaconIndicator, Framework, Membership, Pillar, Recommendation, SystemRecommendation, Theme


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "system", "published", "baseline_year"]
    list_filter = ["system"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "framework"]
    list_display_links = ["number", "title"]
    list_filter = ["framework"]
    search_fields = ["title", "recommendations__text"]
    inlines = [RecommendationInline]


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "text", "theme"]
    list_filter = ["theme__framework", "theme"]
    search_fields = ["text"]
    list_select_related = ["theme"]


@admin.register(SystemRecommendation)
class SystemRecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "framework"]
    list_display_links = ["number", "title"]
    list_filter = ["framework"]
    search_fields = ["title"]


@admin.register(BeaconIndicator)
class BeaconIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "theme", "frequency", "geographic_level", "disaggregation", "source", "status"]
    list_display_links = ["number", "name"]
    list_filter = ["framework", "status", "theme", "geographic_level", "disaggregation"]
    search_fields = ["name", "source"]
    list_select_related = ["theme"]


@admin.register(Pillar)
class PillarAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "framework"]
    list_display_links = ["number", "name"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "place", "commission", "created"]
    list_filter = ["role", "place__system"]
    search_fields = ["user__username", "user__email", "place__name", "commission__name"]
    list_select_related = ["user", "place", "commission"]
    autocomplete_fields = ["user", "place", "commission"]
