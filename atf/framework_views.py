"""The framework pages: every version an ICS has made of its framework, one version's contents, a new version.

Views stay thin: who may see and change what is ``atf.access``'s, and making
a version is ``atf.versions``'s.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stocktake.models import Round

from . import access, versions
from .models import BeaconIndicator, Framework


def _frameworks(user):
    later = Framework.objects.filter(system=OuterRef("system"), version__gt=OuterRef("version"))
    return (
        access.restrict(Framework.objects.all(), user, access.VIEW)
        .select_related("system", "derived_from")
        .annotate(has_later=Exists(later))
    )


def _framework(request, slug: str) -> Framework:
    framework = get_object_or_404(_frameworks(request.user), slug=slug)
    framework._is_current = not framework.has_later
    return framework


def indicators_admin(framework: Framework) -> str:
    """The admin's list of this version's beacon indicators, where a reviewer changes them."""
    return f"{reverse('admin:atf_beaconindicator_changelist')}?framework__id__exact={framework.pk}"


def framework_list(request):
    """Each framework the user may read, with its version, which is current, what it was made from, its rounds."""
    frameworks = list(_frameworks(request.user).order_by("system__name", "-version", "name"))
    # The rounds each uses, counting those the user may read: one query for the lot.
    counts = dict(
        access.restrict(Round.objects.filter(framework__in=[f.pk for f in frameworks]), request.user, access.VIEW)
        .order_by()
        .values_list("framework")
        .annotate(n=Count("pk"))
    )
    for framework in frameworks:
        framework.rounds_count = counts.get(framework.pk, 0)
        framework._is_current = not framework.has_later
    return render(request, "atf/framework_list.html", {"frameworks": frameworks})


def framework_detail(request, slug):
    """One version: what it was made from, its themes and indicators, the rounds that use it."""
    framework = _framework(request, slug)
    rounds = access.restrict(Round.objects.filter(framework=framework), request.user, access.VIEW).order_by(
        "-period_start", "-pk"
    )
    indicators = BeaconIndicator.objects.filter(framework=framework).select_related("theme").order_by("number")
    may_change = versions.may_make_version(request.user, framework)
    return render(
        request,
        "atf/framework_detail.html",
        {
            "framework": framework,
            "themes": framework.themes.order_by("number"),
            "indicators": indicators,
            "rounds": rounds,
            "later_versions": framework.later_versions.order_by("version"),
            "may_change": may_change,
            "may_make_version": may_change and framework.is_current,
            "indicators_admin": indicators_admin(framework),
        },
    )


@require_POST
def framework_new_version(request, slug):
    """Make a new version from this one (the current version), for the ICS's reviewers; then show it."""
    framework = _framework(request, slug)
    if not versions.may_make_version(request.user, framework):
        raise PermissionDenied("Only the ICS reviewers of this framework's system can make a new version of it.")
    try:
        new = versions.new_version(framework, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("framework_detail", framework.slug)
    messages.success(
        request,
        f"{new.title}, {new.version_label}, is made from {framework.version_label}. "
        "New rounds and newly imported values use it; earlier rounds keep theirs. "
        "Change its indicators from the link below.",
    )
    return redirect("framework_detail", new.slug)
