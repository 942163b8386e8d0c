"""The calendar page (signed in) and the feeds (read by calendar programs, with the token as the only key)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from atf import access
from commissions.models import Commission

from . import feeds
from .models import CalendarFeed


def _feed_urls(feed: CalendarFeed, commissions) -> tuple[str, list[tuple[Commission, str]]]:
    own = feeds.absolute(reverse("calendars:user_feed", args=[feed.token]))
    per_commission = [
        (c, feeds.absolute(reverse("calendars:commission_feed", args=[feed.token, c.slug]))) for c in commissions
    ]
    return own, per_commission


@require_safe
def calendar_page(request):
    """The user's private feed address, the address of each commission they may view, and how to subscribe."""
    feed = CalendarFeed.of(request.user)
    commissions = access.restrict(Commission.objects.select_related("place"), request.user, access.VIEW)
    own, per_commission = _feed_urls(feed, commissions)
    return render(
        request,
        "calendars/calendar.html",
        {"feed": feed, "feed_url": own, "commission_feeds": per_commission},
    )


@require_POST
def calendar_reset(request):
    """A new address for the poster's own feeds; the old ones stop working."""
    CalendarFeed.reset(request.user)
    messages.success(
        request,
        "Your calendar has a new address, shown below. The old address no longer works: "
        "add the new one to your calendar program in its place.",
    )
    return redirect("calendars:calendar")


def _ics(calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The address is the only key: nothing on the way may keep a copy, nor a search engine list it.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _token_user(token: str):
    feed = CalendarFeed.find(token)
    if feed is None:
        raise Http404("No such calendar.")
    return feed.user


@login_not_required
@require_safe
def user_feed(request, token):
    """The token user's calendar: meetings, open rounds' deadlines and their actions' due dates."""
    user = _token_user(token)
    return _ics(feeds.user_calendar(user), "all-together-fairer.ics")


@login_not_required
@require_safe
def commission_feed(request, token, slug):
    """One commission's meetings and open actions, as the token user sees them; 404 outside their view."""
    user = _token_user(token)
    commission = get_object_or_404(access.restrict(Commission.objects.all(), user, access.VIEW), slug=slug)
    return _ics(feeds.commission_calendar(user, commission), f"{commission.slug}.ics")
