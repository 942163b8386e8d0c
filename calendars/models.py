"""Each user's calendar feed: a secret address that calendar programs read without signing in."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CalendarFeed(models.Model):
    """A user's feed token. The address holds the token; the lookup matches its digest, never the token itself."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    # Shown to its owner on the calendar page, so kept; looked up only through ``digest``.
    token = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    token_made = models.DateTimeField(default=timezone.now, help_text="When the current address was made.")

    class Meta:
        verbose_name = "calendar feed"

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def save(self, *args, **kwargs):
        if not self.token:
            self.token = new_token()
        self.digest = digest_of(self.token)
        super().save(*args, **kwargs)

    @classmethod
    def of(cls, user) -> CalendarFeed:
        """The user's feed, made on first asking (two first visits at once make one)."""
        feed = cls.objects.filter(user=user).first()
        if feed is not None:
            return feed
        try:
            with transaction.atomic():
                return cls.objects.create(user=user)
        except IntegrityError:
            return cls.objects.get(user=user)

    @classmethod
    def reset(cls, user) -> CalendarFeed:
        """A new address for the user's feed: the old one stops working at once."""
        cls.of(user)
        with transaction.atomic():
            feed = cls.objects.select_for_update().get(user=user)
            feed.token = new_token()
            feed.token_made = timezone.now()
            feed.save()
        return feed

    @classmethod
    def find(cls, token: str) -> CalendarFeed | None:
        """The active user's feed with this token, or None; the token is compared in constant time."""
        if not token or len(token) > 100:
            return None
        feed = cls.objects.select_related("user").filter(digest=digest_of(token)).first()
        if feed is None or not secrets.compare_digest(feed.token.encode(), token.encode()):
            return None
        if not feed.user.is_active:
            return None
        return feed
