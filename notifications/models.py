"""What the application tells people, on the home page and by email, and what it has sent.

A ``Notification`` is written once per person and thing (its ``key``, unique for its
recipient), in the same transaction as the event it tells of, so that it is never made
twice and never lost. Its mail is sent afterwards by ``notifications.sending`` (the
``send_notifications`` command, run by the worker or by cron): an outbox, so that a
mail server that is down delays mail but never drops it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from atf.access import ScopedQuerySet


class Kind(models.TextChoices):
    ROUND_OPENED = "round_opened", "A stocktake round opens"
    DEADLINE_REMINDER = "deadline_reminder", "Reminders before a return's deadline"
    DEADLINE_PASSED = "deadline_passed", "A return's deadline has passed"
    RETURN_SUBMITTED = "return_submitted", "A return is submitted for review"
    RETURN_REVIEWED = "return_reviewed", "Your return is returned for changes or accepted"
    ACTION_ASSIGNED = "action_assigned", "An action is assigned"
    ACTION_DUE = "action_due", "An action is due within 7 days, or overdue"
    ACTIONS_DIGEST = "actions_digest", "A weekly digest of a commission's open and overdue actions"
    MINUTES = "minutes", "Draft minutes are ready, or minutes are published"
    ROLE_CHANGED = "role_changed", "A role is granted to you or removed"


# Kinds that everyone gets by email whatever their settings: who may see and change what.
SECURITY_KINDS = frozenset({Kind.ROLE_CHANGED})


class Notification(models.Model):
    class Mail(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        NOT_SENT = "not_sent", "Not sent"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # What it is about, e.g. "return:12:reviewed:3": a person is told of each thing once.
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Plain text, as mailed and shown.")
    link = models.CharField(max_length=500, blank=True, help_text="The page to act on, as a path on this site.")
    reason = models.CharField(max_length=300, help_text="Why the person is told, e.g. “You are Knowsley's lead.”")
    created_at = models.DateTimeField(default=timezone.now)
    shown = models.BooleanField(default=True, help_text="Listed on the home page (the person's own setting).")
    read_at = models.DateTimeField(null=True, blank=True)

    mail = models.CharField(max_length=20, choices=Mail.choices, default=Mail.PENDING)
    mail_note = models.CharField(max_length=300, blank=True, help_text="Why it was not sent, or the last error.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, help_text="Which sender has it, while it is being sent.")
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient")]
        indexes = [
            models.Index(fields=["mail", "next_attempt_at"], name="notification_outbox_idx"),
            models.Index(fields=["recipient", "shown", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Setting(models.Model):
    """A person's choice for one kind: by email, on the home page. No row: both on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by_email = models.BooleanField(default=True)
    on_home_page = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"
