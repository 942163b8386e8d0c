from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Commission


@admin.register(Commission)
class CommissionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "place", "established"]
    list_filter = ["kind", "place__system"]
    search_fields = ["name", "remit", "place__name"]
    list_select_related = ["place"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["place"]
