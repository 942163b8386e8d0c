from django.contrib import admin

from atf.admin_base import ScopedAdmin, ScopedTabularInline

from .models import Place, PlaceAlias


class PlaceAliasInline(ScopedTabularInline):
    model = PlaceAlias
    extra = 1


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ["name", "kind", "short_name", "ons_code", "parent", "system"]
    list_filter = ["kind", "system"]
    search_fields = ["name", "short_name", "ons_code", "aliases__name"]
    list_select_related = ["parent", "system"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["system"]
    inlines = [PlaceAliasInline]


@admin.register(PlaceAlias)
class PlaceAliasAdmin(ScopedAdmin):
    list_display = ["name", "place"]
    search_fields = ["name", "place__name"]
    list_select_related = ["place"]
    autocomplete_fields = ["place"]
