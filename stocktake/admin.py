from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from import_export.admin import ImportExportMixin

from atf import access
from atf.admin_base import ScopedAdmin
from atf.models import Framework

from . import uploads
from .exporter import ExportError, workbook_response
from .importer import describe_changes
from .models import Entry, RecommendationCell, Return, Round, Row, WorkbookImport
from .resources import EntryResource
from .xlsx import WorkbookError


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(help_text="The stocktake workbook (.xlsx), as the ICS sends it out.")
    round_name = forms.CharField(
        required=False,
        max_length=200,
        help_text="Leave blank to take the round's name from the Themes sheet's title cell.",
    )
    framework = forms.ModelChoiceField(queryset=Framework.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        frameworks = access.restrict(Framework.objects.all(), user, access.CHANGE)
        self.fields["framework"].queryset = frameworks
        if frameworks.count() == 1:
            self.fields["framework"].initial = frameworks.first()


@admin.register(Round)
class RoundAdmin(ScopedAdmin):
    list_display = ["name", "framework", "status", "period_start", "period_end", "deadline"]
    list_filter = ["status", "framework"]
    search_fields = ["name", "title"]
    prepopulated_fields = {"slug": ["name"]}
    change_list_template = "admin/stocktake/round/change_list.html"
    change_form_template = "admin/stocktake/round/change_form.html"

    def get_urls(self):
        own = [
            path("import-workbook/", self.admin_site.admin_view(self.upload_view), name="stocktake_round_upload"),
            path(
                "import-workbook/<str:token>/",
                self.admin_site.admin_view(self.confirm_view),
                name="stocktake_round_upload_confirm",
            ),
            path("<int:pk>/workbook/", self.admin_site.admin_view(self.download_view), name="stocktake_round_workbook"),
        ]
        return own + super().get_urls()

    def _may_upload(self, request) -> bool:
        return access.restrict(Framework.objects.all(), request.user, access.CHANGE).exists()

    def upload_view(self, request):
        if not self._may_upload(request):
            raise PermissionDenied
        form = WorkbookUploadForm(request.POST or None, request.FILES or None, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Import a workbook",
        }
        if request.method == "POST" and form.is_valid():
            try:
                upload = uploads.store(
                    request,
                    form.cleaned_data["workbook"],
                    form.cleaned_data["framework"],
                    form.cleaned_data["round_name"],
                )
                plan, _ = uploads.plan_upload(upload, request.user)
            except WorkbookError as exc:
                form.add_error("workbook", str(exc))
            else:
                context.update(
                    title=f"Check the changes to “{plan.round_name}”",
                    plan=plan,
                    changes=describe_changes(plan),
                    token=upload.token,
                )
                return TemplateResponse(request, "admin/stocktake/round/upload_preview.html", context)
        return TemplateResponse(request, "admin/stocktake/round/upload.html", context)

    def confirm_view(self, request, token):
        if not self._may_upload(request):
            raise PermissionDenied
        upload = uploads.recall(request, token)
        if upload is None:
            raise Http404("That upload has expired. Upload the workbook again.")
        if request.method != "POST":
            return redirect("admin:stocktake_round_upload")
        try:
            plan, round_ = uploads.confirm_upload(upload, request.user)
        except WorkbookError as exc:
            messages.error(request, f"Nothing was imported. {exc}")
            return redirect("admin:stocktake_round_upload")
        uploads.forget(request, token)
        messages.success(request, f"Imported “{round_.name}”: {plan.full_summary()}.")
        return redirect(reverse("admin:stocktake_round_change", args=[round_.pk]))

    def download_view(self, request, pk):
        round_ = self.get_queryset(request).filter(pk=pk).first()
        if round_ is None:
            raise Http404("No such round.")
        try:
            return workbook_response(round_, request.user)
        except ExportError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:stocktake_round_change", args=[round_.pk]))


@admin.register(Row)
class RowAdmin(ScopedAdmin):
    list_display = ["__str__", "round"]
    list_filter = ["round"]
    list_select_related = ["round", "theme", "system_recommendation"]
    filter_horizontal = ["indicators"]


@admin.register(RecommendationCell)
class RecommendationCellAdmin(ScopedAdmin):
    list_display = ["__str__", "round", "short_text"]
    list_filter = ["round", "column"]
    list_select_related = ["round", "system_recommendation", "column_place"]
    search_fields = ["text"]

    @admin.display(description="Text")
    def short_text(self, cell):
        return Truncator(cell.text).chars(80)


@admin.register(Entry)
class EntryAdmin(ImportExportMixin, ScopedAdmin):
    resource_classes = [EntryResource]
    list_display = ["short_text", "round", "section", "level", "place_names", "position"]
    list_filter = ["round", "level", "theme", "system_recommendation", "places"]
    search_fields = ["text", "lead_in"]
    list_select_related = ["round", "theme", "system_recommendation"]
    autocomplete_fields = ["places", "recommendations", "indicators"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("places")

    # django-import-export asks Django's per-model permissions; here the role rule decides.
    def has_import_permission(self, request):
        return access.may_add(request.user, Entry)

    def has_export_permission(self, request):
        return access.may_any(request.user, access.VIEW, Entry)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.full_text[:100]

    @admin.display(description="Places")
    def place_names(self, obj):
        return ", ".join(p.label for p in obj.places.all())


@admin.register(WorkbookImport)
class WorkbookImportAdmin(ScopedAdmin):
    """The record of imports: read-only for everyone."""

    list_display = ["at", "round", "user", "source", "created", "updated", "deleted", "started_round"]
    list_filter = ["round"]
    list_select_related = ["round", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Return)
class ReturnAdmin(ScopedAdmin):
    list_display = ["place", "round", "status", "submitted_at", "reviewed_at", "reviewed_by"]
    list_filter = ["status", "round", "place"]
    search_fields = ["place__name", "comment"]
    list_select_related = ["place", "round", "reviewed_by"]
    readonly_fields = ["submitted_at", "submitted_by", "reviewed_at", "reviewed_by"]
