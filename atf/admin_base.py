"""Admin classes that ask the tenant rule (``atf.access``) before showing or changing anything.

Django's admin scopes nothing by itself: it lists every row, offers every row
in foreign-key dropdowns, list filters and autocompletes, and
django-simple-history looks rows up unscoped for its history and revert
pages. Every admin of this project derives from ``ScopedAdmin`` (or
``ScopedInline``), which routes each of those through the rule.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.http import Http404, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from . import access
from .versioning import StaleVersion, Versioned


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class ScopedRelatedFieldListFilter(RelatedOnlyFieldListFilter):
    """A list filter offering only related rows that the user may view and that the visible rows use.

    Django's own filter lists every row of the related model, whoever asks.
    """

    def field_choices(self, field, request, model_admin):
        used = model_admin.get_queryset(request).values_list(f"{field.name}__pk", flat=True)
        related = access.restrict(field.related_model._default_manager.filter(pk__in=used), request.user, access.VIEW)
        return [(obj.pk, str(obj)) for obj in related]


def scoped_list_filter(model: type[models.Model], entries) -> list:
    """Replace plain relation names in ``list_filter`` with the scoped filter."""
    scoped = []
    for entry in entries:
        if isinstance(entry, str) and "__" not in entry:
            field = model._meta.get_field(entry)
            if field.is_relation:
                entry = (entry, ScopedRelatedFieldListFilter)
        scoped.append(entry)
    return scoped


class ScopedAdmin(SimpleHistoryAdmin):
    """A ModelAdmin whose every read and write goes through the tenant rule."""

    def get_queryset(self, request):
        action = access.ATTACH if _is_autocomplete(request) else access.VIEW
        return access.restrict(super().get_queryset(request), request.user, action)

    def get_list_filter(self, request):
        return scoped_list_filter(self.model, super().get_list_filter(request))

    # Permissions come from roles, not from Django's per-model permission flags.
    def has_module_permission(self, request):
        return access.may_any(request.user, access.VIEW, self.model)

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return access.can(request.user, access.VIEW, obj)
        return access.may_any(request.user, access.VIEW, self.model)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return access.can(request.user, access.CHANGE, obj)
        return access.may_any(request.user, access.CHANGE, self.model)

    def has_delete_permission(self, request, obj=None):
        if obj is not None:
            return access.can(request.user, access.DELETE, obj)
        return access.may_any(request.user, access.DELETE, self.model)

    def has_add_permission(self, request):
        return access.may_add(request.user, self.model)

    # Dropdowns offer only rows the user may choose.
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = access.restrict(field.queryset, request.user, access.ATTACH)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = access.restrict(field.queryset, request.user, access.ATTACH)
        return field

    # After a save, the row (and every inline row saved with it) must still
    # be the user's: otherwise the whole change, which runs in one
    # transaction, is rolled back and the user told why.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        saved = [form.instance]
        for formset in formsets:
            saved += list(getattr(formset, "new_objects", [])) + [
                obj for obj, _ in getattr(formset, "changed_objects", [])
            ]
        access.require_still_changeable(request.user, saved)

    # No lost updates: a versioned row's form carries the version it was
    # opened at, and a save from an older one is refused (``atf.versioning``).
    def get_form(self, request, obj=None, change=False, **kwargs):
        if not issubclass(self.model, Versioned):
            return super().get_form(request, obj, change, **kwargs)
        return versioned_form(super().get_form(request, obj, change, **_without_version(self, request, obj, kwargs)))

    def get_fieldsets(self, request, obj=None):
        return _with_version(self.model, super().get_fieldsets(request, obj))

    def save_model(self, request, obj, form, change):
        if change and isinstance(obj, Versioned) and getattr(request, "_atf_reverting", False):
            obj.version = obj.current_version() or obj.version  # a revert restores a past version on purpose
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except access.OutOfScope as refusal:
            return self._refused(request, refusal)
        except StaleVersion as stale:
            messages.error(request, f"{stale} The form below shows it as it is now: make your change again.")
            return HttpResponseRedirect(request.get_full_path())

    def _refused(self, request, refusal):
        """Nothing was saved: say why and show the form again, as it is in the database."""
        messages.error(request, f"Nothing was saved. {refusal}")
        return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        allowed = access.restrict(queryset, request.user, access.DELETE)
        if allowed.count() != queryset.count():
            raise PermissionDenied("Some of the selected records are not yours to delete.")
        super().delete_queryset(request, queryset)

    def delete_model(self, request, obj):
        if not access.can(request.user, access.DELETE, obj):
            raise PermissionDenied
        super().delete_model(request, obj)

    # A row outside the user's view is "not found", as if it did not exist:
    # before any permission check (which would answer 403 and so tell that it
    # exists) and instead of Django's redirect to the index.
    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record.")
        return obj

    # django-simple-history looks rows up without the admin's queryset.
    def _ensure_visible(self, request, object_id):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404("No such record.")

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version, and the form that reverts to it: the same door as the change form.

        django-simple-history saves the reverted row with ``save_model()`` and
        ``save_m2m()`` alone, outside a transaction and without
        ``save_related()``. Here the save runs in one transaction, and the row
        must still be the user's to change afterwards, or nothing is kept.
        """
        self._ensure_visible(request, object_id)
        if request.method != "POST":
            return super().history_form_view(request, object_id, version_id, extra_context)
        if not self.has_change_permission(request, self.get_object(request, object_id)):
            raise PermissionDenied
        request._atf_reverting = True
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                response = super().history_form_view(request, object_id, version_id, extra_context)
                if response.status_code in (301, 302):  # saved: the library redirects after a save
                    access.require_still_changeable(request.user, [self.model._default_manager.get(pk=object_id)])
        except access.OutOfScope as refusal:
            return self._refused(request, refusal)
        return response


def versioned_form(form_class):
    """``form_class`` with a hidden ``version``: the row's version when the form was opened, set back on save."""

    def __init__(self, *args, **kwargs):
        form_class.__init__(self, *args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self):
        form_class._post_clean(self)
        seen = self.cleaned_data.get("version")
        if self.instance.pk and seen is not None:
            self.instance.version = seen  # saving from an older version raises StaleVersion

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    return type(form_class)(
        form_class.__name__, (form_class,), {"version": version, "__init__": __init__, "_post_clean": _post_clean}
    )


def _without_version(model_admin, request, obj, kwargs) -> dict:
    """The form's fields without the model's ``version``, which is not editable: the form's own field stands in."""
    if "fields" not in kwargs:
        kwargs["fields"] = flatten_fieldsets(model_admin.get_fieldsets(request, obj))
    if kwargs["fields"] is not None:
        kwargs["fields"] = [name for name in kwargs["fields"] if name != "version"]
    return kwargs


def _with_version(model, fieldsets):
    """Fieldsets that render the hidden version too (the admin renders only the fields its fieldsets name)."""
    if issubclass(model, Versioned) and "version" not in flatten_fieldsets(fieldsets):
        *others, (name, options) = fieldsets
        fieldsets = [*others, (name, {**options, "fields": [*options["fields"], "version"]})]
    return fieldsets


class ScopedInline:
    """Mixin for inlines: rows and dropdowns scoped, writes allowed when the parent may be changed."""

    def get_formset(self, request, obj=None, **kwargs):
        if not issubclass(self.model, Versioned):
            return super().get_formset(request, obj, **kwargs)
        kwargs = _without_version(self, request, obj, kwargs)
        kwargs["form"] = versioned_form(kwargs.get("form", self.form))
        return super().get_formset(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return _with_version(self.model, super().get_fieldsets(request, obj))

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, access.VIEW)

    def _parent_writable(self, request, obj):
        if obj is None:
            return access.may_add(request.user, self.parent_model)
        return access.can(request.user, access.CHANGE, obj)

    def has_view_permission(self, request, obj=None):
        return obj is None or access.can(request.user, access.VIEW, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_writable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = access.restrict(field.queryset, request.user, access.ATTACH)
        return field


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    pass
