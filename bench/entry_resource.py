"""The flat list of entries as a django-import-export resource: the benchmark's comparison.

The application imports the flat file with its own importer
(``stocktake.flat``); this resource is what django-import-export would do
with the same columns, timed beside it by ``bench/workbook.py``.

One row per entry: id, round, theme or system recommendation (by number),
level, column place, places, lead-in, text, position. Every lookup goes
through the tenant rule when a user is given: rows are matched by id only
among entries the user may change, references resolve only to rounds and
places the user may use, and each saved row is checked again, so an import
that would touch anyone else's entry fails as a whole.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from atf import access
from atf.models import SystemRecommendation, Theme
from boroughs.models import Place
from stocktake.flat import COLUMNS
from stocktake.models import Entry, Round


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    def __init__(self, model, field, *, user=None, **kwargs):
        self.user = user
        super().__init__(model, field, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = super().get_queryset(value, row, *args, **kwargs)
        return queryset if self.user is None else access.restrict(queryset, self.user, access.ATTACH)


class ScopedManyToManyWidget(widgets.ManyToManyWidget):
    def __init__(self, model, field, *, user=None, **kwargs):
        self.user = user
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not value:
            return self.model.objects.none()
        names = [n.strip() for n in str(value).split(self.separator) if n.strip()]
        queryset = self.model.objects.filter(**{f"{self.field}__in": names})
        if self.user is not None:
            queryset = access.restrict(queryset, self.user, access.ATTACH)
        found = set(queryset.values_list(self.field, flat=True))
        missing = [n for n in names if n not in found]
        if missing:
            raise ValueError(f"Not places you can attribute entries to: {', '.join(missing)}.")
        return queryset


class SectionWidget(widgets.ForeignKeyWidget):
    """A theme or system recommendation by its number, within the row's round's framework."""

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(framework__rounds__name=row.get("round"))


class EntryResource(resources.ModelResource):
    round = fields.Field(attribute="round", column_name="round", widget=widgets.ForeignKeyWidget(Round, "name"))
    theme = fields.Field(attribute="theme", column_name="theme", widget=SectionWidget(Theme, "number"))
    system_recommendation = fields.Field(
        attribute="system_recommendation",
        column_name="system_recommendation",
        widget=SectionWidget(SystemRecommendation, "number"),
    )
    column_place = fields.Field(
        attribute="column_place", column_name="column_place", widget=widgets.ForeignKeyWidget(Place, "name")
    )
    places = fields.Field(
        attribute="places", column_name="places", widget=widgets.ManyToManyWidget(Place, field="name", separator=";")
    )

    class Meta:
        model = Entry
        fields = COLUMNS
        export_order = fields
        import_id_fields = ("id",)
        skip_unchanged = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        if user is not None:
            self.fields["round"].widget = ScopedForeignKeyWidget(Round, "name", user=user)
            self.fields["column_place"].widget = ScopedForeignKeyWidget(Place, "name", user=user)
            self.fields["places"].widget = ScopedManyToManyWidget(Place, "name", separator=";", user=user)

    def import_data(self, dataset, **kwargs):
        # All or nothing: a file with any invalid row changes nothing.
        kwargs["rollback_on_validation_errors"] = True
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, **kwargs)

    def get_queryset(self):
        queryset = Entry.objects.select_related("round", "theme", "system_recommendation", "column_place")
        return queryset if self.user is None else access.restrict(queryset, self.user, access.CHANGE)

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        return queryset if self.user is None else access.restrict(queryset, self.user, access.VIEW)

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None and row.get("id") not in (None, ""):
            # The id is someone else's entry or none at all: never create or
            # overwrite a row by an id the user may not change.
            raise ValidationError(
                f"Entry {row.get('id')} is not one you may change. Leave the id blank to add a new entry."
            )
        return instance

    def dehydrate_places(self, entry):
        return ";".join(p.name for p in entry.places.all())

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        if self.user is not None and not access.can(self.user, access.CHANGE, instance):
            raise ValidationError(f"Row for “{instance}” would be outside what you may change.")
