"""Places: integrated care systems and everything inside them, as data.

A place knows its parent, and keeps a materialised ``path`` of ids from its
system down to itself so that "everything in this place's tree" is one
indexed ``startswith`` filter rather than a walk.
"""

from django.db import models, transaction
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from atf.access import ScopedQuerySet


class PlaceQuerySet(ScopedQuerySet):
    def within(self, place: "Place") -> "PlaceQuerySet":
        """The place itself and every place below it."""
        return self.filter(path__startswith=place.path)

    def boroughs(self) -> "PlaceQuerySet":
        return self.filter(kind=Place.Kind.BOROUGH)


class Place(models.Model):
    class Kind(models.TextChoices):
        ICS = "ics", "Integrated care system"
        SUB_REGION = "sub_region", "Sub-region"
        COMBINED_AUTHORITY = "combined_authority", "Combined authority"
        BOROUGH = "borough", "Borough"
        WARD = "ward", "Ward or locality"

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=80, blank=True, help_text="How people usually write it, e.g. “C&M” or “LCR CA”."
    )
    slug = models.SlugField(max_length=100, unique=True)
    ons_code = models.CharField(
        "ONS code", max_length=9, blank=True, help_text="The ONS local authority or ward code, where one exists."
    )
    stocktake_heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="The heading of this place's activity column in the stocktake workbook, "
        "e.g. “C&M Level Activity”. Boroughs share the borough column and leave this blank.",
    )
    # Materialised path of ids, e.g. "/1/4/12/"; kept by save().
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    system = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The integrated care system at the root of this place's tree.",
    )

    objects = PlaceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["ons_code"], condition=~models.Q(ons_code=""), name="place_ons_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        with transaction.atomic():
            super().save(*args, **kwargs)
            old_path = self.path
            self._refresh_path()
            if old_path and old_path != self.path:
                # Moved: every descendant's path and system follow.
                for child in Place.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child._refresh_path()

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def _refresh_path(self) -> None:
        if self.parent_id:
            parent = Place.objects.only("path", "system_id").get(pk=self.parent_id)
            path, system_id = f"{parent.path}{self.pk}/", parent.system_id
        else:
            path, system_id = f"/{self.pk}/", self.pk
        if (path, system_id) != (self.path, self.system_id):
            Place.objects.filter(pk=self.pk).update(path=path, system_id=system_id)
            self.path, self.system_id = path, system_id

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": "A place cannot sit inside itself."})

    def ancestors(self) -> "PlaceQuerySet":
        ids = [int(i) for i in self.path.strip("/").split("/") if i]
        return Place.objects.filter(pk__in=ids).order_by("path")

    def contains(self, other: "Place") -> bool:
        return other.path.startswith(self.path)


class PlaceAlias(models.Model):
    """Another name spreadsheets use for a place: “SMBC”, “Cheshire West & Chester”."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["place", "name"]
        verbose_name_plural = "place aliases"
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="place_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.place}"
