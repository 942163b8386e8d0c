"""Telling people: one notification per person and thing, only to those who may see what it says.

``notify()`` is called by the events (``notifications.signals``) and by the schedule
(``notifications.schedule``), inside their transactions. What it writes is the text as
mailed and shown, rendered once from ``templates/notifications/``; its mail is sent later
by ``notifications.sending``. Each recipient is checked against the one tenant rule for
the thing the notification is about, so no mail or home page quotes text its reader may
not see; the rule is asked again whenever the person opens the notification.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from atf import access
from atf.roles import Role

from .models import SECURITY_KINDS, Kind, Notification, Setting

# Set while the demo is loaded: what it does is told on the pages but never mailed, so that loading
# the demo (or loading it again) sends nobody anything.
_recorded_only: ContextVar[str] = ContextVar("notifications_recorded_only", default="")


@contextmanager
def recorded_only(note: str):
    """Within this block, notifications are written with their mail marked not sent, for ``note``."""
    token = _recorded_only.set(note)
    try:
        yield
    finally:
        _recorded_only.reset(token)


def settings_for(users: Iterable, kind: str) -> dict[int, Setting]:
    return {s.user_id: s for s in Setting.objects.filter(user__in=[u.pk for u in users], kind=kind)}


def notify(
    users: Iterable,
    kind: str,
    key: str,
    *,
    template: str,
    context: dict,
    link: str = "",
    reason: str,
    about=None,
    now=None,
) -> list[Notification]:
    """Tell each of ``users`` once (by ``key``); those who may not view ``about`` are left out.

    ``template`` names ``notifications/<template>.txt``, whose first line is the subject and the
    rest the body. ``reason`` says why the person is told ("You are Knowsley's lead."); it may
    use ``{user}``. Returns the notifications written (none for those told already).
    """
    users = {u.pk: u for u in users if u is not None and u.is_active}.values()
    if not users:
        return []
    now = now or timezone.now()
    existing = set(
        Notification.objects.filter(key=key, recipient__in=[u.pk for u in users]).values_list("recipient_id", flat=True)
    )
    settings = settings_for(users, kind)
    quiet = _recorded_only.get()
    written = []
    for user in users:
        if user.pk in existing or (about is not None and not access.can(user, access.VIEW, about)):
            continue
        text = render_to_string(f"notifications/{template}.txt", {**context, "user": user}).strip()
        subject, _, body = text.partition("\n")
        choice = settings.get(user.pk)
        security = kind in SECURITY_KINDS
        wanted = security or choice is None or choice.by_email
        if quiet:
            mail, note = Notification.Mail.NOT_SENT, quiet
        elif not wanted:
            mail, note = Notification.Mail.NOT_SENT, "Turned off in the person's notification settings."
        elif not user.email:
            mail, note = Notification.Mail.NOT_SENT, "The person has no email address."
        else:
            mail, note = Notification.Mail.PENDING, ""
        notification = Notification(
            recipient=user,
            kind=kind,
            key=key[:200],
            subject=" ".join(subject.split())[:300],
            body=body.strip(),
            link=link,
            reason=reason.format(user=user)[:300],
            created_at=now,
            shown=security or choice is None or choice.on_home_page,
            mail=mail,
            mail_note=note,
            next_attempt_at=now,
        )
        try:
            with transaction.atomic():  # told a moment ago by another run: keep that one
                notification.save()
        except IntegrityError:
            continue
        written.append(notification)
    if any(n.mail == Notification.Mail.PENDING for n in written):
        transaction.on_commit(send_soon)
    return written


def send_soon() -> None:
    """Ask the worker to send what is waiting now; if it cannot be asked, the next scheduled run sends it."""
    from .tasks import send_waiting_mail

    try:
        send_waiting_mail.enqueue()
    except Exception:
        import logging

        logging.getLogger(__name__).warning("Could not queue the sending of mail; it waits for the next run.")


# Who is told -----------------------------------------------------------------------------


def _holders(**filters):
    User = get_user_model()
    return list(User.objects.filter(is_active=True, memberships__isnull=False, **filters).distinct().order_by("pk"))


def leads_of(place) -> list:
    """The borough's own leads."""
    return _holders(memberships__role=Role.BOROUGH_LEAD, memberships__place=place)


def reviewers_of(system) -> list:
    """The ICS reviewers of a system."""
    return _holders(memberships__role=Role.ICS_REVIEWER, memberships__place=system)


def secretariat_of(commission) -> list:
    return _holders(memberships__role=Role.SECRETARIAT, memberships__commission=commission)


def seat_holders_of(commission) -> list:
    """The commission's members who sign in here, in a seat held now."""
    User = get_user_model()
    today = timezone.localdate()
    held_now = Q(commission_seats__ends__isnull=True) | Q(commission_seats__ends__gte=today)
    return list(
        User.objects.filter(held_now, is_active=True, commission_seats__commission=commission).distinct().order_by("pk")
    )


__all__ = ["Kind", "leads_of", "notify", "recorded_only", "reviewers_of", "seat_holders_of", "secretariat_of"]
