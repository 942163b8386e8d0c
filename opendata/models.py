"""What the ICS has put on the open-data page: one row per publication, kept after it is withdrawn.

Publishing adds a row (who, when); withdrawing fills in who withdrew it and
when, and the row stays: the rows of a dataset are its history. At most one
row per dataset is live (not withdrawn) at a time. Nothing is published until
someone with the right publishes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from atf.access import ScopedQuerySet


class Publication(models.Model):
    class Kind(models.TextChoices):
        ROUND = "round", "Stocktake round"
        COMMISSION = "commission", "Commission minutes and decisions"
        INDICATORS = "indicators", "Beacon indicator values"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    round = models.ForeignKey(
        "stocktake.Round", null=True, blank=True, on_delete=models.CASCADE, related_name="publications"
    )
    commission = models.ForeignKey(
        "commissions.Commission", null=True, blank=True, on_delete=models.CASCADE, related_name="publications"
    )
    framework = models.ForeignKey(
        "atf.Framework",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publications",
        help_text="For indicator values: the framework version whose indicators' values are published.",
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="round", round__isnull=False, commission__isnull=True, framework__isnull=True)
                    | Q(kind="commission", round__isnull=True, commission__isnull=False, framework__isnull=True)
                    | Q(kind="indicators", round__isnull=True, commission__isnull=True, framework__isnull=False)
                ),
                name="publication_kind_matches_its_dataset",
            ),
            # One live publication per dataset: publishing twice at once cannot make two.
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(withdrawn_at__isnull=True, round__isnull=False),
                name="publication_live_round",
            ),
            models.UniqueConstraint(
                fields=["commission"],
                condition=Q(withdrawn_at__isnull=True, commission__isnull=False),
                name="publication_live_commission",
            ),
            models.UniqueConstraint(
                fields=["framework"],
                condition=Q(withdrawn_at__isnull=True, framework__isnull=False),
                name="publication_live_framework",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "published"
        return f"{self.get_kind_display()}: {self.dataset} ({state})"

    @property
    def dataset(self):
        return self.round or self.commission or self.framework

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
