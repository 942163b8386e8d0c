from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import Http404

from atf import access
from atf.admin_base import ScopedAdmin, ScopedTabularInline

from .models import BeaconIndicator, Framework, Membership, Pillar, Recommendation, SystemRecommendation, Theme


class RecommendationInline(ScopedTabularInline):
    model = Recommendation
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(ScopedAdmin):
    list_display = ["name", "version", "system", "published", "baseline_year"]
    list_filter = ["system"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    # Versions are made on the framework's page (atf.versions), never renumbered by hand.
    readonly_fields = ["version", "derived_from"]


@admin.register(Theme)
class ThemeAdmin(ScopedAdmin):
    list_display = ["number", "title", "framework"]
    list_display_links = ["number", "title"]
    list_filter = ["framework"]
    search_fields = ["title", "recommendations__text"]
    inlines = [RecommendationInline]


@admin.register(Recommendation)
class RecommendationAdmin(ScopedAdmin):
    list_display = ["code", "text", "theme"]
    list_filter = ["theme__framework", "theme"]
    search_fields = ["text"]
    list_select_related = ["theme"]


@admin.register(SystemRecommendation)
class SystemRecommendationAdmin(ScopedAdmin):
    list_display = ["number", "title", "framework"]
    list_display_links = ["number", "title"]
    list_filter = ["framework"]
    search_fields = ["title"]


@admin.register(BeaconIndicator)
class BeaconIndicatorAdmin(ScopedAdmin):
    list_display = ["number", "name", "theme", "frequency", "geographic_level", "disaggregation", "source", "status"]
    list_display_links = ["number", "name"]
    list_filter = ["framework", "status", "theme", "geographic_level", "disaggregation"]
    search_fields = ["name", "source"]
    list_select_related = ["theme"]


@admin.register(Pillar)
class PillarAdmin(ScopedAdmin):
    list_display = ["number", "name", "framework"]
    list_display_links = ["number", "name"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "role", "place", "commission", "created"]
    list_filter = ["role", "place__system"]
    search_fields = ["user__username", "user__email", "place__name", "commission__name"]
    list_select_related = ["user", "place", "commission"]
    autocomplete_fields = ["user", "place", "commission"]


class ScopedUserAdmin(UserAdmin):
    """Users: managed by superusers; reviewers may find the users of their system when granting roles."""

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, access.VIEW)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such user.")
        return obj

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return access.can(request.user, access.VIEW, obj)
        return access.may_any(request.user, access.VIEW, self.model)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
