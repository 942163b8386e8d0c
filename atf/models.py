"""The All Together Fairer framework as data, and who holds which role where."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .access import ScopedQuerySet
from .roles import ROLE_PLACE_KINDS, Role


class Framework(models.Model):
    """A Marmot framework adopted by one system, e.g. All Together Fairer, C&M, 2022."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    system = models.ForeignKey(
        "boroughs.Place",
        on_delete=models.PROTECT,
        related_name="frameworks",
        limit_choices_to={"kind": "ics"},
        help_text="The integrated care system that adopted this framework.",
    )
    published = models.DateField(null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # A system's frameworks are the versions of one: each made from the one before (atf.versions.new_version).
    version = models.PositiveSmallIntegerField(default=1)
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_versions",
        help_text="The version this one was made from.",
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["system", "version"], name="framework_version_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A framework added (in the admin, say) beside others of its system, not made as a version of one,
        # comes after them; a new version (``derived_from`` set) keeps its number, and a race for it fails.
        if self._state.adding and self.derived_from_id is None and self.system_id:
            held = Framework.objects.filter(system_id=self.system_id)
            if held.filter(version=self.version).exists():
                self.version = (held.aggregate(v=models.Max("version"))["v"] or 0) + 1
        super().save(*args, **kwargs)

    @property
    def version_label(self) -> str:
        return f"version {self.version}"

    @property
    def title(self) -> str:
        """The name without the “(version 2)” a new version's name is given to keep names unique."""
        return re.sub(r"\s*\(version \d+\)$", "", self.name) or self.name

    @property
    def is_current(self) -> bool:
        """Is this the newest version of its system's framework? (One query; lists annotate instead.)"""
        if not hasattr(self, "_is_current"):
            self._is_current = not Framework.objects.filter(system_id=self.system_id, version__gt=self.version).exists()
        return self._is_current

    @classmethod
    def newest(cls) -> models.Exists:
        """A filter for the frameworks that are the newest version in their system: ``filter(Framework.newest())``."""
        return ~models.Exists(
            cls.objects.filter(system=models.OuterRef("system"), version__gt=models.OuterRef("version"))
        )

    @classmethod
    def current_for(cls, system) -> Framework | None:
        """The framework version new rounds and newly imported values use in ``system`` (an ICS place)."""
        return cls.objects.filter(system=system).order_by("-version").first()


class Theme(models.Model):
    """One of the eight Marmot themes, e.g. 1. Give every child the best start in life."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    indicator_heading = models.CharField(
        max_length=300,
        blank=True,
        help_text="The shorter heading this theme goes by on the Beacon Indicators sheet.",
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="theme_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Recommendation(models.Model):
    """A recommendation under a theme: one bullet of the workbook's first column."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["theme", "position"]
        constraints = [models.UniqueConstraint(fields=["theme", "position"], name="recommendation_position_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:80]}"

    @property
    def code(self) -> str:
        return f"{self.theme.number}.{self.position}"


class SystemRecommendation(models.Model):
    """One of the seven recommendations to the system as a whole."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="system_recommendations")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="system_recommendation_number_unique")
        ]

    def __str__(self) -> str:
        return f"S{self.number}. {self.title}"


class BeaconIndicator(models.Model):
    """One of the outcome measures the framework is monitored by."""

    class Status(models.TextChoices):
        LIVE = "live", "Live"
        NO_DATA = "no_data", "No data yet"
        DISCONTINUED = "discontinued", "No longer published locally"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300, help_text="As written in the workbook, footnote marks included.")
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        help_text="Blank for the indicators that measure life expectancy across all themes.",
    )
    group = models.CharField(max_length=300, help_text="The heading it sits under on the Beacon Indicators sheet.")
    frequency = models.CharField(max_length=50, blank=True)
    geographic_level = models.CharField(max_length=50, blank=True)
    disaggregation = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LIVE)

    class Polarity(models.TextChoices):
        # The values indicators.comparison.Polarity takes.
        HIGH_IS_GOOD = "high is good", "High is good"
        LOW_IS_GOOD = "low is good", "Low is good"
        NOT_APPLICABLE = "not applicable", "Not applicable"

    # What comparing its values needs; blank where not known, never guessed.
    polarity = models.CharField(max_length=20, choices=Polarity.choices, blank=True)
    unit = models.CharField(max_length=40, blank=True, help_text="As values are given: years, %, score.")
    source_identifier = models.CharField(
        max_length=60, blank=True, help_text="The publisher's own identifier, such as “Fingertips 90366”."
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="indicator_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Pillar(models.Model):
    """A WHO pillar for structured action on health in all policies."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="pillars")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="pillar_number_unique")]

    def __str__(self) -> str:
        return f"Pillar {self.number}: {self.name}"


class Membership(models.Model):
    """A user holding a role at a place, or for a commission."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    place = models.ForeignKey(
        "boroughs.Place", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    commission = models.ForeignKey(
        "commissions.Commission", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "place"], name="membership_place_unique"),
            models.UniqueConstraint(fields=["user", "role", "commission"], name="membership_commission_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(role=Role.SECRETARIAT, commission__isnull=False, place__isnull=True)
                    | (~models.Q(role=Role.SECRETARIAT) & models.Q(place__isnull=False, commission__isnull=True))
                ),
                name="membership_target_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.target}"

    @property
    def target(self):
        return self.commission if self.role == Role.SECRETARIAT else self.place

    def clean(self):
        if self.role == Role.SECRETARIAT:
            if not self.commission_id or self.place_id:
                raise ValidationError("A commission secretariat is held for a commission, not at a place.")
            return
        if not self.place_id or self.commission_id:
            raise ValidationError({"place": f"A {self.get_role_display().lower()} is held at a place."})
        if self.place.kind not in ROLE_PLACE_KINDS[self.role]:
            labels = dict(type(self.place).Kind.choices)
            named = [labels[kind].lower() for kind in sorted(ROLE_PLACE_KINDS[self.role], key=list(labels).index)]
            kinds = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
            raise ValidationError(
                {
                    "place": f"A {self.get_role_display().lower()} is held at {kinds} level, "
                    f"not at {self.place.get_kind_display().lower()}."
                }
            )
