"""The indicator pages: the tartan rug, an indicator's trend and monitoring view, and the values as files.

Indicator values are public figures: every signed-in user reads every page
here. What the activity overlay and the monitoring view count or list
(stocktake entries, commission actions) goes through the one tenant rule,
so a lead never learns of another borough's drafts from a count.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from atf import access
from atf.models import Framework
from atf.outputs import XLSX_CONTENT_TYPE, download
from boroughs.models import Place
from jobs import work
from jobs.models import Job

from . import rug as tartan
from .exporting import value_rows
from .models import IndicatorValue
from .monitoring import indicator_page

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


class RugOptions(forms.Form):
    against = forms.ChoiceField(
        label="Compare with",
        choices=[("england", "England"), ("region", "North West")],
        widget=forms.RadioSelect,
    )
    level = forms.ChoiceField(
        label="Confidence level",
        choices=[("95", "95%"), ("99.8", "99.8%")],
        widget=forms.RadioSelect,
    )

    def options(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"against": data.get("against") or "england", "level": data.get("level") or "95"}


def chosen_framework(request) -> tuple[Framework, list[Framework]]:
    """The framework version asked for (``?framework=slug``), else the current one of the reader's system."""
    frameworks = list(Framework.objects.for_user(request.user).select_related("system").order_by("name"))
    slug = request.GET.get("framework")
    if slug:
        return get_object_or_404(Framework.objects.for_user(request.user), slug=slug), frameworks
    for system in sorted(access.scope_for(request.user).systems):
        current = Framework.current_for(system)
        if current is not None:
            return current, frameworks
    # A reader with no role in any system: the latest framework published.
    current = Framework.objects.order_by(F("published").desc(nulls_last=True), "-pk").first()
    if current is None:
        raise Http404("No framework has been loaded yet.")
    return current, frameworks


def _rugs(request):
    framework, frameworks = chosen_framework(request)
    # Bound even with no choice made, so that the page shows England and 95% chosen.
    form = RugOptions({"against": request.GET.get("against", "england"), "level": request.GET.get("level", "95")})
    options = form.options()
    rug = tartan.build_rug(request.user, framework, **options)
    wards = tartan.ward_places(framework)
    ward_rug = tartan.build_rug(request.user, framework, places=wards, **options) if wards else None
    return framework, frameworks, form, rug, ward_rug


def attribution(sources: list[str]) -> str:
    """The licence line for the published figures shown, and where locally reported ones came from."""
    local = [source for source in sources if source.startswith("Reported locally")]
    published = [source for source in sources if source not in local]
    lines = [f"{OGL} Source: {'; '.join(published)}."] if published else []
    if local:
        lines.append(f"Also shown, figures reported locally rather than published: {'; '.join(local)}.")
    return " ".join(lines)


@require_safe
@login_required
def rug(request):
    framework, frameworks, form, rug, ward_rug = _rugs(request)
    return render(
        request,
        "indicators/rug.html",
        {
            "framework": framework,
            "frameworks": frameworks,
            "form": form,
            "rug": rug,
            "ward_rug": ward_rug,
            "attribution": attribution(sorted(set(rug.sources) | set(ward_rug.sources if ward_rug else []))),
            "may_import": access.can(request.user, access.CHANGE, framework),
            "query": request.GET.urlencode(),
        },
    )


@require_safe
@login_required
def rug_csv(request):
    framework, _, _, rug, ward_rug = _rugs(request)
    rows = list(tartan.long_rows(rug))
    if ward_rug:
        rows += list(tartan.long_rows(ward_rug))[1:]
    return download(rows, "csv", f"tartan-rug-{framework.slug}")


@require_safe
@login_required
def rug_xlsx(request):
    framework, _, _, rug, _ = _rugs(request)
    response = HttpResponse(tartan.rug_workbook(rug, attribution(rug.sources)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="tartan-rug-{framework.slug}.xlsx"'
    return response


@require_safe
@login_required
def values_csv(request):
    """Every value of the framework's indicators (or one, ``?indicator=N``), as ``export_indicator_values`` writes."""
    framework, _ = chosen_framework(request)
    values = IndicatorValue.objects.for_user(request.user).filter(indicator__framework=framework)
    number = request.GET.get("indicator", "")
    name = f"indicator-values-{framework.slug}"
    if number:  # one indicator: one of this framework's, or there is nothing to give
        if not number.isdigit():
            raise Http404("No such indicator.")
        indicator = get_object_or_404(framework.indicators, number=int(number))
        values = values.filter(indicator=indicator)
        name += f"-{indicator.number}"
    if values.count() > work.export_rows():  # a large file is written by a background job
        job = work.start(
            request.user,
            Job.Kind.VALUES_EXPORT,
            f"Indicator values of “{framework}”" + (f", indicator {number}" if number else ""),
            params={"framework": framework.pk, "indicator": int(number) if number else None, "name": name},
        )
        return redirect(job)
    return download(value_rows(values), "csv", name)


def _highlighted_place(request, framework: Framework) -> Place | None:
    """The borough to draw out on the chart: the one asked for (``?place=slug``), else the lead's own."""
    boroughs = Place.objects.filter(system=framework.system, kind=Place.Kind.BOROUGH)
    if "place" in request.GET:  # chosen, "None" included
        slug = request.GET["place"]
        return boroughs.filter(slug=slug).first() if slug else None
    own = [place.pk for place in access.scope_for(request.user).lead_places]
    return boroughs.filter(pk__in=own).order_by("name").first() if own else None


@require_safe
@login_required
def indicator_detail(request, number: int):
    framework, _ = chosen_framework(request)
    indicator = get_object_or_404(framework.indicators.select_related("theme"), number=number)
    highlight = _highlighted_place(request, framework)
    context = indicator_page(request.user, framework, indicator, highlight=highlight)
    context["attribution"] = attribution(context["sources"])
    context["query"] = request.GET.urlencode()
    return render(request, "indicators/indicator_detail.html", context)
