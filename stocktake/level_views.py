"""Activity above borough level: a page per round and ICS, sub-region or combined authority, like a borough's return.

Each such place has its own activity column in the workbook (its
``stocktake_heading``); its entries sit in that column (``column_place``) at
its level. They have no return to submit: they are published to everyone in
the system as soon as they are saved. The ICS's reviewers and a lead held at
that place change them (``atf.access.entry_rule``); everyone else reads them.

Changing, moving and deleting go through the entry pages of ``stocktake.views``,
which come back here for a level entry.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from atf import access
from boroughs.models import Place

from . import returns
from .cells import BLANK_LINES
from .forms import EntryForm
from .models import Entry, Round
from .views import _round, _section, edit_entry


class LevelEntryForm(EntryForm):
    """The entry form for a level column: the place is the column's own, and there is no lead-in to read.

    The workbook's level cells hold paragraphs without place names before
    them, so the text is kept as typed (normalised) and the entry is always
    for the column's place.
    """

    def __init__(self, *args, place, **kwargs):
        super().__init__(*args, place=place, **kwargs)
        del self.fields["places"]
        self.fields["text"].label = f"What is {place} doing?"
        self.fields["text"].error_messages["required"] = f"Enter what {place} is doing"

    def clean_text(self):
        # In a level column, a blank line separates one entry from the next: one kept here would come back
        # from the workbook as two entries.
        text = super().clean_text()
        if BLANK_LINES.search(text):
            raise forms.ValidationError(
                "Remove the blank lines: in the workbook a blank line starts a new entry in this column. "
                "Keep the lines together, or add the next part as an entry of its own."
            )
        return text

    def clean(self):
        cleaned = forms.Form.clean(self)  # not EntryForm.clean: there is no lead-in to take off
        cleaned["lead_in"] = ""
        return cleaned


def _level_place(round_: Round, slug: str) -> Place:
    return get_object_or_404(returns.level_places(round_), slug=slug)


def _level_url(round_: Round, place: Place, anchor: str = "") -> str:
    url = reverse("stocktake:level_return", args=[round_.slug, place.slug])
    return url + f"#{anchor}" if anchor else url


def _level_sections(request, round_: Round, place: Place) -> list[returns.SectionView]:
    """Every theme and system recommendation, with the place's entries in its column, in their order."""
    framework = round_.framework
    sections = [
        returns.SectionView(t, "theme") for t in framework.themes.prefetch_related("recommendations", "indicators")
    ] + [returns.SectionView(s, "system") for s in framework.system_recommendations.all()]
    by_key = {(v.kind, v.section.pk): v for v in sections}
    entries = (
        access.restrict(Entry.objects.filter(round=round_), request.user, access.VIEW)
        .filter(column_place=place, level=place.kind)
        .order_by("position", "pk")
    )
    for card in returns.entry_cards(entries):
        key = ("theme", card.theme_id) if card.theme_id else ("system", card.system_recommendation_id)
        if view := by_key.get(key):
            view.own.append(card)
    return sections


def level_return(request, round_slug, place_slug):
    """The place's activity column for the round, section by section."""
    round_ = _round(request, round_slug)
    place = _level_place(round_, place_slug)
    sections = _level_sections(request, round_, place)
    return render(
        request,
        "stocktake/level_return.html",
        {
            "round": round_,
            "place": place,
            "sections": sections,
            "may_edit": returns.may_edit_level(request.user, round_, place),
            "filled": sum(1 for s in sections if s.own),
        },
    )


def level_entry_add(request, round_slug, place_slug, kind, number):
    round_ = _round(request, round_slug)
    place = _level_place(round_, place_slug)
    returns.require_level_edit(request.user, round_, place)
    section = _section(round_, kind, number)
    form = LevelEntryForm(request.POST or None, user=request.user, place=place, section=section)
    if request.method == "POST" and form.is_valid():
        returns.add_level_entry(
            request.user,
            round_,
            place,
            section=section,
            text=form.cleaned_data["text"],
            recommendations=form.cleaned_data.get("recommendations", []),
            indicators=form.cleaned_data["indicators"],
        )
        messages.success(request, f"Entry added to {place}'s activity.")
        return redirect(_level_url(round_, place, f"{kind}-{number}"))
    return render(
        request,
        "stocktake/entry_form.html",
        {
            "form": form,
            "round": round_,
            "place": place,
            "section": section,
            "title": "Add an entry",
            "save_label": "Save the entry",
            "back_url": _level_url(round_, place, f"{kind}-{number}"),
        },
    )


def level_entry_edit(request, round_slug, place_slug, pk):
    """Change one of the column's entries; a save from a form opened before someone else's is refused."""
    round_ = _round(request, round_slug)
    place = _level_place(round_, place_slug)
    visible = access.restrict(
        Entry.objects.filter(round=round_, column_place=place, level=place.kind), request.user, access.VIEW
    )
    entry = get_object_or_404(visible.select_related("theme", "system_recommendation"), pk=pk)
    returns.require_level_edit(request.user, round_, place)
    anchor = f"theme-{entry.section.number}" if entry.theme_id else f"system-{entry.section.number}"
    return edit_entry(
        request,
        entry,
        form_class=LevelEntryForm,
        place=place,
        reload=lambda: get_object_or_404(visible, pk=pk),
        saved_url=_level_url(round_, place, anchor),
        back_url=_level_url(round_, place, anchor),
        fixed_places=[place],
        save_label="Save the entry",
    )
