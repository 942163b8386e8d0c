from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect

from atf.admin_base import ScopedAdmin, ScopedStackedInline, ScopedTabularInline

from . import services
from .models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Attendance,
    Commission,
    Decision,
    Meeting,
    Member,
    Paragraph,
    Priority,
    WorkshopQuestion,
)


class MemberInline(ScopedTabularInline):
    model = Member
    extra = 0


class PriorityInline(ScopedTabularInline):
    model = Priority
    extra = 0
    filter_horizontal = ["themes"]
    fields = ["number", "title", "themes"]


@admin.register(Commission)
class CommissionAdmin(ScopedAdmin):
    list_display = ["name", "kind", "place", "established"]
    list_filter = ["kind", "place__system"]
    search_fields = ["name", "remit", "place__name"]
    list_select_related = ["place"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["place"]
    inlines = [MemberInline, PriorityInline]

    def get_readonly_fields(self, request, obj=None):
        # A secretariat edits its commission but cannot move it to another place.
        return [] if request.user.is_superuser else ["place"]


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ["role_title", "position", "person_name", "organisation", "commission", "starts", "ends"]
    list_filter = ["position", "commission"]
    search_fields = ["role_title", "person_name", "organisation"]
    list_select_related = ["commission"]


@admin.register(Priority)
class PriorityAdmin(ScopedAdmin):
    list_display = ["number", "title", "commission"]
    list_display_links = ["number", "title"]
    list_filter = ["commission"]
    search_fields = ["title"]
    filter_horizontal = ["themes", "recommendations"]


class LockedMinutesInline:
    """An inline of a meeting's minutes: read-only once they are approved (as ``access.frozen`` has it), so the
    meeting's page in the admin offers no edit that its save would refuse."""

    def _parent_writable(self, request, obj):
        if obj is not None and obj.is_locked:
            return False
        return super()._parent_writable(request, obj)


class AgendaItemInline(LockedMinutesInline, ScopedTabularInline):
    model = AgendaItem
    extra = 0
    fields = ["number", "title", "position", "parent"]


class AttendanceInline(LockedMinutesInline, ScopedTabularInline):
    model = Attendance
    extra = 0


class DecisionInline(LockedMinutesInline, ScopedTabularInline):
    model = Decision
    fk_name = "meeting"
    extra = 0


class WorkshopQuestionInline(LockedMinutesInline, ScopedStackedInline):
    model = WorkshopQuestion
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["starts_at", "commission", "kind", "title", "status"]
    list_filter = ["status", "kind", "commission"]
    search_fields = ["title", "commission__name"]
    list_select_related = ["commission"]
    date_hierarchy = "starts_at"
    inlines = [AgendaItemInline, AttendanceInline, DecisionInline, WorkshopQuestionInline]
    # The approval's record: written by the approval steps on the meeting's page (``commissions.approval``) only.
    APPROVAL_FIELDS = ["status", "circulated_at", "approved_at", "approved_at_meeting", "published_at"]
    DETAILS = ["commission", "kind", "title", "starts_at", "location"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_locked:  # an approved meeting's details are part of its record
            return [*self.DETAILS, *self.APPROVAL_FIELDS]
        return self.APPROVAL_FIELDS

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(status__in=Meeting.LOCKED_STATUSES).exists():
            raise PermissionDenied("Approved minutes are kept: a meeting whose minutes are approved is not deleted.")
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        # Also the door of a history revert, which saves a whole past version, status and all: the approval's
        # record stays as the approval steps left it, and an approved meeting's details are refused.
        if change:
            saved = Meeting.objects.get(pk=obj.pk)
            for name in ("status", "circulated_at", "approved_at", "approved_at_meeting_id", "published_at"):
                setattr(obj, name, getattr(saved, name))
            services.refuse_locked_details(obj)
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.MinutesLocked as refusal:
            messages.error(request, f"Nothing was saved. {refusal}")
            return HttpResponseRedirect(request.get_full_path())

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except services.MinutesLocked as refusal:
            messages.error(request, f"Nothing was saved. {refusal}")
            return HttpResponseRedirect(request.get_full_path())


class ParagraphInline(ScopedTabularInline):
    model = Paragraph
    extra = 0
    fields = ["number", "position", "text", "note"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedAdmin):
    list_display = ["number", "title", "meeting"]
    list_display_links = ["number", "title"]
    list_filter = ["meeting__commission"]
    search_fields = ["title", "paragraphs__text"]
    list_select_related = ["meeting__commission"]
    inlines = [ParagraphInline]


@admin.register(Paragraph)
class ParagraphAdmin(ScopedAdmin):
    list_display = ["number", "short_text", "item", "note"]
    search_fields = ["text"]
    list_select_related = ["item__meeting"]

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:100]


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["meeting", "member", "name_or_position", "status"]
    list_filter = ["status"]
    list_select_related = ["meeting__commission", "member"]


@admin.register(Decision)
class DecisionAdmin(ScopedAdmin):
    list_display = ["number", "text", "outcome", "meeting"]
    list_filter = ["outcome"]
    search_fields = ["text"]
    list_select_related = ["meeting__commission"]


@admin.register(WorkshopQuestion)
class WorkshopQuestionAdmin(ScopedAdmin):
    list_display = ["number", "question", "meeting"]
    search_fields = ["question", "key_points", "contributions"]
    list_select_related = ["meeting__commission"]


class ActionUpdateInline(ScopedTabularInline):
    model = ActionUpdate
    extra = 1
    fields = ["date", "text", "author"]


@admin.register(Action)
class ActionAdmin(ScopedAdmin):
    list_display = ["reference", "description_short", "owner", "due", "status", "commission"]
    list_filter = ["status", "commission", "theme", "priority"]
    search_fields = ["description", "owner", "reference"]
    list_select_related = ["commission"]
    inlines = [ActionUpdateInline]

    @admin.display(description="Action")
    def description_short(self, obj):
        return obj.description[:100]


@admin.register(ActionUpdate)
class ActionUpdateAdmin(ScopedAdmin):
    list_display = ["date", "action", "text", "author"]
    list_select_related = ["action", "author"]
