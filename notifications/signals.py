"""The events that tell people, caught where the rows are saved.

They are caught on the models, not in the views, so that every door that makes the change
(the pages, the admin and its history revert, the commands, the imports) tells the same
people the same thing, in the transaction that makes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse

from atf.models import Membership
from commissions.models import Action, Meeting
from stocktake.models import Return, ReturnTransition, Round

from .models import Kind, Notification
from .notify import (
    Delivery,
    leads_by_place,
    leads_of,
    notify,
    notify_each,
    reviewers_of,
    seat_holders_of,
    secretariat_of,
)


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _status_before(sender, instance) -> str | None:
    if instance.pk is None:
        return None
    return sender._base_manager.filter(pk=instance.pk).values_list("status", flat=True).first()


# Rounds ------------------------------------------------------------------------------------


@receiver(pre_save, sender=Round)
@receiver(pre_save, sender=Meeting)
def remember_status(sender, instance, raw=False, **kwargs):
    instance._status_before = None if raw else _status_before(sender, instance)


@receiver(post_save, sender=Round)
def round_opened(sender, instance: Round, created, raw=False, **kwargs):
    if raw or not instance.is_open or (not created and instance._status_before == instance.status):
        return
    from boroughs.models import Place

    round_ = instance
    boroughs = Place.objects.filter(system_id=round_.framework.system_id, kind=Place.Kind.BOROUGH).order_by("name")
    # Told when it opens, and again each time the ICS reopens it (each reopening is a new version of the round).
    stage = "opened" if created else f"v{round_.version}:reopened"
    leads = leads_by_place(boroughs)
    deliveries = [
        Delivery(
            lead,
            f"round:{round_.pk}:{stage}:{place.pk}",
            {"round": round_, "place": place, "deadline": _day(round_.deadline), "reopened": not created},
            reverse("stocktake:return_detail", args=[round_.slug, place.slug]),
            f"You are {place}'s lead for the stocktake.",
        )
        for place in boroughs
        for lead in leads.get(place.pk, [])
    ]
    notify_each(deliveries, Kind.ROUND_OPENED, template="round_opened", about=round_)


# Returns -----------------------------------------------------------------------------------


@receiver(post_save, sender=ReturnTransition)
def return_moved(sender, instance: ReturnTransition, created, raw=False, **kwargs):
    if raw or not created:
        return
    step = instance
    return_: Return = step.place_return
    round_, place = return_.round, return_.place
    link = reverse("stocktake:return_detail", args=[round_.slug, place.slug])
    context = {"round": round_, "place": place, "step": step, "by": step.by, "reason": step.reason}
    # What the earlier steps asked of people is done now: a review waited for, or changes asked for.
    Notification.objects.filter(key__startswith=f"return:{return_.pk}:step:", read_at=None).update(read_at=step.at)
    if step.action == ReturnTransition.Action.SUBMIT:
        notify(
            reviewers_of(round_.framework.system),
            Kind.RETURN_SUBMITTED,
            f"return:{return_.pk}:step:{step.pk}",
            template="return_submitted",
            context=context,
            link=link + "#review",
            reason="You review the stocktake returns of the ICS.",
            about=return_,
            now=step.at,
        )
    else:
        notify(
            leads_of(place),
            Kind.RETURN_REVIEWED,
            f"return:{return_.pk}:step:{step.pk}",
            template=f"return_{step.action}",
            context=context,
            link=link,
            reason=f"You are {place}'s lead for the stocktake.",
            about=return_,
            now=step.at,
        )


# Commissions -------------------------------------------------------------------------------


def _action_context(action: Action) -> dict:
    return {"action": action, "commission": action.commission, "due": _day(action.due)}


@receiver(post_save, sender=Action)
def action_assigned(sender, instance: Action, created, raw=False, **kwargs):
    if raw:
        return
    action = instance
    link = reverse("commissions:action_detail", args=[action.pk])
    if created:
        notify(
            secretariat_of(action.commission),
            Kind.ACTION_ASSIGNED,
            f"action:{action.pk}:assigned",
            template="action_assigned",
            context=_action_context(action),
            link=link,
            reason=f"You are the secretariat of {action.commission}.",
            about=action,
        )
    owner = action.owner_member.user if action.owner_member_id and action.owner_member.user_id else None
    if owner is not None:  # told once for each seat it is given to
        notify(
            [owner],
            Kind.ACTION_ASSIGNED,
            f"action:{action.pk}:owner:{action.owner_member_id}",
            template="action_assigned",
            context={**_action_context(action), "yours": True},
            link=link,
            reason=f"You hold the seat of {action.owner_member.role_title} on {action.commission}.",
            about=action,
        )


@receiver(post_save, sender=Meeting)
def minutes_ready(sender, instance: Meeting, created, raw=False, **kwargs):
    if raw or instance.status == getattr(instance, "_status_before", None):
        return
    meeting = instance
    if meeting.status == Meeting.Status.DRAFT:
        stage = "draft"
    elif meeting.status == Meeting.Status.CIRCULATED:
        # Each time: a draft returned after comments and circulated again is told again.
        stage = f"v{meeting.version}:circulated"
    elif meeting.status == Meeting.Status.PUBLISHED:
        stage = "published"
    else:
        return
    notify(
        seat_holders_of(meeting.commission),
        Kind.MINUTES,
        f"meeting:{meeting.pk}:minutes:{stage}",
        template=f"minutes_{stage.rpartition(':')[2]}",
        context={"meeting": meeting, "commission": meeting.commission},
        link=reverse("commissions:meeting_detail", args=[meeting.pk]),
        reason=f"You hold a seat on {meeting.commission}.",
        about=meeting,
    )


# Roles -------------------------------------------------------------------------------------


def _role_context(membership: Membership) -> dict:
    return {"role": membership.get_role_display(), "target": membership.target}


@receiver(post_save, sender=Membership)
def role_granted(sender, instance: Membership, created, raw=False, **kwargs):
    if raw or not created:
        return
    notify(
        [instance.user],
        Kind.ROLE_CHANGED,
        f"membership:{instance.pk}:granted",
        template="role_granted",
        context=_role_context(instance),
        link=reverse("home"),
        reason="It is about what you may see and change here, so it is always sent.",
    )


# Users being deleted, with their roles: there is nobody left to tell that their roles went.
_users_leaving: set[int] = set()


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def user_leaving(sender, instance, **kwargs):
    _users_leaving.add(instance.pk)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def user_left(sender, instance, **kwargs):
    _users_leaving.discard(instance.pk)


@receiver(post_delete, sender=Membership)
def role_revoked(sender, instance: Membership, **kwargs):
    if instance.user_id in _users_leaving:
        return
    notify(
        [instance.user],
        Kind.ROLE_CHANGED,
        f"membership:{instance.pk}:revoked",
        template="role_revoked",
        context=_role_context(instance),
        link=reverse("home"),
        reason="It is about what you may see and change here, so it is always sent.",
    )
