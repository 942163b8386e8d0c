from django.contrib import admin

from atf.admin_base import ScopedAdmin, ScopedStackedInline, ScopedTabularInline

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


class AgendaItemInline(ScopedTabularInline):
    model = AgendaItem
    extra = 0
    fields = ["number", "title", "position", "parent"]


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    extra = 0


class DecisionInline(ScopedTabularInline):
    model = Decision
    extra = 0


class WorkshopQuestionInline(ScopedStackedInline):
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
