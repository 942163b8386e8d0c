"""Sign-in throttling: a short cool-off that grows, for one user name from one address.

django-axes counts failed sign-ins per user name and address (a colleague
on the same council network, or the same user elsewhere, is not affected).
Instead of axes' fixed lock, the pair is held back for a cool-off that
starts at one minute after the fifth failure and doubles with every further
failure after it, up to fifteen minutes; a try made while held back does not
count. A guesser gets a few tries an hour; the real
user, if someone else has been guessing their password from their office,
waits minutes, not an hour. A successful sign-in clears the count, and
failures are forgotten after a day (``AXES_COOLOFF_TIME``, the window axes
counts within).

``failure_limit`` is axes' ``AXES_FAILURE_LIMIT`` callable: it answers the
number of failures at which the pair is locked *now*, which is the count
itself plus one once the current cool-off has passed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

FREE_FAILURES = 5
FIRST_COOL_OFF = timedelta(minutes=1)
LONGEST_COOL_OFF = timedelta(minutes=15)


def cool_off_after(failures: int) -> timedelta:
    """How long a pair is held back after its ``failures``-th failure (none before the fifth)."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_COOL_OFF * 2 ** (failures - FREE_FAILURES), LONGEST_COOL_OFF)


def _failures_and_last(request, credentials):
    """The pair's failures within axes' window, and the time of the latest (database handler)."""
    from axes.handlers.proxy import AxesProxyHandler

    handler = AxesProxyHandler.get_implementation()
    failures, last = 0, None
    for attempts in handler.get_user_attempts(request, credentials):
        found = attempts.aggregate(last=Max("attempt_time"), failures=Sum("failures_since_start"))
        failures = max(failures, found["failures"] or 0)
        if found["last"] and (last is None or found["last"] > last):
            last = found["last"]
    return failures, last


def _held_back(request, credentials) -> tuple[int, timedelta]:
    """The pair's failures, and how much longer it is held back (zero when it is not)."""
    failures, last = _failures_and_last(request, credentials)
    if failures < FREE_FAILURES or not last:
        return failures, timedelta(0)
    return failures, max(timedelta(0), last + cool_off_after(failures) - timezone.now())


def failure_limit(request, credentials=None) -> int:
    failures, remaining = _held_back(request, credentials)
    if failures < FREE_FAILURES or remaining > timedelta(0):
        return FREE_FAILURES
    return failures + 1


def lockout_response(request, original_response=None, credentials=None):
    """The page a held-back sign-in gets: how long to wait, and who can unlock it sooner."""
    _, remaining = _held_back(request, credentials)
    minutes = max(1, -(-int(remaining.total_seconds()) // 60))  # rounded up
    return render(
        request,
        "429.html",
        {"minutes": minutes, "support": getattr(settings, "SIGN_IN_HELP", "")},
        status=429,
    )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form, saying what is wrong with a new password beside the field it was typed in.

    Django puts a password that is too short or too common beside the confirmation; a mismatch stays there.
    """

    NEW = "new_password1"

    def validate_password_for_user(self, user, *args, **kwargs):
        super().validate_password_for_user(user, self.NEW)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; once the password is changed, the account's failed sign-ins are forgotten, so that
    someone else's guessing no longer holds its owner back."""

    form_class = SetPasswordForm

    def form_valid(self, form):
        from axes.utils import reset

        response = super().form_valid(form)
        reset(username=form.user.get_username())
        return response
