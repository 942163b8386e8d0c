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
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from atf import access
from atf.models import Membership
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


@dataclass
class Delivery:
    """One person to tell of one thing: the key it is known by, and what to fill the template with."""

    user: object
    key: str
    context: dict
    link: str = ""
    reason: str = ""
    about: object = None  # what it is about, where the deliveries of one call differ in that


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
    """Tell each of ``users`` once (by ``key``) the same thing; those who may not view ``about`` are left out.

    ``template`` names ``notifications/<template>.txt``, whose first line is the subject and the
    rest the body. ``reason`` says why the person is told ("You are Knowsley's lead.").
    """
    deliveries = [Delivery(user, key, context, link, reason) for user in users]
    return notify_each(deliveries, kind, template=template, about=about, now=now)


def notify_each(deliveries: list[Delivery], kind: str, *, template: str, about=None, now=None) -> list[Notification]:
    """Tell each delivery's person, once for its key; in a few queries however many there are.

    Returns the notifications written: none for those told already, or who may not view ``about``.
    """
    deliveries = [d for d in deliveries if d.user is not None and d.user.is_active]
    if not deliveries:
        return []
    now = now or timezone.now()
    people = {d.user.pk: d.user for d in deliveries}
    told = set(
        Notification.objects.filter(recipient__in=list(people), key__in={d.key[:200] for d in deliveries}).values_list(
            "recipient_id", "key"
        )
    )
    # Those told already cost nothing more: a schedule run every minute mostly finds everyone told.
    deliveries = [d for d in deliveries if (d.user.pk, d.key[:200]) not in told]
    if not deliveries:
        return []
    people = {d.user.pk: d.user for d in deliveries}
    settings = settings_for(people.values(), kind)
    checks = {(d.user.pk, d.about or about) for d in deliveries}
    may_see = {(pk, thing): thing is None or access.can(people[pk], access.VIEW, thing) for pk, thing in checks}
    quiet = _recorded_only.get()
    security = kind in SECURITY_KINDS
    written, seen = [], set()
    for delivery in deliveries:
        user, key = delivery.user, delivery.key[:200]
        if (user.pk, key) in seen or not may_see[(user.pk, delivery.about or about)]:
            continue
        seen.add((user.pk, key))
        text = render_to_string(f"notifications/{template}.txt", {**delivery.context, "user": user}).strip()
        subject, _, body = text.partition("\n")
        choice = settings.get(user.pk)
        if quiet:
            mail, note = Notification.Mail.NOT_SENT, quiet
        elif not (security or choice is None or choice.by_email):
            mail, note = Notification.Mail.NOT_SENT, "Turned off in the person's notification settings."
        elif not user.email:
            mail, note = Notification.Mail.NOT_SENT, "The person has no email address."
        else:
            mail, note = Notification.Mail.PENDING, ""
        written.append(
            Notification(
                recipient=user,
                kind=kind,
                key=key,
                subject=" ".join(subject.split())[:300],
                body=body.strip(),
                link=delivery.link,
                reason=delivery.reason[:300],
                created_at=now,
                shown=security or choice is None or choice.on_home_page,
                mail=mail,
                mail_note=note,
                next_attempt_at=now,
            )
        )
    # One insert; a person told of the same thing a moment ago by another run keeps that one.
    Notification.objects.bulk_create(written, ignore_conflicts=True)
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


def leads_by_place(places) -> dict[int, list]:
    """The leads of each of these boroughs, in one query."""
    found: dict[int, list] = {}
    memberships = Membership.objects.filter(role=Role.BOROUGH_LEAD, place__in=places, user__is_active=True)
    for membership in memberships.select_related("user").order_by("user_id"):
        found.setdefault(membership.place_id, []).append(membership.user)
    return found


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
