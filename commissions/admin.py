from django.contrib import admin

from atf.admin_base import ScopedAdmin

from .models import Commission


@admin.register(Commission)
class CommissionAdmin(ScopedAdmin):
    list_display = ["name", "kind", "place", "established"]
    list_filter = ["kind", "place__system"]
    search_fields = ["name", "remit", "place__name"]
    list_select_related = ["place"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["place"]

    def get_readonly_fields(self, request, obj=None):
        # A secretariat edits its commission but cannot move it to another place.
        return [] if request.user.is_superuser else ["place"]
