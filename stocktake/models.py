"""Stocktake rounds and the activity that places report in them."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from atf.access import ScopedQuerySet
from atf.bulk import insert_rows
from atf.consistency import RelationsChecked
from atf.text import normalise, normalise_characters
from atf.versioning import Versioned
from boroughs.models import Place

from . import layout

DEFAULT_REMINDER_DAYS = "14, 7, 1"


def reminder_day_list(text: str) -> list[int]:
    """“14, 7, 1” as [14, 7, 1]: the days before a deadline on which reminders go, largest first."""
    days = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"[0-9]{1,2}", part) or int(part) > 90:
            raise ValidationError(
                f"“{part}” is not a number of days: give whole numbers from 0 to 90, separated by commas, "
                "for example 14, 7, 1"
            )
        days.add(int(part))
    return sorted(days, reverse=True)


def validate_reminder_days(text: str) -> None:
    reminder_day_list(text)


class Round(Versioned):
    """One stocktake exercise, e.g. “ATF Stocktake Oct-Dec 2023”."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    framework = models.ForeignKey("atf.Framework", on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(
        max_length=300, blank=True, help_text="The title cell of the Themes sheet; the name when blank."
    )
    recommendations_title = models.CharField(
        max_length=300, blank=True, help_text="The title cell of the Recommendations sheet."
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    reminder_days = models.CharField(
        max_length=60,
        default=DEFAULT_REMINDER_DAYS,
        blank=True,
        validators=[validate_reminder_days],
        help_text="How many days before its deadline each lead whose return is not submitted is reminded, "
        "e.g. “14, 7, 1”. Blank: no reminders.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def reminder_day_list(self) -> list[int]:
        try:
            return reminder_day_list(self.reminder_days)
        except ValidationError:
            return []


class Level(models.TextChoices):
    """The level an entry was reported at: which activity column it sits in."""

    ICS = Place.Kind.ICS.value, "ICS"
    SUB_REGION = Place.Kind.SUB_REGION.value, "Sub-region"
    COMBINED_AUTHORITY = Place.Kind.COMBINED_AUTHORITY.value, "Combined authority"
    BOROUGH = Place.Kind.BOROUGH.value, "Borough"


def link_places(pairs) -> None:
    """Insert (entry id, place id) pairs into the entries' places table, in bulk."""
    insert_rows(Entry.places.through, ("entry", "place"), pairs)


def section_errors(obj) -> dict[str, str]:
    """A round's row, cell or entry sits under a theme or system recommendation of the round's own framework."""
    if not obj.round_id:
        return {}
    framework_id = obj.round.framework_id
    errors = {}
    for name in ("theme", "system_recommendation"):
        if getattr(obj, f"{name}_id", None) and getattr(obj, name).framework_id != framework_id:
            errors[name] = f"Choose one of the {obj.round.framework}'s, the framework of {obj.round}."
    return errors


class Row(RelationsChecked):
    """A theme's or system recommendation's row of a round's workbook.

    Keeps the row's own cells as they were sent (the first column's heading
    and the Beacon Indicators cell), so that a round's workbook is written
    back as it came even where it differs from the framework's current text.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="rows")
    theme = models.ForeignKey("atf.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    system_recommendation = models.ForeignKey(
        "atf.SystemRecommendation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    heading_text = models.TextField(blank=True)
    indicators_text = models.TextField("Beacon Indicators cell", blank=True)
    indicators = models.ManyToManyField("atf.BeaconIndicator", blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "system_recommendation__number", "theme__number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "theme"], name="row_round_theme_unique"),
            models.UniqueConstraint(
                fields=["round", "system_recommendation"], name="row_round_system_recommendation_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(theme__isnull=True) ^ models.Q(system_recommendation__isnull=True),
                name="row_theme_xor_system_recommendation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.theme or self.system_recommendation}"

    def save(self, *args, **kwargs):
        self.heading_text, self.indicators_text = normalise(self.heading_text), normalise(self.indicators_text)
        super().save(*args, **kwargs)

    def relation_errors(self) -> dict[str, str]:
        return section_errors(self)


class Entry(Versioned, RelationsChecked):
    """One piece of activity reported in a round, under a theme or a system recommendation.

    ``lead_in`` is the text that named the places in the workbook (“Knowsley - ”,
    “Halton, Liverpool and Knowsley ”), kept apart from ``text`` so that pages
    can show the activity itself while the workbook is written back word for
    word as ``lead_in + text``.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    theme = models.ForeignKey("atf.Theme", null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    system_recommendation = models.ForeignKey(
        "atf.SystemRecommendation", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    level = models.CharField(max_length=32, choices=Level.choices)
    column_place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The place whose activity column holds the entry; blank for the borough column.",
    )
    places = models.ManyToManyField(Place, blank=True, related_name="entries")
    lead_in = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    recommendations = models.ManyToManyField("atf.Recommendation", blank=True, related_name="entries")
    indicators = models.ManyToManyField("atf.BeaconIndicator", blank=True, related_name="entries")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "system_recommendation__number", "theme__number", "level", "position"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["round", "theme", "system_recommendation", "level", "position"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theme__isnull=True) ^ models.Q(system_recommendation__isnull=True),
                name="entry_theme_xor_system_recommendation",
            ),
        ]

    def __str__(self) -> str:
        return (self.lead_in + self.text)[:80]

    @staticmethod
    def level_error(level: str, column_place: Place | None) -> str | None:
        """Why an entry at ``level`` cannot sit in ``column_place``'s column, or None if it can."""
        if level == Level.BOROUGH:
            if column_place is not None:
                return "A borough entry sits in the borough column: leave the column place blank."
            return None
        if column_place is None or column_place.kind != level:
            label = Level(level).label if level in Level.values else level
            return f"An entry at {label} level sits in the column of a place of that kind: choose one."
        return None

    def save(self, *args, **kwargs):
        # Saves from the admin and its history revert come here; forms and readers normalise earlier too.
        self.lead_in, self.text = normalise_characters(self.lead_in), normalise(self.text).strip()
        super().save(*args, **kwargs)

    def relation_errors(self) -> dict[str, str]:
        errors = section_errors(self)
        problem = self.level_error(self.level, self.column_place if self.column_place_id else None)
        if problem:
            errors["column_place"] = problem
        return errors

    @property
    def full_text(self) -> str:
        """The entry as it reads in the workbook."""
        return self.lead_in + self.text

    @property
    def section(self):
        return self.theme or self.system_recommendation


class RecommendationCell(RelationsChecked):
    """A filled-in cell of a round's Recommendations sheet, kept word for word.

    The sheet is a template the ICS sends out beside the Themes sheet: a row
    per system recommendation, with columns for the ICS's and the combined
    authority's activity, the places' activity, best practice elsewhere and
    comments. People may fill it in; its cells are kept as they were written
    (not split into entries) so that the workbook is written back without
    losing a word.
    """

    class Column(models.TextChoices):
        HEADING = "heading", "Marmot System Recommendations"
        ACTIVITY = "activity", "Activity"
        BEST_PRACTICE = "best_practice", "Best Practice Elsewhere"
        COMMENTS = "comments", "Comments"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="recommendation_cells")
    system_recommendation = models.ForeignKey("atf.SystemRecommendation", on_delete=models.PROTECT, related_name="+")
    column = models.CharField(max_length=20, choices=Column.choices)
    column_place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For an activity column, the place it is headed with; blank for the Place Level Activity column.",
    )
    text = models.TextField()

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "system_recommendation__number", "column", "column_place__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "system_recommendation", "column", "column_place"],
                condition=models.Q(column_place__isnull=False),
                name="recommendation_cell_unique_with_place",
            ),
            models.UniqueConstraint(
                fields=["round", "system_recommendation", "column"],
                condition=models.Q(column_place__isnull=True),
                name="recommendation_cell_unique_without_place",
            ),
        ]

    def __str__(self) -> str:
        if self.column_place:
            column = self.column_place.stocktake_heading
        elif self.column == self.Column.ACTIVITY:
            column = layout.BOROUGH_HEADER_FOR_BLOCK[layout.SYSTEM_HEADER]
        else:
            column = self.get_column_display()
        return f"{self.round}: {self.system_recommendation.number}, {column}"

    def save(self, *args, **kwargs):
        self.text = normalise(self.text)
        super().save(*args, **kwargs)

    def relation_errors(self) -> dict[str, str]:
        return section_errors(self)

    @property
    def key(self) -> tuple[int, str, int | None]:
        return (self.system_recommendation_id, self.column, self.column_place_id)


class Return(Versioned):
    """A place's return for a round: draft, then submitted, then returned to the place or accepted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

    # Statuses in which others may read the place's entries, and its lead may not change them.
    PUBLISHED = (Status.SUBMITTED, Status.ACCEPTED)

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="returns")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True, help_text="The reviewer's comment to the place.")
    deadline = models.DateField(
        null=True, blank=True, help_text="This place's own deadline, where the ICS has extended the round's."
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "place__name"]
        constraints = [models.UniqueConstraint(fields=["round", "place"], name="return_round_place_unique")]

    def __str__(self) -> str:
        return f"{self.place} — {self.round} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        # The one door for a saved return's status is ``stocktake.transitions``: a save that changes it,
        # or moves the return to another round or place, from anywhere else is refused, nothing written.
        if self.pk is not None and not kwargs.get("force_insert"):
            from .transitions import refuse_direct_change

            refuse_direct_change(self)
        super().save(*args, **kwargs)

    @property
    def due(self):
        """The date this place's return is due: its own extended deadline, or the round's."""
        return self.deadline or self.round.deadline


class ReturnTransition(models.Model):
    """One step of a return through review: who took it, when, from which status to which, and why.

    Written by ``stocktake.transitions`` in the same transaction as the
    status change it records, and never changed afterwards.
    """

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submitted"
        ACCEPT = "accept", "Accepted"
        RETURN = "return", "Returned for changes"
        REOPEN = "reopen", "Reopened"

    place_return = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Return.Status.choices)
    to_status = models.CharField(max_length=20, choices=Return.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True, help_text="The reviewer's comment or reason, as given with the step.")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["place_return", "at", "pk"]
        indexes = [models.Index(fields=["place_return", "at"])]

    def __str__(self) -> str:
        return f"{self.place_return.place}: {self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"


class WorkbookImport(models.Model):
    """A record of one workbook import: who, when, which file, and what it changed."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="imports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=300, blank=True, help_text="The file's name as uploaded or given.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    started_round = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.round} — {self.at:%Y-%m-%d %H:%M}: {self.created} created, {self.updated} updated"


class WorkbookDownload(models.Model):
    """What one person's workbook download held, by cell, so that their upload is judged on their own changes.

    The workbook carries the token as a document property. When it comes
    back, the importer compares the file with what was downloaded (the
    person's changes) and that with the round now (others' changes since),
    like a three-way merge. Only digests are kept, never the text.
    """

    token = models.CharField(max_length=40, unique=True)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    baseline = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.round} — {self.user} — {self.at:%Y-%m-%d %H:%M}"
