"""Loading the All Together Fairer framework from the stocktake workbook's own text.

The Themes sheet gives the eight themes, each with its recommendations (the
"•" bullets under the title in the first column), and the seven system
recommendations of the second block; the Beacon Indicators sheet gives the
22 indicators under their theme headings. Loading is idempotent: rows are
found by number and brought up to date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from boroughs.models import Place
from stocktake import layout
from stocktake.xlsx import Sheet, WorkbookError, find_sheet, read_workbook

from .models import BeaconIndicator, Framework, Pillar, Recommendation, SystemRecommendation, Theme
from .upsert import upsert

DEMO_WORKBOOK = Path(__file__).resolve().parent / "data" / "atf_stocktake_2023.xlsx"

# The WHO four pillars for structured action on health in all policies, as the
# ICS's 2023 review names them.
WHO_PILLARS = [
    "Governance and Accountability",
    "Leadership at All Levels",
    "Ways of Working",
    "Resources, Financing and Capabilities",
]

NUMBERED = re.compile(r"\s*(\d+)\s*[.)]\s*(.*)", re.DOTALL)
BULLET = "•"


@dataclass
class Heading:
    """A first-column cell: "1. Title" then the recommendations, one per "•" line."""

    number: int
    title: str
    recommendations: list[str] = field(default_factory=list)


def parse_heading(text: str) -> Heading | None:
    lines = text.replace("\r\n", "\n").split("\n")
    match = NUMBERED.match(lines[0])
    if not match:
        return None
    heading = Heading(int(match.group(1)), match.group(2).strip())
    for line in lines[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(BULLET):
            heading.recommendations.append(stripped[len(BULLET) :].strip())
        elif heading.recommendations:
            # A sub-point ("- Wages to meet ...") belongs to the bullet above.
            heading.recommendations[-1] += "\n" + stripped
        else:
            heading.title += " " + stripped
    return heading


def heading_text(number: int, title: str, recommendations: list[str]) -> str:
    """The first-column cell for a theme or system recommendation, as the workbook writes it."""
    text = f"{number}. {title}"
    if recommendations:
        text += "\n\n" + "\n".join(BULLET + r for r in recommendations)
    return text


@dataclass
class IndicatorRow:
    number: int
    name: str
    group: str
    frequency: str
    geographic_level: str
    disaggregation: str
    source: str


def _blocks(sheet: Sheet) -> dict[str, list[dict[int, str]]]:
    """The data rows under each first-column header of the Themes sheet, keyed by header."""
    headers = {layout.normalise(layout.THEMES_HEADER), layout.normalise(layout.SYSTEM_HEADER)}
    blocks: dict[str, list[dict[int, str]]] = {}
    current: list[dict[int, str]] | None = None
    heading_column = None
    for row_number in sheet.rows():
        row = sheet.row(row_number)
        header = next((c for c, v in row.items() if layout.header_key(v) in headers), None)
        if header is not None:
            current = blocks.setdefault(layout.normalise(row[header]), [])
            heading_column = header
            continue
        if current is not None and heading_column in row:
            current.append({"heading": row[heading_column]})
    return blocks


def _indicator_rows(sheet: Sheet) -> list[IndicatorRow]:
    wanted = {layout.normalise(h): key for key, h in layout.INDICATOR_FIELD_HEADERS.items()}
    columns: dict[str, int] = {}
    rows: list[IndicatorRow] = []
    group = ""
    for row_number in sheet.rows():
        row = sheet.row(row_number)
        if not columns:
            found = {wanted[layout.header_key(v)]: c for c, v in row.items() if layout.header_key(v) in wanted}
            if len(found) == len(wanted):
                columns = found
                first = min(row)
                group = row[first] if first < min(found.values()) else ""
            continue
        cells = [row[c].strip() for c in sorted(row)]
        if len(cells) >= 2 and cells[0].isdigit():
            rows.append(
                IndicatorRow(
                    number=int(cells[0]),
                    name=cells[1],
                    group=group,
                    **{key: row.get(column, "").strip() for key, column in columns.items()},
                )
            )
        elif len(cells) == 1:
            group = cells[0]
    if not columns:
        raise WorkbookError(
            "No header row with " + ", ".join(layout.INDICATOR_FIELD_HEADERS.values()) + " was found.",
            sheet=sheet.title,
        )
    return rows


@transaction.atomic
def _metadata(known: tuple[str, str, str] | None) -> dict:
    """An indicator's polarity, unit and publisher's identifier, where the framework's loader knows them."""
    if known is None:
        return {}
    polarity, unit, identifier = known
    return {"polarity": polarity, "unit": unit, "source_identifier": identifier}


def load_framework(
    *,
    system: Place,
    name: str,
    slug: str,
    workbook: Path = DEMO_WORKBOOK,
    published=None,
    baseline_year: int | None = None,
    discontinued_indicators: tuple[int, ...] = (),
    indicator_metadata: dict[int, tuple[str, str, str]] | None = None,
) -> Framework:
    """Create or update a framework from a stocktake workbook's Themes and Beacon Indicators sheets."""
    sheets = read_workbook(workbook)
    themes_sheet = find_sheet(sheets, layout.THEMES_SHEET)
    indicators_sheet = find_sheet(sheets, layout.INDICATORS_SHEET)
    if themes_sheet is None or indicators_sheet is None:
        raise WorkbookError(f"The workbook needs a “{layout.THEMES_SHEET}” and a “{layout.INDICATORS_SHEET}” sheet.")

    framework, _ = upsert(
        Framework,
        slug=slug,
        defaults={"name": name, "system": system, "published": published, "baseline_year": baseline_year},
    )
    blocks = _blocks(themes_sheet)
    themes = []
    for row in blocks.get(layout.normalise(layout.THEMES_HEADER), []):
        heading = parse_heading(row["heading"])
        if heading is None:
            continue
        theme, _ = upsert(Theme, framework=framework, number=heading.number, defaults={"title": heading.title})
        themes.append(theme)
        for position, text in enumerate(heading.recommendations, start=1):
            upsert(Recommendation, theme=theme, position=position, defaults={"text": text})
        Recommendation.objects.filter(theme=theme, position__gt=len(heading.recommendations)).delete()
    for row in blocks.get(layout.normalise(layout.SYSTEM_HEADER), []):
        heading = parse_heading(row["heading"])
        if heading is not None:
            upsert(SystemRecommendation, framework=framework, number=heading.number, defaults={"title": heading.title})

    indicator_rows = _indicator_rows(indicators_sheet)
    # The groups are the themes in order, apart from the life expectancy group
    # that spans them all.
    groups = list(dict.fromkeys(r.group for r in indicator_rows))
    theme_groups = [g for g in groups if not layout.normalise(g).startswith("life expectancy")]
    theme_for_group = dict(zip(theme_groups, themes, strict=False))
    for group, theme in theme_for_group.items():
        if theme.indicator_heading != group:
            theme.indicator_heading = group
            theme.save(update_fields=["indicator_heading"])
    for row in indicator_rows:
        no_data = all(getattr(row, f) in {"", "-"} for f in ("frequency", "geographic_level", "disaggregation"))
        if row.number in discontinued_indicators:
            status = BeaconIndicator.Status.DISCONTINUED
        elif no_data:
            status = BeaconIndicator.Status.NO_DATA
        else:
            status = BeaconIndicator.Status.LIVE
        upsert(
            BeaconIndicator,
            framework=framework,
            number=row.number,
            defaults={
                "name": row.name,
                "group": row.group,
                "theme": theme_for_group.get(row.group),
                "frequency": row.frequency,
                "geographic_level": row.geographic_level,
                "disaggregation": row.disaggregation,
                "source": row.source,
                "status": status,
                **_metadata((indicator_metadata or {}).get(row.number)),
            },
        )
    for number, pillar in enumerate(WHO_PILLARS, start=1):
        upsert(Pillar, framework=framework, number=number, defaults={"name": pillar})
    return framework
