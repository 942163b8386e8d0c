"""Personal access tokens for the read API: made and revoked by their owner, kept only as a digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "atf_"
# How often a token's "last used" date is written: at most once a minute, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccessToken(models.Model):
    """A user's token for the API. The token itself is shown once, when made; only its digest is stored."""

    class Lifetime(models.IntegerChoices):
        DAYS_30 = 30, "30 days"
        DAYS_90 = 90, "90 days"
        DAYS_180 = 180, "180 days"
        DAYS_365 = 365, "1 year"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, such as the report that uses it.")
    # The first characters of the token, shown on the settings page so that its owner can tell tokens apart.
    hint = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "personal access token"

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def make(cls, user, name: str, days: int) -> tuple[AccessToken, str]:
        """A new token for ``user``: the row, and the token itself, which is not kept anywhere."""
        token = PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        row = cls.objects.create(
            user=user,
            name=name,
            hint=token[: len(PREFIX) + 6],
            digest=digest_of(token),
            created=now,
            expires=now + timedelta(days=days),
        )
        return row, token

    @classmethod
    def find(cls, token: str) -> AccessToken | None:
        """The token's row, whatever its state (expired, revoked), or None if no such token was ever made."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        digest = digest_of(token)
        row = cls.objects.select_related("user").filter(digest=digest).first()
        # The lookup is by digest; compare again in constant time so that timing says nothing.
        if row is None or not hmac.compare_digest(row.digest, digest):
            return None
        return row

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()

    @property
    def active(self) -> bool:
        return self.revoked is None and not self.expired

    def note_use(self) -> None:
        now = timezone.now()
        if self.last_used is None or now - self.last_used >= LAST_USED_EVERY:
            type(self).objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now

    def revoke(self) -> None:
        if self.revoked is None:
            self.revoked = timezone.now()
            type(self).objects.filter(pk=self.pk, revoked=None).update(revoked=self.revoked)
