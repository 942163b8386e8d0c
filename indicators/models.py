"""Beacon indicator values: public figures for places and their comparators, per period and breakdown."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from atf.access import ScopedQuerySet
from atf.models import BeaconIndicator
from boroughs.models import Place

NUMBER = {"max_digits": 18, "decimal_places": 6, "null": True, "blank": True}


class Area(models.Model):
    """An area figures are published for, by its ONS code: a place of ours, or a comparator (England, a region)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        PLACE = "place", "One of our places"

    code = models.CharField("ONS code", max_length=9, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    place = models.OneToOneField(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="area")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class IndicatorValue(models.Model):
    """One published value: an indicator, an area, a period as published, a sex, an age and a breakdown."""

    class Sex(models.TextChoices):
        FEMALE = "Female"
        MALE = "Male"
        PERSONS = "Persons"

    indicator = models.ForeignKey(BeaconIndicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="values")
    period_label = models.CharField(max_length=40, help_text="As published: “2020 - 22”, “2020/21”.")
    period_start = models.PositiveSmallIntegerField()
    period_years = models.PositiveSmallIntegerField()
    period_kind = models.CharField(max_length=10, help_text="calendar, or split (a financial or academic year).")
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.PERSONS)
    age = models.CharField(max_length=60, blank=True)
    breakdown = models.CharField(
        max_length=200, blank=True, help_text="A category such as a deprivation decile; blank for the headline series."
    )
    value = models.DecimalField(**NUMBER, help_text="Blank where the publisher suppressed it or gave none.")
    lower_95 = models.DecimalField(**NUMBER)
    upper_95 = models.DecimalField(**NUMBER)
    lower_998 = models.DecimalField(**NUMBER)
    upper_998 = models.DecimalField(**NUMBER)
    count = models.DecimalField(**NUMBER)
    denominator = models.DecimalField(**NUMBER)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the value was published.")
    source_comparison = models.CharField(max_length=60, blank=True, help_text="The publisher's own comparison.")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "area", "period_start", "period_years", "sex", "age", "breakdown"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_label", "sex", "age", "breakdown"],
                name="indicator_value_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.number} {self.area.name} {self.period_label} {self.sex}: {self.value}"
