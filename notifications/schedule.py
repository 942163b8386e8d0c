"""What falls due on a day: deadline reminders, overdue returns, actions due or overdue, weekly digests.

``due_today()`` looks at the open rounds and the open actions as they are now and tells
whoever should be told today. Each notification's key names the date it is about (the
deadline, the due date, the week), so that running it again the same day, or every few
minutes, tells nobody twice; and a deadline moved by the ICS starts its reminders afresh.

Reminders: on each of a round's reminder days (by default 14, 7 and 1 days before a
return's deadline: the borough's own where the ICS extended it, else the round's) the
leads of each borough whose return is not submitted are told. Only the latest reminder
day reached is sent, so a run that missed a day, or a deadline moved nearer, sends one
reminder, not several. From the day after the deadline, the leads of a return still not
submitted, and the ICS's reviewers, are told once that it is overdue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from boroughs.models import Place
from commissions.models import Action, Commission
from stocktake.models import Return, Round

from .models import Kind
from .notify import Delivery, leads_by_place, notify, notify_each, reviewers_of, secretariat_of

DUE_SOON_DAYS = 7
DIGEST_LISTS = 100  # actions listed in a digest at most
WAITING = (Return.Status.DRAFT, Return.Status.RETURNED)


@dataclass
class Told:
    """How many notifications a run wrote, by kind."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, written: list) -> None:
        if written:
            self.counts[kind] += len(written)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def due_today(today: date | None = None) -> Told:
    today = today or timezone.localdate()
    told = Told()
    _deadlines(today, told)
    _actions(today, told)
    _digests(today, told)
    return told


def reminder_day(days_left: int, reminder_days: list[int]) -> int | None:
    """The latest reminder day reached with ``days_left`` to go, or None (too early, or past the deadline)."""
    reached = [d for d in reminder_days if d >= days_left]
    return min(reached) if reached and days_left >= 0 else None


def _deadlines(today: date, told: Told) -> None:
    rounds = Round.objects.filter(status=Round.Status.OPEN).select_related("framework__system")
    for round_ in rounds:
        boroughs = list(
            Place.objects.filter(system_id=round_.framework.system_id, kind=Place.Kind.BOROUGH).order_by("name")
        )
        returns = {r.place_id: r for r in Return.objects.filter(round=round_)}
        leads = leads_by_place(boroughs)
        overdue_by_date: dict[date, list[Place]] = defaultdict(list)
        for place in boroughs:
            return_ = returns.get(place.pk)
            status = return_.status if return_ else Return.Status.DRAFT
            deadline = (return_.deadline if return_ else None) or round_.deadline
            if status not in WAITING or deadline is None:
                continue
            days_left = (deadline - today).days
            link = reverse("stocktake:return_detail", args=[round_.slug, place.slug])
            context = {
                "round": round_,
                "place": place,
                "deadline": _day(deadline),
                "days_left": days_left,
                "returned": status == Return.Status.RETURNED,
            }
            reason = f"You are {place}'s lead for the stocktake, and its return is not submitted."
            if days_left < 0:
                overdue_by_date[deadline].append(place)
                told.add(
                    Kind.DEADLINE_PASSED,
                    notify(
                        leads.get(place.pk, []),
                        Kind.DEADLINE_PASSED,
                        f"round:{round_.pk}:place:{place.pk}:due:{deadline}:passed",
                        template="deadline_passed",
                        context=context,
                        link=link,
                        reason=reason,
                        about=round_,
                    ),
                )
                continue
            day = reminder_day(days_left, round_.reminder_day_list)
            if day is None:
                continue
            told.add(
                Kind.DEADLINE_REMINDER,
                notify(
                    leads.get(place.pk, []),
                    Kind.DEADLINE_REMINDER,
                    f"round:{round_.pk}:place:{place.pk}:due:{deadline}:reminder:{day}",
                    template="deadline_reminder",
                    context=context,
                    link=link,
                    reason=reason,
                    about=round_,
                ),
            )
        reviewers = reviewers_of(round_.framework.system) if overdue_by_date else []
        for deadline, places in sorted(overdue_by_date.items()):
            # One note per deadline, naming each borough overdue on it when first told.
            told.add(
                Kind.DEADLINE_PASSED,
                notify(
                    reviewers,
                    Kind.DEADLINE_PASSED,
                    f"round:{round_.pk}:due:{deadline}:passed",
                    template="deadline_passed_reviewers",
                    context={"round": round_, "places": [str(p) for p in places], "deadline": _day(deadline)},
                    link=reverse("stocktake:round_manage", args=[round_.slug]),
                    reason="You review the stocktake returns of the ICS.",
                    about=round_,
                ),
            )


def _owner_of(action: Action):
    member = action.owner_member
    return member.user if member is not None and member.user_id and member.user.is_active else None


def _actions(today: date, told: Told) -> None:
    """Each open action due within a week, or overdue: once for each due date it is given."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    actions = (
        Action.objects.filter(status__in=Action.OPEN_STATUSES, due__isnull=False, due__lte=soon)
        .select_related("commission", "owner_member__user")
        .order_by("due", "pk")
    )
    secretariats: dict[int, list] = {}
    deliveries: dict[str, list[Delivery]] = {"soon": [], "overdue": []}
    for action in actions:
        commission = action.commission
        if commission.pk not in secretariats:
            secretariats[commission.pk] = secretariat_of(commission)
        stage = "overdue" if action.due < today else "soon"
        owner = _owner_of(action)
        context = {"action": action, "commission": commission, "due": _day(action.due)}
        link = reverse("commissions:action_detail", args=[action.pk])
        for person in secretariats[commission.pk] + ([owner] if owner else []):
            reason = (
                f"The action is yours, as {action.owner_member.role_title}."
                if person is owner
                else f"You are the secretariat of {commission}."
            )
            key = f"action:{action.pk}:due:{action.due}:{stage}"
            deliveries[stage].append(Delivery(person, key, context, link, reason, about=action))
    for stage, template in (("soon", "action_due_soon"), ("overdue", "action_overdue")):
        told.add(Kind.ACTION_DUE, notify_each(deliveries[stage], Kind.ACTION_DUE, template=template))


def _digests(today: date, told: Told) -> None:
    """Each commission's secretariat, once a week from the digest day on, if it has open actions."""
    weekday = getattr(settings, "NOTIFICATION_DIGEST_WEEKDAY", 0)  # Monday
    if today.weekday() < weekday:
        return
    year, week, _ = today.isocalendar()
    for commission in Commission.objects.filter(actions__status__in=Action.OPEN_STATUSES).distinct():
        people = secretariat_of(commission)
        if not people:
            continue
        still_open = commission.actions.filter(status__in=Action.OPEN_STATUSES)
        # The overdue first, then the soonest due; a long list is cut, and says so.
        open_actions = list(still_open.order_by(F("due").asc(nulls_last=True), "pk")[:DIGEST_LISTS])
        total, overdue = len(open_actions), sum(1 for a in open_actions if a.due is not None and a.due < today)
        if total == DIGEST_LISTS:
            total, overdue = still_open.count(), still_open.filter(due__lt=today).count()
        told.add(
            Kind.ACTIONS_DIGEST,
            notify(
                people,
                Kind.ACTIONS_DIGEST,
                f"commission:{commission.pk}:digest:{year}-W{week:02d}",
                template="actions_digest",
                context={
                    "commission": commission,
                    "open": open_actions,
                    "total": total,
                    "overdue": overdue,
                    "today": today,
                },
                link=reverse("commissions:action_list") + f"?commission={commission.pk}",
                reason=f"You are the secretariat of {commission}.",
                about=commission,
            ),
        )
