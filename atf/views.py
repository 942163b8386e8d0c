from urllib.parse import urlparse

from django.db.models import Count, Q
from django.shortcuts import render

from atf import access
from stocktake.models import Entry, Level, Return, Round


def home(request):
    """The signed-in user's starting page: their places, open rounds, progress and comments waiting."""
    user = request.user
    scope = access.scope_for(user)
    open_rounds = list(
        access.restrict(Round.objects.filter(status=Round.Status.OPEN), user, access.VIEW).select_related("framework")
    )
    returns = {
        (r.round_id, r.place_id): r for r in Return.objects.filter(round__in=open_rounds, place__in=scope.lead_places)
    }
    filled = {
        (row["round"], row["places"]): row
        for row in Entry.objects.filter(round__in=open_rounds, places__in=scope.lead_places, level=Level.BOROUGH)
        .values("round", "places")
        .annotate(
            themes=Count("theme", distinct=True),
            systems=Count("system_recommendation", distinct=True),
            entries=Count("pk", distinct=True),
        )
    }
    progress = []
    for round_ in open_rounds:
        sections = round_.framework.themes.count() + round_.framework.system_recommendations.count()
        for place in scope.lead_places:
            if place.system_id != round_.framework.system_id:
                continue
            row = filled.get((round_.pk, place.pk), {})
            done = row.get("themes", 0) + row.get("systems", 0)
            status = returns.get((round_.pk, place.pk))
            current = status.status if status else Return.Status.DRAFT
            progress.append(
                {
                    "round": round_,
                    "place": place,
                    "done": done,
                    "sections": sections,
                    "entries": row.get("entries", 0),
                    "status": current,
                    "status_label": status.get_status_display() if status else "Draft",
                    # The place's own deadline where the ICS extended it (Return.due, without a query per row).
                    "due": (status.deadline if status else None) or round_.deadline,
                    # Counted down (and shown overdue) only while the return is still the place's to send.
                    "waiting": current in (Return.Status.DRAFT, Return.Status.RETURNED),
                }
            )
    waiting = (
        Return.objects.filter(
            Q(status=Return.Status.SUBMITTED, round__framework__system_id__in=scope.reviewer_systems)
        ).select_related("round", "place")
        if scope.reviewer_systems
        else []
    )
    comments = Return.objects.filter(place__in=scope.lead_places, status=Return.Status.RETURNED).select_related(
        "round", "place", "reviewed_by"
    )
    # A lead held at a sub-region or combined authority (or a reviewer) keeps that place's own activity column.
    activity = [
        (round_, place)
        for round_ in open_rounds
        for place in scope.level_lead_places
        if place.system_id == round_.framework.system_id and place.stocktake_heading
    ]
    from notifications.views import latest_for

    context = {
        "notifications": latest_for(user),
        "activity": activity,
        "memberships": user.memberships.select_related("place", "commission"),
        "open_rounds": open_rounds,
        "progress": progress,
        "comments": comments,
        "waiting": waiting,
        "is_reviewer": bool(scope.reviewer_systems),
    }
    return render(request, "home.html", context)


def theme_detail(request, pk):
    """A Marmot theme: its recommendations and indicators, the stocktake entries and the commissions' work on it."""
    from django.shortcuts import get_object_or_404

    from commissions.models import Action, Priority

    from .models import Theme

    theme = get_object_or_404(
        access.restrict(Theme.objects.select_related("framework"), request.user, access.VIEW), pk=pk
    )
    entries = (
        access.restrict(Entry.objects.filter(theme=theme), request.user, access.VIEW)
        .select_related("round")
        .prefetch_related("places")
        .order_by("-round__period_start", "round__name", "position")[:200]
    )
    priorities = access.restrict(
        Priority.objects.filter(themes=theme).select_related("commission"), request.user, access.VIEW
    )
    actions = access.restrict(
        Action.objects.filter(theme=theme).select_related("commission"), request.user, access.VIEW
    )
    return render(
        request,
        "theme_detail.html",
        {
            "theme": theme,
            "recommendations": theme.recommendations.all(),
            "indicators": theme.indicators.all(),
            "entries": entries,
            "priorities": priorities,
            "actions": actions,
        },
    )


def permission_denied(request, exception=None):
    """The 403 page: why, in the refusal's own words; a closed round's says who can reopen it, not to check roles."""
    from stocktake.returns import RoundClosed

    context = {"exception": str(exception or ""), "closed": isinstance(exception, RoundClosed)}
    # Back to the page the refused button or link was on, when that page is ours.
    referer = urlparse(request.META.get("HTTP_REFERER", ""))
    if referer.netloc == request.get_host() and referer.path.startswith("/") and referer.path != request.path:
        context["back"] = referer.path
    return render(request, "403.html", context, status=403)
