"""The open-data page and its downloads (public), and the switches that put datasets on it (signed in).

The public views read through ``opendata.datasets`` only, render without the
request (no user, no messages: the page is the same for everyone), and are
marked public for a minute; a dataset that is not served answers 404, the same
as one that never existed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

from atf import access
from atf.models import Framework
from atf.outputs import download
from commissions.models import Commission
from stocktake.models import Round

from . import datasets, publishing
from .models import Publication

FORMATS = ("csv", "json")


def public(view):
    """Readable signed out, the same for everyone; caches may keep it a minute, never across a session cookie."""
    return login_not_required(require_safe(vary_on_cookie(cache_control(public=True, max_age=60)(view))))


def _listed(publication: Publication) -> dict:
    kind = publication.kind
    if kind == Publication.Kind.ROUND:
        round_ = publication.round
        return {
            "publication": publication,
            "heading": round_.name,
            "kind": "Stocktake round",
            "about": f"The activity reported in {round_.name}: the entries of the boroughs' accepted returns, and "
            "the activity reported at ICS, sub-region and combined-authority level.",
            "period": round_,
            "licence": datasets.ics_licence(round_.framework.system),
            "csv": reverse("opendata:round_download", args=[round_.slug, "csv"]),
            "json": reverse("opendata:round_download", args=[round_.slug, "json"]),
        }
    if kind == Publication.Kind.COMMISSION:
        commission = publication.commission
        return {
            "publication": publication,
            "heading": commission.name,
            "kind": "Commission minutes and decisions",
            "about": f"The published minutes of {commission.name}: each meeting's date and title, its agenda items, "
            "paragraphs and decisions.",
            "licence": datasets.ics_licence(commission.place.system),
            "page": reverse("public:commission_detail", args=[commission.slug]),
            "csv": reverse("opendata:commission_download", args=[commission.slug, "csv"]),
            "json": reverse("opendata:commission_download", args=[commission.slug, "json"]),
        }
    framework = publication.framework
    return {
        "publication": publication,
        "heading": f"Beacon indicator values: {framework.title}",
        "kind": "Beacon indicator values",
        "about": f"The published figures for the beacon indicators of {framework.title}, {framework.version_label}, "
        "for each place and its comparators, with their confidence intervals.",
        "licence": None,  # each source's attribution, said with the list of sources
        "sources": True,
        "csv": reverse("opendata:indicators_download", args=[framework.slug, "csv"]),
        "json": reverse("opendata:indicators_download", args=[framework.slug, "json"]),
    }


@public
def index(request):
    listed = [_listed(p) for p in datasets.served()]
    for item in listed:
        if item.get("sources"):
            item["licence"] = datasets.indicator_licence(datasets.value_sources(item["publication"].framework))
    order = {Publication.Kind.ROUND: 0, Publication.Kind.COMMISSION: 1, Publication.Kind.INDICATORS: 2}
    listed.sort(key=lambda item: (order[item["publication"].kind], item["heading"]))
    # Rendered without the request: no signed-in name, menu or message can reach a page caches may share.
    html = render_to_string("opendata/index.html", {"datasets": listed, "ogl_url": datasets.OGL_URL})
    return HttpResponse(html)


def _file_format(file_format: str) -> str:
    if file_format not in FORMATS:
        raise Http404("No such format.")
    return file_format


def _json(payload: dict, filename: str) -> JsonResponse:
    response = JsonResponse(payload, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response


def _about(title: str, licence: str, publication: Publication, url: str) -> dict:
    return {
        "dataset": title,
        "licence": licence,
        "licence_url": datasets.OGL_URL,
        "published_at": publication.published_at,
        "url": url,
    }


@public
def round_download(request, slug, file_format):
    file_format = _file_format(file_format)
    round_ = datasets.served_round(slug)
    if round_ is None:
        raise Http404("No such dataset.")
    records = datasets.entry_records(round_)
    name = f"open-data-{round_.slug}"
    if file_format == "csv":
        header = datasets.ENTRY_HEADER
        rows = [header] + [[_cell(r[h]) for h in header] for r in records]
        return download(rows, "csv", name)
    publication = publishing.current(round_)
    about = _about(round_.name, datasets.ics_licence(round_.framework.system), publication, request.path)
    about["round"] = {"slug": round_.slug, "period_start": round_.period_start, "period_end": round_.period_end}
    return _json({**about, "entries": records}, name)


def _cell(value):
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value


@public
def commission_download(request, slug, file_format):
    file_format = _file_format(file_format)
    commission = datasets.served_commission(slug)
    if commission is None:
        raise Http404("No such dataset.")
    meetings = datasets.meeting_records(commission)
    name = f"open-data-{commission.slug}"
    if file_format == "csv":
        return download([datasets.MINUTES_HEADER, *datasets.minutes_rows(meetings)], "csv", name)
    publication = publishing.current(commission)
    about = _about(commission.name, datasets.ics_licence(commission.place.system), publication, request.path)
    about["commission"] = {"slug": commission.slug, "name": commission.name, "place": commission.place.name}
    return _json({**about, "meetings": meetings}, name)


@public
def indicators_download(request, slug, file_format):
    file_format = _file_format(file_format)
    framework = datasets.served_framework(slug)
    if framework is None:
        raise Http404("No such dataset.")
    name = f"open-data-indicator-values-{framework.slug}"
    rows = list(datasets.value_rows(framework))
    if file_format == "csv":
        return download([datasets.VALUE_HEADER, *rows], "csv", name)
    licence = datasets.indicator_licence(datasets.value_sources(framework))
    about = _about(f"Beacon indicator values: {framework.title}", licence, publishing.current(framework), request.path)
    values = [dict(zip(datasets.VALUE_HEADER, [_number(v) for v in row], strict=True)) for row in rows]
    return _json({**about, "values": values}, name)


def _number(value):
    """Decimals as JSON numbers: the figures have at most six decimal places, which a float keeps."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


# The switches ------------------------------------------------------------------------


def _switch(request, target, back: str, what: dict):
    """The confirmation page (GET) and the publish or withdraw it posts (POST)."""
    if not access.may_publish(request.user, target):
        raise PermissionDenied("Only the ICS's reviewers (or, for a commission, its secretariat) can publish this.")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                publishing.publish(request.user, target)
                messages.success(request, f"“{target}” is on the open-data page: {what['public']}")
            elif action == "withdraw":
                publishing.withdraw(request.user, target)
                gone = what.get("withdrawn", "Its downloads are gone.")
                messages.success(request, f"“{target}” is off the open-data page. {gone}")
            else:
                messages.error(request, "Choose to publish or to withdraw.")
        except (publishing.NotPublishable, publishing.NothingToDo) as exc:
            messages.error(request, str(exc))
        return redirect(back)
    context = {"target": target, "back": back, **switch_state(target, what, request)}
    return render(request, "opendata/switch.html", context)


def switch_state(target, what: dict, request=None) -> dict:
    live = publishing.current(target)
    page = what.get("page")
    return {
        "live": live,
        "served": live is not None and not (isinstance(target, Round) and target.is_open),
        "is_open_round": isinstance(target, Round) and target.is_open,
        "what": what,
        "action_url": what["url"],
        # The public page's whole address, to give to others (a commission's only).
        "page_address": request.build_absolute_uri(page) if page and request is not None else page,
    }


def round_what(round_: Round) -> dict:
    return {
        "url": reverse("opendata:round_switch", args=[round_.slug]),
        "public": f"the entries of {round_}'s accepted returns and its activity reported at ICS, sub-region and "
        "combined-authority level become public, for anyone to read and download (CSV and JSON) without "
        "signing in, under the Open Government Licence v3.0. Drafts, and returns not accepted, stay private. "
        "If the round is reopened it comes off the page until it is closed again.",
    }


def commission_what(commission: Commission) -> dict:
    # One switch for both: the open-data download and the commission's public page (``commissions.public``).
    return {
        "url": reverse("opendata:commission_switch", args=[commission.slug]),
        "page": reverse("public:commission_detail", args=[commission.slug]),
        "public": f"{commission}'s public page goes up, for anyone to read without signing in: its remit, its "
        "members by position (with the names recorded), the agendas and papers of meetings once they are sent, "
        "and, for each meeting whose minutes are published, its attendance, minutes (with any amendments' dates "
        "and reasons), decisions and the actions arising (open ones with their owner and due date). The published "
        "minutes and decisions also become downloadable (CSV and JSON) under the Open Government Licence v3.0. "
        "Draft, circulated and approved-but-unpublished minutes, and agendas not yet sent, stay private.",
        "withdrawn": "Its public page and its downloads are gone.",
        "button": "Publish on the open-data page and the public commission page",
        "withdraw_button": "Withdraw from the open-data page and the public commission page",
    }


def framework_what(framework: Framework) -> dict:
    return {
        "url": reverse("opendata:indicators_switch", args=[framework.slug]),
        "public": f"the published figures for the beacon indicators of {framework.title} ({framework.version_label}) "
        "become downloadable (CSV and JSON) by anyone without signing in, under the Open Government Licence v3.0 "
        "with each source's attribution. Figures reported locally stay private.",
    }


def round_switch(request, slug):
    round_ = get_object_or_404(
        access.restrict(Round.objects.select_related("framework"), request.user, "view"), slug=slug
    )
    return _switch(request, round_, reverse("stocktake:round_manage", args=[round_.slug]), round_what(round_))


def commission_switch(request, slug):
    commission = get_object_or_404(access.restrict(Commission.objects.all(), request.user, "view"), slug=slug)
    back = reverse("commissions:commission_detail", args=[commission.slug])
    return _switch(request, commission, back, commission_what(commission))


def indicators_switch(request, slug):
    framework = get_object_or_404(access.restrict(Framework.objects.all(), request.user, "view"), slug=slug)
    back = reverse("indicators:rug") + f"?framework={framework.slug}"
    return _switch(request, framework, back, framework_what(framework))
