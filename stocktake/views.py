"""The stocktake pages. Views stay thin: reading goes through the tenant rule, writing through ``returns``."""

from __future__ import annotations

import difflib
from collections import defaultdict
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from atf import access, outputs
from atf.models import SystemRecommendation, Theme
from atf.text import word_diff
from atf.versioning import StaleVersion
from boroughs.models import Place
from jobs import work
from jobs.models import Job

from . import coverage, returns, transitions, uploads
from .exporter import ExportError, workbook_response
from .filters import EntryFilterSet
from .forms import EntryForm, ReopenForm, ReviewForm, WorkbookForm
from .importer import describe_changes
from .models import Entry, Level, Return, Round
from .tables import EntryTable
from .xlsx import WorkbookError


def _round(request, slug) -> Round:
    rounds = access.restrict(Round.objects.select_related("framework__system"), request.user, access.VIEW)
    return get_object_or_404(rounds, slug=slug)


def _borough(round_: Round, slug: str) -> Place:
    return get_object_or_404(
        Place.objects.filter(system=round_.framework.system_id, kind=Place.Kind.BOROUGH), slug=slug
    )


def _section(round_: Round, kind: str, number: int):
    model = Theme if kind == "theme" else SystemRecommendation
    return get_object_or_404(model.objects.select_related("framework"), framework=round_.framework_id, number=number)


def round_list(request):
    rounds = access.restrict(Round.objects.select_related("framework"), request.user, access.VIEW)
    return render(request, "stocktake/round_list.html", {"rounds": rounds})


OTHERS_SHOWN = 5


def return_detail(request, round_slug, place_slug):
    """A borough's return: every theme and system recommendation, its entries, and others' for learning."""
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    return render(request, "stocktake/return_detail.html", _return_context(request, round_, place))


def _sections(request, round_: Round, place: Place) -> list[returns.SectionView]:
    """Every theme and system recommendation, with the place's entries and the first few of others'."""
    framework = round_.framework
    sections = [
        returns.SectionView(t, "theme") for t in framework.themes.prefetch_related("recommendations", "indicators")
    ] + [returns.SectionView(s, "system") for s in framework.system_recommendations.all()]
    by_key = {(v.kind, v.section.pk): v for v in sections}

    def section_of(theme_id, system_id):
        return by_key.get(("theme", theme_id) if theme_id else ("system", system_id))

    in_place = Exists(Entry.places.through.objects.filter(entry=OuterRef("pk"), place__path__startswith=place.path))
    borough_entries = (
        access.restrict(Entry.objects.filter(round=round_), request.user, access.VIEW)
        .filter(level=Level.BOROUGH)
        .order_by("position", "pk")
    )
    for card in returns.entry_cards(borough_entries.filter(in_place)):
        if view := section_of(card.theme_id, card.system_recommendation_id):
            view.own.append(card)
    # Other places' entries, for learning: the first few under each section, and how many there are.
    others = borough_entries.exclude(in_place)
    shown: list[int] = []
    for pk, theme_id, system_id in others.values_list("pk", "theme_id", "system_recommendation_id"):
        if view := section_of(theme_id, system_id):
            view.others_count += 1
            if view.others_count <= OTHERS_SHOWN:
                shown.append(pk)
    for card in returns.entry_cards(borough_entries.filter(pk__in=shown)):
        if view := section_of(card.theme_id, card.system_recommendation_id):
            view.others.append(card)
    return sections


def _return_context(request, round_: Round, place: Place, *, review_form=None, reopen_form=None) -> dict:
    sections = _sections(request, round_, place)
    return_ = returns.visible_return(request.user, round_, place)
    version = return_.version if return_ else None
    return {
        "round": round_,
        "place": place,
        "return": return_,
        # Whether its entries are out for all to read (a reader who may not see the return's status sees them).
        "published": returns.return_for(round_, place).status in Return.PUBLISHED,
        "due": return_.due if return_ is not None else round_.deadline,
        "sections": sections,
        "may_edit": returns.may_edit(request.user, round_, place),
        "may_submit": returns.may_submit(request.user, round_, place),
        "may_review": returns.may_review(request.user, round_, place),
        "may_reopen": returns.may_reopen(request.user, round_, place),
        "review_form": review_form or ReviewForm(initial={"version": version}),
        "reopen_form": reopen_form or ReopenForm(initial={"version": version}),
        # Who took each step, when, and why: read by those who read the return's status and comment.
        "steps": transitions.history(return_),
        "filled": sum(1 for s in sections if s.own),
    }


def entry_add(request, round_slug, place_slug, kind, number):
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    section = _section(round_, kind, number)
    try:
        returns.require_edit(request.user, round_, place)
    except returns.RoundClosed as closed:
        if request.method != "POST":
            raise
        form = EntryForm(request.POST, user=request.user, place=place, section=section)
        back = reverse("stocktake:return_detail", args=[round_.slug, place.slug])
        context = {"round": round_, "place": place, "section": section, "title": "Add an entry", "back_url": back}
        return _closed_form(request, form, closed, context)
    form = EntryForm(request.POST or None, user=request.user, place=place, section=section)
    if request.method == "POST" and form.is_valid():
        returns.add_entry(
            request.user,
            round_,
            place,
            section=section,
            text=form.cleaned_data["text"],
            lead_in=form.cleaned_data["lead_in"],
            places=form.cleaned_data["places"],
            recommendations=form.cleaned_data.get("recommendations", []),
            indicators=form.cleaned_data["indicators"],
        )
        messages.success(request, "Entry added. It stays a draft until you submit the return.")
        return redirect(reverse("stocktake:return_detail", args=[round_.slug, place.slug]) + f"#{kind}-{number}")
    return render(
        request,
        "stocktake/entry_form.html",
        {
            "form": form,
            "round": round_,
            "place": place,
            "section": section,
            "title": "Add an entry",
            "back_url": reverse("stocktake:return_detail", args=[round_.slug, place.slug]),
        },
    )


def entry_detail(request, pk):
    entry = get_object_or_404(
        access.restrict(Entry.objects.select_related("round", "theme", "system_recommendation"), request.user, "view"),
        pk=pk,
    )
    return render(
        request,
        "stocktake/entry_detail.html",
        {
            "entry": entry,
            "card": returns.entry_cards(Entry.objects.filter(pk=entry.pk))[0],
            "may_change": access.can(request.user, access.CHANGE, entry),
        },
    )


def _changeable_entry(request, pk) -> Entry:
    """An entry the user may change: 404 if they may not even see it, 403 if they may only see it."""
    visible = access.restrict(Entry.objects.select_related("round__framework"), request.user, access.VIEW)
    entry = get_object_or_404(visible, pk=pk)
    if not entry.round.is_open:
        raise returns.RoundClosed(returns.closed_message(entry.round))
    if not access.can(request.user, access.CHANGE, entry):
        raise PermissionDenied("You may read this entry but not change it.")
    return entry


def _home_place(request, entry: Entry) -> Place:
    """The place whose page an entry is edited from.

    An ICS, sub-region or combined-authority entry is edited from its column's
    place (the level page, ``stocktake.level_views``). A borough entry is
    edited from its borough's return; one that names no borough, from its
    first place or, failing that, from its ICS.
    """
    if entry.level != Level.BOROUGH and entry.column_place_id:
        return entry.column_place
    places = entry.places.filter(kind=Place.Kind.BOROUGH)
    yours = access.restrict(places, request.user, access.ATTACH).first()
    return yours or places.first() or entry.places.first() or entry.column_place or entry.round.framework.system


def _closed_form(request, form, closed, context):
    """A form posted after its round closed: nothing saved, the user's text kept on the page, and why."""
    form.is_valid()
    form.add_error(None, f"Nothing was saved. {closed} Your text is below, to keep elsewhere.")
    context = {**context, "form": form, "closed": True}
    return render(request, "stocktake/entry_form.html", context, status=403)


def entry_edit(request, pk):
    try:
        entry = _changeable_entry(request, pk)
    except returns.RoundClosed as closed:
        if request.method != "POST":
            raise
        entry = get_object_or_404(access.restrict(Entry.objects.all(), request.user, access.VIEW), pk=pk)
        place = _home_place(request, entry)
        form = EntryForm(request.POST, user=request.user, place=place, section=entry.section)
        context = {
            "round": entry.round,
            "place": place,
            "section": entry.section,
            "title": "Change the entry",
            "back_url": _return_url(entry, place),
        }
        return _closed_form(request, form, closed, context)
    if request.method == "GET" and entry.level != Level.BOROUGH and entry.column_place_id:
        # A column's entry has its own form, without places to tick (stocktake.level_views).
        return redirect("stocktake:level_entry_edit", entry.round.slug, entry.column_place.slug, entry.pk)
    place = _home_place(request, entry)
    return edit_entry(
        request,
        entry,
        form_class=EntryForm,
        place=place,
        reload=lambda: _changeable_entry(request, pk),
        saved_url=_return_url(entry, place, to_entry=True),
        back_url=_return_url(entry, place),
    )


def edit_entry(request, entry, *, form_class, place, reload, saved_url, back_url, fixed_places=None, **context):
    """The entry form, shown and saved: a borough's entry (its places ticked) or a column's (``fixed_places``).

    A save from a form opened before someone else's is refused, the user's text kept in the form at the
    newer version, which ``reload`` reads and the page shows beside it.
    """
    section = entry.section
    initial = {
        "text": entry.text,
        "recommendations": list(entry.recommendations.values_list("pk", flat=True)),
        "indicators": list(entry.indicators.values_list("pk", flat=True)),
        "version": entry.version,
    }
    if fixed_places is None:
        initial["places"] = list(entry.places.values_list("pk", flat=True))
    form = form_class(request.POST or None, initial=initial, user=request.user, place=place, section=section)
    newer = None
    if request.method == "POST" and form.is_valid():
        try:
            returns.update_entry(
                request.user,
                entry,
                text=form.cleaned_data["text"],
                lead_in=form.cleaned_data.get("lead_in", ""),
                places=form.cleaned_data["places"] if fixed_places is None else fixed_places,
                recommendations=form.cleaned_data.get("recommendations", []),
                indicators=form.cleaned_data["indicators"],
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            newer = reload()
            form = _stale_form(request, newer, place, section, form_class)
        else:
            messages.success(request, "Entry saved.")
            return redirect(saved_url)
    return render(
        request,
        "stocktake/entry_form.html",
        {
            "form": form,
            "round": entry.round,
            "place": place,
            "section": section,
            "entry": entry,
            "newer": returns.entry_cards(Entry.objects.filter(pk=newer.pk))[0] if newer else None,
            "title": "Change the entry",
            "back_url": back_url,
            **context,
        },
    )


def _stale_form(request, newer: Entry, place, section, form_class=EntryForm) -> EntryForm:
    """The user's own text back in the form, now at the newer version they are shown, with why it was not saved."""
    data = request.POST.copy()
    data["version"] = str(newer.version)
    form = form_class(data, user=request.user, place=place, section=section)
    form.is_valid()
    form.add_error(
        None,
        "Someone else saved this entry after you opened it, so your change was not saved. Their version is "
        "shown below. Your text is still in the box: change it as needed and save again.",
    )
    return form


def _return_url(entry: Entry, place: Place, *, to_entry: bool = False) -> str:
    """The page the entry is kept on, at its section (or, after a save or a move, at the entry itself)."""
    anchor = f"theme-{entry.theme.number}" if entry.theme_id else f"system-{entry.system_recommendation.number}"
    if to_entry:
        anchor = f"entry-{entry.pk}"
    if place.pk == entry.column_place_id and place.stocktake_heading:  # a level entry: its column's page
        return reverse("stocktake:level_return", args=[entry.round.slug, place.slug]) + "#" + anchor
    if place.kind != Place.Kind.BOROUGH:  # no borough's return holds it: back to the round's entries
        return reverse("stocktake:entry_list") + f"?round={entry.round_id}"
    return reverse("stocktake:return_detail", args=[entry.round.slug, place.slug]) + "#" + anchor


def entry_delete(request, pk):
    entry = _changeable_entry(request, pk)
    place = _home_place(request, entry)
    context = {"entry": entry, "place": place, "back_url": _return_url(entry, place)}
    if request.method == "POST":
        if _posted_version(request) not in (None, entry.version):
            # Changed since the confirmation page was opened: show what would be deleted now, and ask again.
            context["changed"] = True
            return render(request, "stocktake/entry_delete.html", context, status=409)
        returns.delete_entry(request.user, entry)
        messages.success(request, "Entry deleted.")
        return redirect(context["back_url"])
    return render(request, "stocktake/entry_delete.html", context)


@require_POST
def entry_move(request, pk):
    entry = _changeable_entry(request, pk)
    returns.move_entry(request.user, entry, "up" if request.POST.get("direction") == "up" else "down")
    return redirect(_return_url(entry, _home_place(request, entry), to_entry=True))


@require_POST
def return_submit(request, round_slug, place_slug):
    """Submit a return; one with empty sections (or none at all) is confirmed first, saying which."""
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    if not returns.may_submit(request.user, round_, place):
        if not round_.is_open:
            messages.error(request, returns.closed_message(round_))
            return redirect("stocktake:return_detail", round_.slug, place.slug)
        raise PermissionDenied("Only the place's own lead can submit its return, while it is not submitted.")
    version = _posted_version(request)
    if request.POST.get("confirmed") != "yes":
        sections = _sections(request, round_, place)
        empty = [view for view in sections if not view.own]
        if empty:
            context = {"round": round_, "place": place, "empty": empty, "sections": sections, "version": version}
            return render(request, "stocktake/return_submit_confirm.html", context)
    try:
        returns.submit(request.user, round_, place, version=version)
    except StaleVersion:
        messages.error(
            request,
            f"{place}'s return was changed by someone else after you opened this page, so it was not submitted. "
            f"{_last_step(round_, place)}Check it below and submit again.",
        )
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    except (returns.RoundClosed, transitions.TransitionRefused) as refused:
        messages.error(request, str(refused))
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    messages.success(request, f"{place}'s return is submitted to the ICS for review.")
    return redirect("stocktake:return_detail", round_.slug, place.slug)


def _posted_version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _last_step(round_: Round, place: Place) -> str:
    """“It was accepted by ics-reviewer at 10:12.”: the latest step of the place's return, for a refusal."""
    step = transitions.history(returns.return_for(round_, place))[-1:]
    if not step:
        return ""
    step = step[0]
    who = f" by {step.by.get_full_name() or step.by.get_username()}" if step.by else ""
    when = timezone.localtime(step.at)
    return f"It was {transitions.DONE[step.action]}{who} on {when.day} {when:%B %Y} at {when:%H:%M}. "


def _kept(text: str, what: str) -> str:
    text = text.strip()[:5000]
    return f" Your {what} was not saved: “{text}”" if text else ""


@require_POST
def return_review(request, round_slug, place_slug):
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    if not round_.is_open:
        messages.error(request, returns.closed_message(round_))
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    if not returns.may_review(request.user, round_):
        raise PermissionDenied
    current = returns.return_for(round_, place)
    posted = _posted_version(request)
    kept = _kept(request.POST.get("comment", ""), "comment")
    if posted is not None and current.pk and current.version != posted and current.status != "submitted":
        # Reviewed (or reopened) by someone else since the page was opened: nothing saved, the comment given back.
        messages.error(
            request,
            f"{place}'s return was changed after you opened this page, so your review was not saved. "
            f"{_last_step(round_, place)}It is {current.get_status_display().lower()} now: only a submitted return "
            f"can be reviewed.{kept}",
        )
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    if not returns.may_review(request.user, round_, place):
        # Reviewed by someone else since the page was opened, say: the reviewer's comment is given back.
        status = current.get_status_display().lower()
        messages.error(request, f"{place}'s return is {status}: only a submitted return can be reviewed.{kept}")
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            return_ = returns.review(
                request.user,
                round_,
                place,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            # The reviewer's choice and comment stay in the form, now at the version they are shown.
            now = returns.return_for(round_, place)
            if now.status != "submitted":
                messages.error(
                    request,
                    f"{place}'s return was changed after you opened this page, so your review was not saved. "
                    f"{_last_step(round_, place)}{kept}",
                )
                return redirect("stocktake:return_detail", round_.slug, place.slug)
            data = request.POST.copy()
            data["version"] = str(now.version)
            form = ReviewForm(data)
            form.is_valid()
            form.add_error(
                None,
                f"{place}'s return was changed after you opened this page (it may have been reviewed already), so "
                "your review was not saved. Its status now is shown at the top of the page.",
            )
        except (returns.RoundClosed, transitions.TransitionRefused) as refused:
            messages.error(request, f"{refused}{kept}")
            return redirect("stocktake:return_detail", round_.slug, place.slug)
        else:
            messages.success(request, f"{place}'s return is {return_.get_status_display().lower()}.")
            return redirect("stocktake:coverage", round_.slug)
    context = _return_context(request, round_, place, review_form=form)
    return render(request, "stocktake/return_detail.html", context, status=400)


@require_POST
def return_reopen(request, round_slug, place_slug):
    """A reviewer reopens an accepted return: back to the place's lead, returned for changes, with the reason."""
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    kept = _kept(request.POST.get("reason", ""), "reason")
    if not round_.is_open:
        messages.error(request, f"{returns.closed_message(round_)}{kept}")
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    if not returns.may_review(request.user, round_):
        raise PermissionDenied("Only an ICS reviewer can reopen a return.")
    current = returns.return_for(round_, place)
    posted = _posted_version(request)
    if posted is not None and current.pk and current.version != posted:
        messages.error(
            request,
            f"{place}'s return was changed after you opened this page, so it was not reopened. "
            f"{_last_step(round_, place)}It is {current.get_status_display().lower()} now.{kept}",
        )
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    if not returns.may_reopen(request.user, round_, place):
        messages.error(
            request,
            f"{place}'s return is {current.get_status_display().lower()}: only an accepted return can be "
            f"reopened.{kept}",
        )
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            returns.reopen(
                request.user, round_, place, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
            )
        except StaleVersion:
            messages.error(
                request,
                f"{place}'s return was changed after you opened this page, so it was not reopened. "
                f"{_last_step(round_, place)}{kept}",
            )
        except (returns.RoundClosed, transitions.TransitionRefused) as refused:
            messages.error(request, f"{refused}{kept}")
        else:
            messages.success(
                request,
                f"{place}'s return is reopened: it is returned for changes to {place}'s lead, with your reason.",
            )
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    context = _return_context(request, round_, place, reopen_form=form)
    return render(request, "stocktake/return_detail.html", context, status=400)


def round_workbook(request, round_slug):
    round_ = _round(request, round_slug)
    entries = access.restrict(Entry.objects.filter(round=round_), request.user, access.VIEW)
    if entries.count() > work.export_rows():
        job = work.start(
            request.user, Job.Kind.WORKBOOK_EXPORT, f"The workbook of “{round_}”", params={"round": round_.pk}
        )
        return redirect(job)
    try:
        return workbook_response(round_, request.user)
    except ExportError as exc:
        messages.error(request, str(exc))
        return redirect("stocktake:round_list")


def return_upload(request, round_slug, place_slug):
    """A lead uploads the workbook edited in Excel: preview, then confirm."""
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    returns.require_edit(request.user, round_, place)
    form = WorkbookForm(request.POST or None, request.FILES or None)
    context = {"round": round_, "place": place, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            upload = uploads.store(request, form.cleaned_data["workbook"], round_.framework, round_.name)
            plan, _ = uploads.plan_upload(upload, request.user)
        except WorkbookError as exc:
            form.add_error("workbook", str(exc))
        else:
            changes = describe_changes(plan)
            if not changes:
                # Nothing to confirm: the file is not kept.
                uploads.forget(request, upload.token)
            context.update(plan=plan, changes=changes, token=upload.token)
            return render(request, "stocktake/upload_preview.html", context)
    return render(request, "stocktake/upload.html", context)


@require_POST
def return_upload_confirm(request, round_slug, place_slug, token):
    round_ = _round(request, round_slug)
    place = _borough(round_, place_slug)
    returns.require_edit(request.user, round_, place)
    upload = uploads.recall(request, token)
    if request.POST.get("discard") == "yes":
        # "Go back without importing": this session's file is deleted now, not at the daily purge.
        if upload is not None:
            uploads.forget(request, upload.token)
        messages.info(request, "Nothing was imported from the workbook.")
        return redirect("stocktake:return_detail", round_.slug, place.slug)
    if upload is None:
        messages.error(request, "That upload has expired. Upload the workbook again.")
        return redirect("stocktake:return_upload", round_.slug, place.slug)
    # Checked as before (the user may change this return; the file is this session's): a job imports it.
    job = uploads.start_import(request, upload, round_, place)
    if job is None:
        messages.error(request, "That upload has expired. Upload the workbook again.")
        return redirect("stocktake:return_upload", round_.slug, place.slug)
    return redirect(job)


COVERAGE_VIEWS = {
    "themes": "Themes and system recommendations",
    "recommendations": "Recommendations",
    "indicators": "Beacon indicators",
}


def round_coverage(request, round_slug):
    round_ = _round(request, round_slug)
    view = request.GET.get("view", "themes")
    if view not in COVERAGE_VIEWS:
        view = "themes"
    places, rows = coverage.grid(request.user, round_, view)
    if request.GET.get("format") == "xlsx":
        return _coverage_workbook(round_, view, places, rows)
    return render(
        request,
        "stocktake/coverage.html",
        {
            "round": round_,
            "columns": list(zip(places, [c.status for c in rows[0].cells] if rows else [], strict=False)),
            "rows": rows,
            "view": view,
            "view_label": COVERAGE_VIEWS[view],
            "views": COVERAGE_VIEWS,
        },
    )


def _coverage_workbook(round_, view, places, rows) -> HttpResponse:
    cells = [
        [f"{round_.name}: {COVERAGE_VIEWS[view]}"],
        ["", ""] + [p.name for p in places] + ["Total"],
        *([row.code, row.label] + [c.count for c in row.cells] + [row.total] for row in rows),
    ]
    return outputs.download(cells, "xlsx", f"{round_.slug}-coverage-{view}", sheet_title="Coverage")


def _entries_filtered(request):
    entries = access.restrict(
        Entry.objects.select_related("round", "theme", "system_recommendation").prefetch_related("places"),
        request.user,
        access.VIEW,
    )
    filterset = EntryFilterSet(request.GET or None, queryset=entries, request=request)
    return filterset, EntryTable(filterset.qs)


def entries_table(user, query) -> tuple[EntryTable, object]:
    """The entries table as ``entry_list`` exports it for ``user`` and the query ``query`` (a QueryDict)."""
    asked = SimpleNamespace(user=user, GET=query)
    filterset, table = _entries_filtered(asked)
    RequestConfig(asked, paginate=False).configure(table)
    return table, filterset.qs


def entry_list(request):
    filterset, table = _entries_filtered(request)
    export_format = request.GET.get("_export")
    if export_format in ("csv", "xlsx"):
        if filterset.qs.count() > work.export_rows():
            query = request.GET.copy()
            query.pop("_export", None)
            job = work.start(
                request.user,
                Job.Kind.ENTRIES_EXPORT,
                f"Entries export ({export_format.upper()})",
                params={"query": query.urlencode(), "format": export_format},
            )
            return redirect(job)
        RequestConfig(request, paginate={"per_page": 50}).configure(table)
        return outputs.table_download(table, export_format, "entries")
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "stocktake/entry_list.html", {"table": table, "filter": filterset})


def compare(request):
    """What is new, changed and gone between two rounds, for one place or the whole ICS."""
    rounds = list(access.restrict(Round.objects.select_related("framework"), request.user, access.VIEW))
    by_pk = {str(r.pk): r for r in rounds}
    older, newer = by_pk.get(request.GET.get("from", "")), by_pk.get(request.GET.get("to", ""))
    systems = {r.framework.system_id for r in rounds}
    places = Place.objects.filter(system__in=systems, kind=Place.Kind.BOROUGH).order_by("name")
    place_id = request.GET.get("place", "")
    place = places.filter(pk=int(place_id)).first() if place_id.isdigit() else None
    result = None
    if older and newer:
        result = _comparison(request, older, newer, place)
    return render(
        request,
        "stocktake/compare.html",
        {"rounds": rounds, "older": older, "newer": newer, "places": places, "place": place, "result": result},
    )


def _comparison(request, older: Round, newer: Round, place: Place | None):
    def grouped(round_):
        entries = access.restrict(Entry.objects.filter(round=round_), request.user, access.VIEW)
        if place is not None:
            entries = entries.filter(places=place)
        groups = defaultdict(list)
        for entry in entries.select_related("theme", "system_recommendation").order_by("position", "pk"):
            section = entry.theme or entry.system_recommendation
            groups[str(section)].append(entry)
        return groups

    before, after = grouped(older), grouped(newer)
    sections = []
    for name in sorted(set(before) | set(after), key=lambda n: (n.startswith("S"), n)):
        old, new = before.get(name, []), after.get(name, [])
        matcher = difflib.SequenceMatcher(a=[e.full_text for e in old], b=[e.full_text for e in new], autojunk=False)
        changes = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for k in range(pairs):
                a, b = old[i1 + k].full_text, new[j1 + k].full_text
                if difflib.SequenceMatcher(a=a, b=b).ratio() > 0.4:
                    changes.append({"kind": "changed", "diff": word_diff(a, b)})
                else:
                    changes.append({"kind": "gone", "text": a})
                    changes.append({"kind": "new", "text": b})
            changes += [{"kind": "gone", "text": e.full_text} for e in old[i1 + pairs : i2]]
            changes += [{"kind": "new", "text": e.full_text} for e in new[j1 + pairs : j2]]
        if changes:
            sections.append({"name": name, "changes": changes})
    return sections


def search(request):
    """Who else does this? Full-text search on PostgreSQL, word matching elsewhere."""
    # PostgreSQL refuses NUL characters in text: a query cannot usefully hold one.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    results = []
    if query:
        entries = access.restrict(
            Entry.objects.select_related("round", "theme", "system_recommendation").prefetch_related("places"),
            request.user,
            access.VIEW,
        )
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector("lead_in", "text", config="english")
            search_query = SearchQuery(query, search_type="websearch", config="english")
            results = (
                entries.annotate(rank=SearchRank(vector, search_query))
                .filter(rank__gt=0)
                .order_by("-rank", "-round__period_start")[:100]
            )
        else:
            for word in query.split():
                entries = entries.filter(Q(text__icontains=word) | Q(lead_in__icontains=word))
            results = entries.order_by("-round__period_start", "pk")[:100]
    return render(request, "stocktake/search.html", {"query": query, "results": results})
