"""Recognising the names spreadsheets give places.

People write "Cheshire West & Chester", "SMBC", "Halton, Liverpool and
Knowsley have ..." or "All 9 places ...". ``PlaceNames`` knows every name,
short name and alias in one system's tree and reads the places named at the
start of a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Place, PlaceAlias

# "All 9 places", "All nine boroughs", "All places": every borough of the system.
ALL_BOROUGHS = re.compile(r"all\s+(?:\d+\s+|nine\s+|the\s+)?(?:places|boroughs)(?![\w'’])", re.IGNORECASE)
# Between two names in a list: "Liverpool & Knowsley", "Halton, Liverpool and Knowsley".
LIST_SEPARATOR = re.compile(r"\s*(?:,\s*and|,|&|\band\b)\s*", re.IGNORECASE)
# After the names: "Knowsley - ", "Knowsley: ", "Sefton " (as in "Sefton created ...").
AFTER_NAMES = re.compile(r"\s*(?:[-–—:]\s*)?")
# A prefix that looks like a place name followed by " - ": up to four capitalised
# words, optionally joined by "and", "&", "upon" ... Used only to refuse
# names we do not know, so that nothing is attributed silently to the wrong place.
PLACE_LIKE_PREFIX = re.compile(r"([A-Z][\w'’.]*(?:\s+(?:[A-Z][\w'’.]*|and|&|upon|on|in|le|of|under)){0,4})\s+-\s+\S")
# A name must end at a word boundary that is not an apostrophe: "SMBC's forum"
# continues the entry above rather than starting one.
NAME_END = r"(?![\w'’])"


@dataclass(frozen=True)
class NamedPlaces:
    place_ids: tuple[int, ...]
    lead_in: str
    text: str


class PlaceNames:
    def __init__(self, system: Place):
        self.system = system
        places = list(Place.objects.filter(system=system).only("id", "name", "short_name", "kind"))
        self.borough_ids = tuple(p.id for p in places if p.kind == Place.Kind.BOROUGH)
        self.by_name: dict[str, int] = {}
        for place in places:
            for name in (place.name, place.short_name):
                if name:
                    self.by_name.setdefault(name.casefold(), place.id)
        for alias in PlaceAlias.objects.filter(place__system=system).values_list("name", "place_id"):
            self.by_name.setdefault(alias[0].casefold(), alias[1])
        # Longest first, so "Cheshire West and Chester" wins over any shorter name.
        alternatives = sorted(self.by_name, key=len, reverse=True)
        self._name = (
            re.compile("(" + "|".join(re.escape(n) for n in alternatives) + ")" + NAME_END, re.IGNORECASE)
            if alternatives
            else None
        )

    def place_id(self, name: str) -> int | None:
        return self.by_name.get(" ".join(name.split()).casefold())

    def read_prefix(self, paragraph: str) -> NamedPlaces | None:
        """The places named at the start of ``paragraph``, or None if it names none."""
        if not paragraph[:1].isupper():
            return None
        match = ALL_BOROUGHS.match(paragraph)
        if match:
            end = AFTER_NAMES.match(paragraph, match.end()).end()
            return NamedPlaces(self.borough_ids, paragraph[:end], paragraph[end:])
        if self._name is None:
            return None
        ids: list[int] = []
        position = 0
        while True:
            match = self._name.match(paragraph, position)
            if not match:
                break
            place_id = self.by_name[match.group(1).casefold()]
            if place_id not in ids:
                ids.append(place_id)
            position = match.end()
            separator = LIST_SEPARATOR.match(paragraph, position)
            if not separator or not self._name.match(paragraph, separator.end()):
                break
            position = separator.end()
        if not ids:
            return None
        end = AFTER_NAMES.match(paragraph, position).end()
        return NamedPlaces(tuple(ids), paragraph[:end], paragraph[end:])

    def unknown_prefix(self, paragraph: str) -> str | None:
        """The name in a "Name - ..." prefix that is no place we know, if there is one."""
        match = PLACE_LIKE_PREFIX.match(paragraph)
        if not match:
            return None
        name = match.group(1)
        return None if self.read_prefix(paragraph) else name

    def lead_in_for(self, place_ids: list[int] | tuple[int, ...]) -> str:
        """How the workbook introduces an entry for these places: “Knowsley - ”."""
        if not place_ids:
            return ""
        if len(place_ids) > 1 and set(place_ids) == set(self.borough_ids):
            return f"All {len(self.borough_ids)} places - "
        labels = dict(Place.objects.filter(pk__in=place_ids).values_list("pk", "short_name"))
        names = dict(Place.objects.filter(pk__in=place_ids).values_list("pk", "name"))
        words = [labels.get(pk) or names[pk] for pk in place_ids if pk in names]
        joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        return f"{joined} - "
