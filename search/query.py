"""What a search asks for: its words and phrases, how many, and how they match rows.

One behaviour on SQLite and PostgreSQL alike, so that the same words find the
same rows wherever the application runs: every word or quoted phrase must
appear (AND), case-insensitively, anywhere in a row's searched fields (so
"hub" finds "hubs"). Accents are not folded: "café" does not find "cafe".

Bounded: a query is at most ``MAX_QUERY_CHARS`` characters and
``MAX_TERMS`` words or phrases, each of which adds one ``LIKE`` condition; the
rows counted per kind stop at ``MAX_COUNTED``.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.db.models import Q

from atf.text import normalise_characters

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
# Rows of one kind counted and paged through; past it the page says "more than 500".
MAX_COUNTED = 500
PER_PAGE = 20

# A phrase in double quotes (typographic ones too, as Word and phones type them), or a bare word.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
# Sentence punctuation around a word ("hubs," "(12.5)") is not part of what was asked for; signs inside a
# word or at its end that carry meaning ("C&M", "£5m", "12.5", "C++") are kept.
_AROUND = ".,;:!?()[]{}'\u2018\u2019"
_SPACES = re.compile(r"\s+")


def too_many_terms(count: int) -> str:
    return (
        f"Search for at most {MAX_TERMS} words or phrases at once; you asked for {count}. Leave out common "
        "words such as “the” and “and”, or put words that belong together in double quotes."
    )


def too_long(length: int) -> str:
    return (
        f"Search for at most {MAX_QUERY_CHARS} characters at once; this is {length:,}. "
        "A few distinctive words find more than a whole sentence."
    )


def terms(query: str) -> list[str]:
    """The words and quoted phrases of ``query``, in order, each once (ignoring case)."""
    found, seen = [], set()
    for phrase, word in _TERM.findall(normalise_characters(query or "").translate(_QUOTES)):
        term = _SPACES.sub(" ", phrase).strip() if phrase else word.strip(_AROUND)
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            found.append(term)
    return found


def matching(fields, terms_: list[str], extra=None) -> Q:
    """Rows where every term appears in at least one of ``fields``.

    ``extra(term)`` adds another place a term may be found (e.g. an Exists on
    an action's updates), ORed with the fields.
    """
    condition = Q()
    for term in terms_:
        anywhere = [Q(**{f"{field}__icontains": term}) for field in fields]
        if extra is not None:
            anywhere.append(extra(term))
        condition &= reduce(or_, anywhere)
    return condition
