from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Entry, Round, Row


@admin.register(Round)
class RoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "framework", "status", "period_start", "period_end", "deadline"]
    list_filter = ["status", "framework"]
    search_fields = ["name", "title"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Row)
class RowAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "round"]
    list_filter = ["round"]
    list_select_related = ["round", "theme", "system_recommendation"]
    filter_horizontal = ["indicators"]


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ["short_text", "round", "section", "level", "place_names", "position"]
    list_filter = ["round", "level", "theme", "system_recommendation", "places"]
    search_fields = ["text", "lead_in"]
    list_select_related = ["round", "theme", "system_recommendation"]
    autocomplete_fields = ["places", "recommendations", "indicators"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("places")

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.full_text[:100]

    @admin.display(description="Places")
    def place_names(self, obj):
        return ", ".join(p.label for p in obj.places.all())
