"""A return's way through review, in one place: what may happen to it, who may do it, and the record of each step.

::

    draft ──submit──▶ submitted ──accept──▶ accepted
                       ▲     │                  │
                  submit  return            reopen
                       │     ▼                  │
                      returned ◀────────────────┘

- **submit**: the place's own lead (or a superuser), from draft or returned.
- **accept** or **return** (for changes, with a comment): an ICS reviewer of
  the round's system, from submitted.
- **reopen**: an ICS reviewer, from accepted, giving a reason. The return
  goes back to the place's lead as *returned for changes*, with the reason
  as the ICS's comment: the lead can change the entries again and submit
  once more, as after any other return. Its entries are private to the place
  again until then, as every returned return's are.

Nothing else changes a return's status. Every step needs the round open
(closed rounds are frozen, ``atf.access``), is checked against the version
of the return that the user's page showed (two reviewers racing: the second
is told the return changed since they opened it, and nothing is written),
and is recorded as a ``ReturnTransition`` (who, when, from, to, the reason)
in the same transaction as the status change. ``Return.save()`` refuses any
other change of a saved return's status, its round or its place, so the
admin's forms, its history revert and code elsewhere cannot go round this
module. Creating a return in a given status (a closed round's returns as
imported, test fixtures) is not a step and records none; the admin's add
form offers no status, so a return made there starts as a draft.

Why a table of our own and not django-fsm-2 or viewflow: five steps read as
the rules do in one dict, and what matters here (the tenant rule for who,
the closed-round freeze, the version check, the record written in the same
transaction) would be ours to write either way; a library would add a
decorated method per step and a protected field that the admin, the history
revert and the fixtures would each have to work around.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from atf import access
from boroughs.models import Place

from .models import Return, ReturnTransition, Round

Status = Return.Status
Action = ReturnTransition.Action

# (status now, action) -> status after. Any pair not here is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.ACCEPT): Status.ACCEPTED,
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.ACCEPTED, Action.REOPEN): Status.RETURNED,
}

# The steps that need a reason, given to the place as the ICS's comment.
REASON_REQUIRED = frozenset({Action.RETURN, Action.REOPEN})

LEAD, REVIEWER = "lead", "reviewer"
TAKEN_BY = {Action.SUBMIT: LEAD, Action.ACCEPT: REVIEWER, Action.RETURN: REVIEWER, Action.REOPEN: REVIEWER}

# How a refusal names the step ("it cannot be ..."), and what can happen from each status instead.
DONE = {
    Action.SUBMIT: "submitted",
    Action.ACCEPT: "accepted",
    Action.RETURN: "returned for changes",
    Action.REOPEN: "reopened",
}
NEXT = {
    Status.DRAFT: "{place}'s lead has not submitted it, and only a submitted return can be accepted or returned",
    Status.SUBMITTED: "it is waiting for the ICS's review",
    Status.RETURNED: "it is with {place}'s lead for changes, to submit again",
    Status.ACCEPTED: "an ICS reviewer can reopen it, giving a reason",
}


class TransitionRefused(PermissionDenied):
    """A step the table, the user's role or the reason does not allow; nothing was written."""


def is_lead_of(user, round_: Round, place: Place) -> bool:
    """The place's own lead (a lead at a borough whose tree holds it), or a superuser."""
    scope = access.scope_for(user)
    return scope.superuser or any(place.path.startswith(lead.path) for lead in scope.lead_places)


def is_reviewer_of(user, round_: Round, place: Place | None = None) -> bool:
    """An ICS reviewer of the round's system (those who may change the round), or a superuser."""
    return access.can(user, access.CHANGE, round_)


ROLE_CHECKS: dict[str, Callable[..., bool]] = {LEAD: is_lead_of, REVIEWER: is_reviewer_of}
ROLE_NAMES = {LEAD: "{place}'s own lead", REVIEWER: "an ICS reviewer"}


def next_status(status: str, action: str) -> str | None:
    """The status after ``action`` from ``status``, or None if the table does not allow it."""
    return TRANSITIONS.get((status, action))


def may_take(user, round_: Round, place: Place, action: str, status: str) -> bool:
    """Could ``user`` take ``action`` on the place's return, now at ``status``? (For showing forms and buttons.)"""
    return (
        round_.is_open
        and next_status(status, action) is not None
        and ROLE_CHECKS[TAKEN_BY[action]](user, round_, place)
    )


def _label(status: str) -> str:
    return dict(Status.choices).get(status, status).lower()


def _illegal(place: Place, status: str, action: str) -> str:
    instead = NEXT.get(status, "it is not at any stage a step can be taken from").format(place=place)
    return f"{place}'s return is {_label(status)}, so it cannot be {DONE[action]}: {instead}."


def take(
    user,
    round_: Round,
    place: Place,
    action: str,
    *,
    reason: str = "",
    version: int | None = None,
    at=None,
) -> Return:
    """Take ``action`` on the place's return, from the page the user saw at ``version``; the return after it.

    Raises ``RoundClosed`` if the round is closed, ``TransitionRefused`` if
    the user's role, the return's status or a missing reason does not allow
    the step, and ``StaleVersion`` if the return changed since ``version``
    (None: the caller does not know; a return not saved yet is never stale).
    Nothing is written unless the step is taken, and then the status change
    and its record are written together. ``at`` backdates the step (the
    demo's returns); it defaults to now.
    """
    from atf.versioning import StaleVersion

    from .returns import RoundClosed, closed_message

    if action not in TAKEN_BY:
        raise ValueError(action)
    reason = (reason or "").strip()
    with transaction.atomic():
        # Locked, so that a round closed a moment ago, or a step racing this one, is seen (PostgreSQL; SQLite
        # takes the write lock when the transaction begins).
        current_round = Round.objects.select_for_update(of=("self",)).select_related("framework").get(pk=round_.pk)
        if not current_round.is_open:
            raise RoundClosed(closed_message(current_round))
        if place.system_id != current_round.framework.system_id or place.kind != Place.Kind.BOROUGH:
            raise TransitionRefused(f"{place} has no return in “{current_round}”: it is not one of its boroughs.")
        role = TAKEN_BY[action]
        if not ROLE_CHECKS[role](user, current_round, place):
            raise TransitionRefused(
                f"Only {ROLE_NAMES[role].format(place=place)} can do that: {place}'s return was not {DONE[action]}."
            )
        return_ = Return.objects.select_for_update().filter(round=current_round, place=place).first()
        if return_ is None:
            # Not started: nothing saved to be stale against (a page shows an unsaved draft at version 1).
            return_ = Return(round=current_round, place=place)
        elif version is not None and return_.version != version:
            raise StaleVersion(return_)
        before = return_.status
        after = next_status(before, action)
        if after is None:
            raise TransitionRefused(_illegal(place, before, action))
        if action in REASON_REQUIRED and not reason:
            raise TransitionRefused(f"Give a reason: {place}'s return was not {DONE[action]}.")
        when = at or timezone.now()
        return_.status = after
        if action == Action.SUBMIT:
            return_.submitted_at, return_.submitted_by = when, user
        else:
            return_.reviewed_at, return_.reviewed_by = when, user
            return_.comment = reason
        return_._history_user, return_._history_date = user, when
        return_._transition = (before, after)
        if return_.pk is None:
            try:
                with transaction.atomic():
                    return_.save()
            except IntegrityError as exc:  # the place's return was started a moment ago
                raise StaleVersion(return_) from exc
        else:
            return_.save()
        return_._transition = None
        ReturnTransition.objects.create(
            place_return=return_,
            action=action,
            from_status=before,
            to_status=after,
            by=user,
            at=when,
            reason=reason,
        )
    return return_


def refuse_direct_change(return_: Return) -> None:
    """Called by ``Return.save()``: a saved return's status changes only through ``take()``.

    Its round and place never change: moving a return would carry its
    status to another place's.
    """
    if getattr(return_, "_transition", None) is not None:
        return  # take() read the row under its lock a moment ago
    saved = (
        Return._base_manager.filter(pk=return_.pk).values_list("status", "round_id", "place_id").first()
    )  # None: a deleted return restored from its history, saved anew
    if saved is None:
        return
    status, round_id, place_id = saved
    if (round_id, place_id) != (return_.round_id, return_.place_id):
        raise TransitionRefused("A return stays with its round and place: nothing was saved.")
    if status != return_.status:
        raise TransitionRefused(
            f"A return's status changes only by submitting, accepting, returning or reopening it on the return "
            f"page ({_label(status)} to {_label(return_.status)} was asked for): "
            "nothing was saved."
        )


def history(return_: Return | None) -> list[ReturnTransition]:
    """The steps of a saved return, oldest first, with who took them; an unsaved return has none."""
    if return_ is None or return_.pk is None:
        return []
    return list(ReturnTransition.objects.filter(place_return=return_).select_related("by").order_by("at", "pk"))
