from django.contrib import admin

from atf.admin_base import ScopedAdmin

from .models import Entry, Return, Round, Row


@admin.register(Round)
class RoundAdmin(ScopedAdmin):
    list_display = ["name", "framework", "status", "period_start", "period_end", "deadline"]
    list_filter = ["status", "framework"]
    search_fields = ["name", "title"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Row)
class RowAdmin(ScopedAdmin):
    list_display = ["__str__", "round"]
    list_filter = ["round"]
    list_select_related = ["round", "theme", "system_recommendation"]
    filter_horizontal = ["indicators"]


@admin.register(Entry)
class EntryAdmin(ScopedAdmin):
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


@admin.register(Return)
class ReturnAdmin(ScopedAdmin):
    list_display = ["place", "round", "status", "submitted_at", "reviewed_at", "reviewed_by"]
    list_filter = ["status", "round", "place"]
    search_fields = ["place__name", "comment"]
    list_select_related = ["place", "round", "reviewed_by"]
    readonly_fields = ["submitted_at", "submitted_by", "reviewed_at", "reviewed_by"]
