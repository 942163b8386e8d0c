"""Inequalities Commissions and the boards like them."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from atf.access import ScopedQuerySet
from atf.consistency import RelationsChecked, unset_or_matching
from atf.versioning import Versioned


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
    meeting_pattern = models.CharField(max_length=300, blank=True, help_text="e.g. “Six meetings a year”.")

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


class Member(Versioned):
    """A seat on a commission: a position held by a role, and by a named person only where that is wanted."""

    class Position(models.TextChoices):
        INDEPENDENT_CHAIR = "independent_chair", "Independent chair"
        CHAIR = "chair", "Chair"
        INDEPENDENT_ADVISER = "independent_adviser", "Independent adviser"
        MEMBER = "member", "Member"
        SUPPORTING_OFFICER = "supporting_officer", "Supporting officer"
        SECRETARIAT = "secretariat", "Secretariat"

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="members")
    position = models.CharField(max_length=30, choices=Position.choices, default=Position.MEMBER)
    role_title = models.CharField(max_length=200, help_text="e.g. “Director of Public Health”.")
    organisation = models.CharField(max_length=200, blank=True)
    person_name = models.CharField(max_length=200, blank=True, help_text="Optional: many seats are held by a role.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commission_seats",
        help_text="Where the seat's holder signs in here: they are told when minutes are ready, and of the actions "
        "they own.",
    )
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commission", "position", "role_title"]

    def __str__(self) -> str:
        who = self.person_name or self.role_title
        return f"{who} ({self.get_position_display()})"


class Priority(models.Model):
    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    themes = models.ManyToManyField("atf.Theme", blank=True, related_name="priorities")
    recommendations = models.ManyToManyField("atf.Recommendation", blank=True, related_name="priorities")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commission", "number"]
        verbose_name_plural = "priorities"
        constraints = [models.UniqueConstraint(fields=["commission", "number"], name="priority_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Meeting(Versioned):
    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular meeting"
        DEEP_DIVE = "deep_dive", "Deep-dive workshop"
        ENGAGEMENT = "engagement", "Engagement event"
        BOARD = "board", "Board meeting"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DRAFT = "draft", "Draft minutes"
        CIRCULATED = "circulated", "Draft minutes circulated for comment"
        APPROVED = "approved", "Minutes approved"
        PUBLISHED = "published", "Published"

    # Minutes the meeting after has approved as a correct record: their text changes only by amendment.
    LOCKED_STATUSES = (Status.APPROVED, Status.PUBLISHED)

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    title = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Blank where the source does not say.")
    location = models.CharField(max_length=300, blank=True, help_text="A room or a link to join.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    agenda_published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the agenda and its papers were sent out (and, where the commission "
        "publishes, put on its public page).",
    )
    circulated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the draft minutes went out for comment."
    )
    approved_at = models.DateTimeField(null=True, blank=True, help_text="When the minutes were approved.")
    approved_at_meeting = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="minutes_approved",
        help_text="The meeting that approved these minutes as a correct record (a matter arising at it).",
    )
    published_at = models.DateTimeField(null=True, blank=True, help_text="When the minutes were published.")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commission", "-starts_at"]

    def __str__(self) -> str:
        # As the pages write a date (1 December 2026), on the day it is here, not in UTC.
        if not self.starts_at:
            return f"{self.commission}: {self.title or self.get_kind_display()}, date not recorded"
        when = formats.date_format(timezone.localtime(self.starts_at), "j F Y")
        return f"{self.commission}: {self.title or self.get_kind_display()}, {when}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_locked(self) -> bool:
        """Approved or published: the minutes' text changes only by a recorded amendment."""
        return self.status in self.LOCKED_STATUSES


class AgendaItem(Versioned, RelationsChecked):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    number = models.CharField(max_length=20, help_text="As the minutes number it, e.g. “12” or “12.1”.")
    position = models.PositiveIntegerField(default=0, help_text="Its place among the items beside it.")
    title = models.CharField(max_length=500)
    presenter = models.CharField(
        max_length=300, blank=True, help_text="Who presents it, e.g. “Director of Public Health”."
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        # As minutes write them: "12. Title" for an item, "12.1 Title" for one under it.
        return f"{self.number}{'' if self.parent_id else '.'} {self.title}"

    def relation_errors(self) -> dict[str, str]:
        if self.meeting_id and not unset_or_matching(self, "parent", "meeting_id", self.meeting_id):
            return {"parent": "An item can only sit under another item of the same meeting."}
        return {}


class AgendaPaper(models.Model):
    """A paper for an agenda item: a file kept under a name the server chose (``commissions.papers``)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(max_length=300)
    original_name = models.CharField(max_length=255, help_text="The file's name as uploaded, shown and downloaded.")
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "pk"]

    def __str__(self) -> str:
        return self.title


class Paragraph(Versioned):
    """A numbered paragraph of the minutes under an agenda item, e.g. 12.5."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.CharField(max_length=20)
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    note = models.CharField(max_length=300, blank=True, help_text="e.g. a number used twice in the source.")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.text[:60]}"


class Attendance(Versioned, RelationsChecked):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        IN_ATTENDANCE = "in_attendance", "In attendance"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendance")
    name_or_position = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PRESENT)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "status", "name_or_position"]
        verbose_name_plural = "attendance"

    def __str__(self) -> str:
        return f"{self.member or self.name_or_position}: {self.get_status_display()}"

    def relation_errors(self) -> dict[str, str]:
        if self.meeting_id and not unset_or_matching(self, "member", "commission_id", self.meeting.commission_id):
            return {"member": "Choose a member of this meeting's commission."}
        return {}


class Amendment(models.Model):
    """A correction to a paragraph of approved or published minutes: who made it, when and why, kept for good."""

    paragraph = models.ForeignKey(Paragraph, on_delete=models.PROTECT, related_name="amendments")
    previous_text = models.TextField()
    text = models.TextField(help_text="The paragraph as amended.")
    reason = models.TextField(help_text="Why the approved text was changed, e.g. “Name of the presenter corrected”.")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["paragraph", "made_at", "pk"]

    def __str__(self) -> str:
        return f"Amendment to {self.paragraph.number}: {self.reason[:60]}"

    # The record of a correction is itself never corrected or removed: a further change is a further amendment.
    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionDenied("An amendment is kept as it was made: make another to correct it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("An amendment is kept as it was made: make another to correct it.")


class Decision(Versioned, RelationsChecked):
    """A decision or recommendation put to the meeting, and what became of it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not yet decided"
        AGREED = "agreed", "Agreed"
        NOTED = "noted", "Noted"
        AMENDED = "amended", "Agreed with changes"
        REJECTED = "rejected", "Not agreed"
        DEFERRED = "deferred", "Deferred"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    number = models.PositiveSmallIntegerField(default=1)
    text = models.TextField(help_text="As put to the meeting, e.g. “The Board are asked to note the contents”.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    approves = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_decisions",
        editable=False,
        help_text="The meeting whose minutes this decision approved: the record of the approval, changed by nobody.",
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]

    def __str__(self) -> str:
        return f"({self.number}) {self.text[:80]}"

    def relation_errors(self) -> dict[str, str]:
        if self.meeting_id and not unset_or_matching(self, "item", "meeting_id", self.meeting_id):
            return {"item": "Choose an agenda item of this decision's meeting."}
        return {}


class WorkshopQuestion(Versioned):
    """A question put to a workshop, with the key points drawn out and the contributions gathered."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    question = models.TextField()
    key_points = models.TextField(blank=True)
    contributions = models.TextField(blank=True, help_text="Verbatim, without names.")

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]

    def __str__(self) -> str:
        return f"Q{self.number}. {self.question[:80]}"


ADDED_TO_LOCKED_MINUTES = (
    "These minutes are approved: the actions arising from them are part of their record, and none is added now. "
    "Add it to the meeting that agreed it."
)


class Action(Versioned, RelationsChecked):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    paragraph = models.ForeignKey(
        Paragraph,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        help_text="The minute paragraph it arose from.",
    )
    reference = models.CharField(max_length=30, blank=True, help_text="The paragraph number it arose from, kept.")

    class OwnerKind(models.TextChoices):
        ROLE = "role", "A role"
        MEMBER = "member", "A member of the commission"
        ORGANISATION = "organisation", "An organisation"

    description = models.TextField()
    owner_kind = models.CharField(max_length=20, choices=OwnerKind.choices, default=OwnerKind.ROLE)
    owner = models.CharField(max_length=300, help_text="A role, a member or an organisation.")
    owner_member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.ForeignKey(Priority, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    theme = models.ForeignKey("atf.Theme", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    recommendation = models.ForeignKey(
        "atf.Recommendation", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    indicator = models.ForeignKey(
        "atf.BeaconIndicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["commission", "status", "due", "pk"]

    def __str__(self) -> str:
        return f"{self.reference + ' ' if self.reference else ''}{self.description[:70]} ({self.owner})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def relation_errors(self) -> dict[str, str]:
        errors = {}
        if self.commission_id is None:  # a form that sets it after validation; checked again on save
            return errors
        if not unset_or_matching(self, "meeting", "commission_id", self.commission_id):
            errors["meeting"] = "Choose a meeting of this action's commission."
        if self.paragraph_id is not None:
            item = self.paragraph.item
            if item.meeting.commission_id != self.commission_id:
                errors["paragraph"] = "Choose a paragraph of this action's commission's minutes."
            elif self.meeting_id is not None and item.meeting_id != self.meeting_id:
                errors["paragraph"] = "Choose a paragraph of the minutes of this action's meeting."
        if not unset_or_matching(self, "owner_member", "commission_id", self.commission_id):
            errors["owner_member"] = "Choose a member of this action's commission."
        if not unset_or_matching(self, "priority", "commission_id", self.commission_id):
            errors["priority"] = "Choose one of this action's commission's priorities."
        return errors

    def clean(self):
        """On every form (the pages' and the admin's): no new action arises from minutes already approved.

        Their actions arising are part of the record; once they are, an action is chased (its owner,
        due date, progress) but none is added to them. An action agreed since arises from a later meeting.
        """
        super().clean()
        arises_anew = self._state.adding or self._meeting_changed()
        if (
            arises_anew
            and self.meeting_id
            and Meeting.objects.filter(pk=self.meeting_id, status__in=Meeting.LOCKED_STATUSES).exists()
        ):
            raise ValidationError({"meeting": ADDED_TO_LOCKED_MINUTES})

    def _meeting_changed(self) -> bool:
        saved = Action.objects.filter(pk=self.pk).values_list("meeting_id", flat=True).first()
        return saved != self.meeting_id

    def is_overdue(self, today=None) -> bool:
        from django.utils import timezone

        return self.is_open and self.due is not None and self.due < (today or timezone.localdate())


class ActionUpdate(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField()
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text[:60]}"
