"""Text as it is stored: normalised once, where it comes in.

The same words arrive from a browser form (lines end in CRLF), from Excel or
LibreOffice (LF, sometimes a lone CR, non-breaking spaces pasted from Word)
and from CSV files. Stored as they came, an unchanged workbook would read
as "updated" after any edit in the browser. Every way in (the entry form,
the admin, the workbook and flat-file readers) passes text through
``normalise`` so the same words are always the same string.
"""

import difflib
import re

# Spaces that look like a space, and line separators that look like a line break.
_CHARACTERS = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u202f": " ",  # narrow no-break space
        "\u2028": "\n",  # line separator
        "\u2029": "\n",  # paragraph separator
        "\ufeff": None,  # byte order mark, left at the start of pasted text
    }
)
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
# Control characters other than tab and line feed: no worksheet or XML can hold them. A vertical tab or a
# form feed is what a pasted line break from Word often becomes, so those are line breaks; the rest go.
_BREAKS = re.compile(r"[\x0b\x0c]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """LF line ends, plain spaces, no control characters, and no white space at the end of a line."""
    if not text:
        return text or ""
    return _TRAILING.sub("", normalise_characters(text))


def normalise_characters(text: str) -> str:
    """Line ends and spaces only, keeping white space at line ends: a lead-in ("Knowsley - ") ends in one."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_CHARACTERS)
    return _CONTROLS.sub("", _BREAKS.sub("\n", text))


def printable(text: str) -> str:
    """Text a worksheet can hold, for writing text stored before it was normalised: control characters go."""
    return _CONTROLS.sub("", _BREAKS.sub("\n", text))


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """How ``b`` differs from ``a``, word by word: (kind, words) runs, kind "same", "removed" or "added".

    White space alone is no difference: the words are compared, not the spacing.
    """
    old, new = a.split(), b.split()
    runs = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("added", " ".join(new[j1:j2])))
    return runs
