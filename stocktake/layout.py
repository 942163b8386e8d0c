"""The shape of the ICS's stocktake workbook, as data.

The reader, the writer and the framework loader all take the workbook's
sheet names, headers and column order from here, so that one change of
layout is one change in one place. Headers are matched with ``normalise``:
case, spacing and line breaks do not matter.
"""

from __future__ import annotations

THEMES_SHEET = "Themes"
RECOMMENDATIONS_SHEET = "Recommendations"
INDICATORS_SHEET = "Beacon Indicators"

# The first column's header names the block below it.
THEMES_HEADER = "Marmot Themes"
SYSTEM_HEADER = "Marmot System Recommendations"
INDICATORS_HEADER = "Beacon Indicators"

# The borough column: both spellings seen in the ICS's own workbook.
BOROUGH_HEADERS = ("Borough Level Activity", "Place Level Activity")
# The header written for the borough column of each block.
BOROUGH_HEADER_FOR_BLOCK = {THEMES_HEADER: "Borough Level Activity", SYSTEM_HEADER: "Place Level Activity"}

# Any other activity column is "<place name or alias> [Level] Activity",
# e.g. "C&M Level Activity", "LCR CA Activity".
ACTIVITY_SUFFIXES = (" level activity", " activity")

# The Recommendations sheet is a template with two free-text columns besides
# the activity ones.
# Keyed by stocktake.RecommendationCell.Column.
RECOMMENDATIONS_EXTRA_COLUMNS = {"best_practice": "Best Practice Elsewhere", "comments": "Comments"}
# The ICS's template has activity columns for the ICS and the combined
# authority only (place kinds, as in boroughs.Place.Kind).
RECOMMENDATIONS_LEVEL_KINDS = ("ics", "combined_authority")

# Beacon Indicators sheet: the header row carries these to the right of the
# first group heading.
INDICATOR_FIELD_HEADERS = {
    "frequency": "Frequency",
    "geographic_level": "Level",
    "disaggregation": "Disagg.",
    "source": "Source",
}

# Where the writer puts things. The reader never relies on these.
FIRST_COLUMN = 2  # column B
TITLE_ROW = 2
FIRST_HEADER_ROW = 4
THEMES_COLUMN_WIDTHS = {"heading": 60, "indicators": 40, "level": 50, "borough": 90}
RECOMMENDATIONS_COLUMN_WIDTHS = {"heading": 60, "level": 50, "borough": 90, "extra": 40}
INDICATORS_COLUMN_WIDTHS = {"number": 8, "name": 80, "field": 16}

# Excel's own limits.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384

# What a workbook may be before any of it is parsed (size, parts, inflated size,
# rows and cells) is atf.limits.

# No header (or sheet title) is longer than this.
MAX_HEADER_CHARS = 300


def normalise(text: object) -> str:
    """Header text for comparison: case folded, white space collapsed."""
    return " ".join(str(text or "").split()).casefold()


def header_key(text: object) -> str:
    """``normalise(text)`` for a cell short enough to be a header, else "".

    Headers are a few words; activity cells run to thousands of characters,
    and folding each one only to find it is not a header would cost more
    than reading it.
    """
    text = str(text or "")
    return normalise(text) if len(text) <= MAX_HEADER_CHARS else ""


def collapse_whitespace(text: object) -> str:
    """Cell text for comparing a round trip: runs of white space become one space."""
    return " ".join(str(text or "").split())


def activity_place_name(header: str) -> str | None:
    """The place a non-borough activity header names, e.g. "C&M" for "C&M Level Activity"."""
    key = normalise(header)
    for suffix in ACTIVITY_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)].strip()
    return None


def is_borough_header(header: str) -> bool:
    return normalise(header) in {normalise(h) for h in BOROUGH_HEADERS}


def column_letter(index: int) -> str:
    """1 -> A, 28 -> AB."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
