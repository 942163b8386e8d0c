"""The searched words marked in a short piece of text, safely.

The words are found in the text as stored, and every piece of it, marked or
not, is escaped on its own before ``<mark>`` is put around the matched pieces.
So stored text such as ``<script>`` comes out as text, and a search for "amp"
or "lt" can never match inside an escape (``&amp;``) and break it. Words are
matched literally, whatever characters they hold (``C++``, ``(a)``, ``.*``),
ignoring case; where two words overlap ("family hub" and "hubs") one mark
covers both.
"""

from __future__ import annotations

import re

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

_SPACES = re.compile(r"\s+")
# How much of the text an excerpt shows, in characters, and how much of it comes before the first match.
EXCERPT_CHARS = 280
BEFORE_FIRST_MATCH = 80
ELLIPSIS = "…"


def spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text``: sorted, with overlapping and touching occurrences merged."""
    found = []
    for term in terms:
        if term:
            found += [m.span() for m in re.finditer(re.escape(term), text, re.IGNORECASE)]
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def mark(text: str, terms: list[str]) -> SafeString:
    """All of ``text``, escaped, with the terms in ``<mark>``."""
    return _marked(text, spans(text, terms))


def excerpt(text: str, terms: list[str], length: int = EXCERPT_CHARS) -> SafeString:
    """About ``length`` characters of ``text`` around the first match, escaped, with the terms in ``<mark>``.

    White space is shown as single spaces. Where no term occurs in the text
    (it matched in another field) the excerpt is the text's beginning.
    """
    text = _SPACES.sub(" ", text or "").strip()
    found = spans(text, terms)
    if len(text) <= length:
        return _marked(text, found)
    start = max(0, found[0][0] - BEFORE_FIRST_MATCH) if found else 0
    end = min(len(text), start + length)
    if found:
        end = max(end, min(len(text), found[0][1]))  # never cut the first match in two
    start = max(0, min(start, end - length))
    # Cut between words, not inside one.
    if start > 0:
        space = text.find(" ", start, found[0][0] if found else end)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", found[0][1] if found else start, end)
        end = space if space > start else end
    window = [(max(s, start) - start, min(e, end) - start) for s, e in found if e > start and s < end]
    body = _marked(text[start:end], window)
    return format_html("{}{}{}", ELLIPSIS if start > 0 else "", body, ELLIPSIS if end < len(text) else "")


def _marked(text: str, found: list[tuple[int, int]]) -> SafeString:
    """``text`` cut at the ``found`` spans; format_html escapes every piece, and only the marks are markup."""
    pieces, at = [], 0
    for start, end in found:
        pieces.append(escape(text[at:start]))
        pieces.append(format_html("<mark>{}</mark>", text[start:end]))
        at = end
    pieces.append(escape(text[at:]))
    return format_html_join("", "{}", ((piece,) for piece in pieces))
