from itertools import chain

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator

from atf import access, outputs
from atf.admin_base import ScopedAdmin, ScopedTabularInline
from atf.models import Framework
from jobs import work
from jobs.models import Job

from . import uploads
from .exporter import ExportError, workbook_response
from .flat import COLUMNS, FlatImportError, flat_rows, import_flat_file
from .importer import describe_changes
from .models import Entry, RecommendationCell, Return, ReturnTransition, Round, Row, WorkbookImport
from .transitions import TransitionRefused
from .xlsx import WorkbookError

# Per upload token, the fingerprint of the plan its preview showed (``FlatResult.fingerprint``).
ENTRY_FILE_PREVIEWS = "entry_file_previews"


class EntryFileForm(forms.Form):
    entries_file = forms.FileField(
        label="Entries file",
        help_text="CSV (UTF-8) or an Excel workbook, one row per entry, with the columns "
        + ", ".join(COLUMNS)
        + ". A blank id adds an entry; an id changes that entry.",
    )


class EntryExportForm(forms.Form):
    file_format = forms.ChoiceField(label="Format", choices=[("csv", "CSV"), ("xlsx", "Excel workbook")])
    round = forms.ModelChoiceField(queryset=Round.objects.none(), required=False, empty_label="Every round")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = access.restrict(Round.objects.all(), user, access.VIEW)


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
            messages.error(
                request, str(exc) if "nothing was imported" in str(exc).lower() else f"Nothing was imported. {exc}"
            )
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
class EntryAdmin(ScopedAdmin):
    """Entries, with the flat file's import and export: the same importer as ``import_entries``.

    The upload is kept under a token of this session's (``uploads``), checked
    like a workbook (size, zip bombs, XML tricks) and previewed: what each
    entry would change, field by field, with nothing written. The confirm
    plans again in the import's transaction and writes only if the plan is
    the one the preview showed (the same entries at the same versions), all
    or nothing, by the same scoped importer.
    """

    list_display = ["short_text", "round", "section", "level", "place_names", "position"]
    list_filter = ["round", "level", "theme", "system_recommendation", "places"]
    search_fields = ["text", "lead_in"]
    list_select_related = ["round", "theme", "system_recommendation"]
    autocomplete_fields = ["places", "recommendations", "indicators"]
    change_list_template = "admin/stocktake/entry/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("places")

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="stocktake_entry_import"),
            path(
                "import/<str:token>/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="stocktake_entry_import_confirm",
            ),
            path("export/", self.admin_site.admin_view(self.export_view), name="stocktake_entry_export"),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import": access.may_add(request.user, Entry),
            "may_export": access.may_any(request.user, access.VIEW, Entry),
        }
        return super().changelist_view(request, extra_context)

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def import_view(self, request):
        if not access.may_add(request.user, Entry):
            raise PermissionDenied
        form = EntryFileForm(request.POST or None, request.FILES or None)
        context = self._context(request, "Import entries", form=form)
        if request.method == "POST" and form.is_valid():
            try:
                entry_file = uploads.store_entry_file(request, form.cleaned_data["entries_file"])
            except WorkbookError as exc:
                form.add_error("entries_file", str(exc))
                return TemplateResponse(request, "admin/stocktake/entry/import.html", context)
            try:
                result = import_flat_file(entry_file.path, user=request.user, dry_run=True)
            except FlatImportError as exc:
                uploads.forget_entry_file(request, entry_file)
                context["problems"] = exc.errors[:50]
                context["more_problems"] = max(0, len(exc.errors) - 50)
            else:
                # The confirm writes only what this preview showed: it plans again and compares.
                previews = request.session.get(ENTRY_FILE_PREVIEWS, {})
                previews[entry_file.token] = result.fingerprint
                # The newest few: an upload left unconfirmed is not confirmed later anyway.
                request.session[ENTRY_FILE_PREVIEWS] = dict(list(previews.items())[-3:])
                context.update(title="Check the import", result=result, token=entry_file.token, name=entry_file.name)
                return TemplateResponse(request, "admin/stocktake/entry/import_preview.html", context)
        return TemplateResponse(request, "admin/stocktake/entry/import.html", context)

    def import_confirm_view(self, request, token):
        if not access.may_add(request.user, Entry):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:stocktake_entry_import")
        entry_file = uploads.recall_entry_file(request, token)
        previews = request.session.get(ENTRY_FILE_PREVIEWS, {})
        expected = previews.get(token)
        if entry_file is None or not isinstance(expected, str):
            messages.error(request, "That upload has expired or was not yours. Upload the file again.")
            return redirect("admin:stocktake_entry_import")
        # Checked as before (one who may add entries; this session's file and preview): a job imports it,
        # planning again as the same user and writing only if the plan is the one the preview showed.
        job = uploads.start_entry_file_import(request, entry_file, expected)
        previews.pop(token, None)
        request.session[ENTRY_FILE_PREVIEWS] = previews
        if job is None:
            messages.error(request, "That upload has expired or was not yours. Upload the file again.")
            return redirect("admin:stocktake_entry_import")
        return redirect(job)

    def export_view(self, request):
        if not access.may_any(request.user, access.VIEW, Entry):
            raise PermissionDenied
        form = EntryExportForm(request.GET if "file_format" in request.GET else None, user=request.user)
        if form.is_bound and form.is_valid():
            entries = access.restrict(Entry.objects.all(), request.user, access.VIEW)
            if form.cleaned_data["round"]:
                entries = entries.filter(round=form.cleaned_data["round"])
            if entries.count() > work.export_rows():  # a large file is written by a background job
                chosen = form.cleaned_data["round"]
                job = work.start(
                    request.user,
                    Job.Kind.ENTRIES_FLAT_EXPORT,
                    f"Entries file ({form.cleaned_data['file_format'].upper()})"
                    + (f" of “{chosen}”" if chosen else ""),
                    params={"format": form.cleaned_data["file_format"], "round": chosen.pk if chosen else None},
                )
                return redirect(job)
            return outputs.download(chain([COLUMNS], flat_rows(entries)), form.cleaned_data["file_format"], "entries")
        return TemplateResponse(
            request, "admin/stocktake/entry/export.html", self._context(request, "Export entries", form=form)
        )

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


class ReturnTransitionInline(ScopedTabularInline):
    """A return's steps through review: a record, read-only for everyone."""

    model = ReturnTransition
    fields = readonly_fields = ["at", "action", "from_status", "to_status", "by", "reason"]
    extra = 0
    can_delete = False
    verbose_name = "step through review"
    verbose_name_plural = "steps through review (taken on the return page)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Return)
class ReturnAdmin(ScopedAdmin):
    """Returns: the deadline and the comment are edited here; the status only on the return page.

    A return's status changes only through ``stocktake.transitions`` (submit,
    accept, return, reopen), so here it is read-only with everything the steps
    write, and so are the round and the place, which would carry the status to
    another place's return. A history revert restores only what this form
    edits. Only a draft may be deleted: deleting any other would put it back
    to a draft, with no step recorded.
    """

    list_display = ["place", "round", "status", "submitted_at", "reviewed_at", "reviewed_by"]
    list_filter = ["status", "round", "place"]
    search_fields = ["place__name", "comment"]
    list_select_related = ["place", "round", "reviewed_by"]
    inlines = [ReturnTransitionInline]
    # Written by the steps alone.
    STEP_FIELDS = ["status", "submitted_at", "submitted_by", "reviewed_at", "reviewed_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:  # a new return starts as a draft
            return self.STEP_FIELDS
        return ["round", "place", *self.STEP_FIELDS]

    def save_model(self, request, obj, form, change):
        if change and getattr(request, "_atf_reverting", False):
            # A revert restores the deadline and the comment; the status and its steps stay as they are now.
            current = Return.objects.get(pk=obj.pk)
            for name in ["round", "place", *self.STEP_FIELDS]:
                setattr(obj, name, getattr(current, name))
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Return.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.exclude(status=Return.Status.DRAFT).exists():
            raise PermissionDenied(
                "Only a draft return can be deleted: a submitted, returned or accepted one keeps its steps."
            )
        super().delete_queryset(request, queryset)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TransitionRefused as refusal:
            return self._refused(request, refusal)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "GET":
            current = self.get_queryset(request).filter(pk=object_id).first()
            if current is not None:
                messages.info(
                    request,
                    "A revert restores this version's comment and deadline. The status and the steps through "
                    f"review stay as they are now ({current.get_status_display().lower()}): a status changes only "
                    "on the return page.",
                )
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except TransitionRefused as refusal:
            return self._refused(request, refusal)
