"""Sending the notifications' mail: each at most once, retried while the mail server is down.

A notification waiting to be mailed is claimed (one conditional UPDATE, so that two
senders running at once, the worker and cron say, never both send it), sent, and marked
sent. If the server refuses or cannot be reached, the claim is let go with a later time
to try again, backing off from a minute to an hour; it is never dropped. A claim left by
a sender that died mid-send is taken up again after ``STALE_CLAIM``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

BATCH = 200
STALE_CLAIM = timedelta(minutes=10)
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 15, 30, 60)]
# What a mail server that is down, refusing or mid-restart raises: worth trying again later.
TRANSIENT = (smtplib.SMTPException, OSError, socket.timeout)

Mail = Notification.Mail


@dataclass
class Sent:
    sent: int = 0
    deferred: int = 0
    error: str = ""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def message_for(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "user": notification.recipient,
        "link": absolute(reverse("notifications:open", args=[notification.pk])) if notification.link else "",
        "settings_link": absolute(reverse("notifications:settings")),
        "site": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string("notifications/email.txt", context),
        to=[notification.recipient.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    return message


def _due_now(now) -> Q:
    waiting = Q(mail=Mail.PENDING, next_attempt_at__lte=now)
    abandoned = Q(mail=Mail.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return waiting | abandoned


def _due(now):
    return Notification.objects.filter(_due_now(now))


def claim(notifications, now) -> set[int]:
    """Take these for this sender, in one update, if still due; the ids it got (another sender keeps the rest)."""
    token = secrets.token_hex(16)
    Notification.objects.filter(_due_now(now), pk__in=[n.pk for n in notifications]).update(
        mail=Mail.SENDING, claimed_at=now, claim=token
    )
    return set(Notification.objects.filter(claim=token, mail=Mail.SENDING).values_list("pk", flat=True))


def _defer(notification: Notification, error: str, now) -> None:
    attempts = notification.attempts + 1
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    Notification.objects.filter(pk=notification.pk).update(
        mail=Mail.PENDING, attempts=attempts, next_attempt_at=now + wait, claimed_at=None, mail_note=error[:300]
    )


def _permanent(exc: smtplib.SMTPRecipientsRefused) -> bool:
    codes = [code for code, _ in exc.recipients.values()]
    return bool(codes) and all(500 <= code < 600 for code in codes)


def send_waiting(now=None, limit: int = BATCH) -> Sent:
    """Send up to ``limit`` mails whose time has come; what cannot be sent now waits for a later run."""
    now = now or timezone.now()
    result = Sent()
    waiting = list(_due(now).select_related("recipient").order_by("next_attempt_at", "pk")[:limit])
    if not waiting:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except TRANSIENT as exc:
        # The server is down: nothing is claimed, all of it waits for the next try.
        result.error = f"The mail server could not be reached ({exc.__class__.__name__}: {exc})."
        for notification in waiting:
            _defer(notification, result.error, now)
        result.deferred = len(waiting)
        logger.warning("%s %d mail(s) will be tried again.", result.error, len(waiting))
        return result
    mine = claim(waiting, now)
    try:
        for notification in waiting:
            if notification.pk not in mine:
                continue  # another sender has it
            if not notification.recipient.is_active or not notification.recipient.email:
                Notification.objects.filter(pk=notification.pk).update(
                    mail=Mail.NOT_SENT, claimed_at=None, mail_note="The person has no email address, or left."
                )
                continue
            try:
                connection.send_messages([message_for(notification)])
            except smtplib.SMTPRecipientsRefused as exc:
                if _permanent(exc):  # the address itself is refused: trying again would not help
                    Notification.objects.filter(pk=notification.pk).update(
                        mail=Mail.NOT_SENT,
                        claimed_at=None,
                        attempts=notification.attempts + 1,
                        mail_note=f"The mail server refused the address: {exc.recipients}"[:300],
                    )
                    continue
                result.error = f"{exc.__class__.__name__}: {exc}"
                _defer(notification, result.error, now)
                result.deferred += 1
                continue
            except TRANSIENT as exc:
                result.error = f"{exc.__class__.__name__}: {exc}"
                _defer(notification, result.error, now)
                result.deferred += 1
                continue
            Notification.objects.filter(pk=notification.pk).update(
                mail=Mail.SENT,
                sent_at=timezone.now(),
                claimed_at=None,
                attempts=notification.attempts + 1,
                mail_note="",
            )
            result.sent += 1
    finally:
        # The server may go away after the last mail: what was sent is recorded already.
        with contextlib.suppress(*TRANSIENT):
            connection.close()
    return result
