"""Splitting an activity cell into entries, and joining entries back into a cell.

The borough column packs every borough's entries into one cell: a paragraph
that starts with a place's name ("Knowsley - first Family Hub ...") begins
an entry, and the lines after it continue that entry until the next such
paragraph. A paragraph before any place name is an entry with no specific
place. The other activity columns belong to one place each; there, entries
are the paragraphs separated by blank lines.

Joining is the inverse, up to white space: ``join(split(text))`` reads the
same as ``text`` once runs of white space are collapsed, and
``split(join(entries)) == entries``, which is what makes a re-import of an
exported workbook change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from atf.text import normalise
from boroughs.names import PlaceNames

BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n\s*")


@dataclass(frozen=True)
class CellEntry:
    lead_in: str
    text: str
    place_ids: tuple[int, ...] = ()

    @property
    def full_text(self) -> str:
        return self.lead_in + self.text


class UnknownPlace(ValueError):
    def __init__(self, name: str, paragraph: str):
        self.name = name
        self.paragraph = paragraph
        super().__init__(name)


def _clean(text: str) -> str:
    return normalise(text)


def split_borough_cell(text: str, names: PlaceNames) -> list[CellEntry]:
    entries: list[list] = []  # [lead_in, lines, place_ids]
    for line in _clean(text).split("\n"):
        paragraph = line.strip()
        named = names.read_prefix(paragraph) if paragraph else None
        if named is None and paragraph:
            unknown = names.unknown_prefix(paragraph)
            if unknown:
                raise UnknownPlace(unknown, paragraph)
        if named is not None:
            entries.append([named.lead_in, [named.text], named.place_ids])
        elif entries:
            entries[-1][1].append(line)
        elif paragraph:
            entries.append(["", [line], ()])
    return [
        CellEntry(lead_in, "\n".join(lines).strip(), tuple(place_ids))
        for lead_in, lines, place_ids in entries
        if (lead_in + "\n".join(lines)).strip()
    ]


def split_level_cell(text: str, place_id: int | None = None) -> list[CellEntry]:
    ids = (place_id,) if place_id else ()
    return [CellEntry("", p.strip(), ids) for p in BLANK_LINES.split(_clean(text).strip()) if p.strip()]


def join_borough_cell(entries: list[CellEntry]) -> str:
    """Entries for the same places follow on the next line; others after a blank line.

    Entries that name no place go first: after a named entry they would read
    as its continuation.
    """
    parts: list[str] = []
    previous = None
    for entry in sorted(entries, key=lambda e: bool(e.lead_in.strip())):
        if parts:
            same = previous.place_ids and set(previous.place_ids) == set(entry.place_ids)
            parts.append("\n" if same else "\n\n")
        parts.append(entry.full_text)
        previous = entry
    return "".join(parts)


def join_level_texts(texts: list[str]) -> str:
    """A level column's cell: its entries' full texts, a blank line apart."""
    return "\n\n".join(texts)
