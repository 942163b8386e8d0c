"""Inequalities Commissions and the boards like them."""

from django.db import models
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from atf.access import ScopedQuerySet


class Commission(models.Model):
    """An Inequalities Commission, a Health and Wellbeing Board or a steering group."""

    class Kind(models.TextChoices):
        INEQUALITIES_COMMISSION = "inequalities_commission", "Inequalities Commission"
        HEALTH_AND_WELLBEING_BOARD = "health_and_wellbeing_board", "Health and Wellbeing Board"
        STEERING_GROUP = "steering_group", "Steering group"

    place = models.ForeignKey("boroughs.Place", on_delete=models.PROTECT, related_name="commissions")
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.INEQUALITIES_COMMISSION)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    remit = models.TextField(blank=True)
    established = models.DateField(null=True, blank=True)
    established_by = models.CharField(max_length=300, blank=True, help_text="Who agreed to set it up.")
    reports_to = models.CharField(max_length=300, blank=True, help_text="The bodies it reports to.")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)
