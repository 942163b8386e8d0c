"""Text as it is stored: normalised once, where it comes in.

The same words arrive from a browser form (lines end in CRLF), from Excel or
LibreOffice (LF, sometimes a lone CR, non-breaking spaces pasted from Word)
and from CSV files. Stored as they came, an unchanged workbook would read
as "updated" after any edit in the browser. Every way in (the entry form,
the admin, the workbook and flat-file readers) passes text through
``normalise`` so the same words are always the same string.
"""

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


def normalise(text: str) -> str:
    """LF line ends, plain spaces, and no white space at the end of a line."""
    if not text:
        return text or ""
    return _TRAILING.sub("", normalise_characters(text))


def normalise_characters(text: str) -> str:
    """Line ends and spaces only, keeping white space at line ends: a lead-in ("Knowsley - ") ends in one."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_CHARACTERS)
