"""Reading a stocktake workbook into a round.

``read_stocktake`` turns a workbook into a ``ParsedStocktake`` (pure reading:
nothing is written, any problem raises ``WorkbookError`` naming the sheet
and cell). ``plan_import`` compares it with what the round holds and says
exactly which entries would be created, changed or removed. ``apply_plan``
writes that in one transaction, in bulk. A dry run stops after the plan.

The workbook is authoritative for the cells it contains: a theme row or an
activity column missing from the file leaves that part of the round as it
is (and the plan says so), rather than deleting it.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from atf.bulk import collection_paused, insert_rows
from atf.loader import heading_text
from atf.models import Framework, SystemRecommendation, Theme
from atf.text import normalise
from boroughs.models import Place
from boroughs.names import PlaceNames

from . import baseline as baselines
from . import layout
from .cells import CellEntry, UnknownPlace, split_borough_cell, split_level_cell
from .defaults import row_texts
from .models import Entry, Level, RecommendationCell, Round, Row, WorkbookImport, link_places
from .xlsx import Sheet, WorkbookError, find_sheet, read_workbook

NUMBERED = re.compile(r"\s*(\d+)\s*[.)]")
LEVEL_KINDS = {Place.Kind.ICS, Place.Kind.SUB_REGION, Place.Kind.COMBINED_AUTHORITY}

# A cell is (theme id, system recommendation id, column place id); one of the
# first two is None, and the column place is None for the borough column.
CellKey = tuple[int | None, int | None, int | None]
# A Recommendations sheet cell is (system recommendation id, column, column place id).
RecommendationKey = tuple[int, str, int | None]


@dataclass
class ParsedRow:
    theme_id: int | None
    system_recommendation_id: int | None
    heading_text: str
    indicators_text: str | None  # None when the block has no Beacon Indicators column


@dataclass
class ParsedStocktake:
    title: str
    recommendations_title: str
    rows: list[ParsedRow] = field(default_factory=list)
    cells: dict[CellKey, list[CellEntry]] = field(default_factory=dict)
    coordinates: dict[CellKey, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The Recommendations sheet's cells, or None when the workbook has no such sheet to read.
    recommendation_cells: dict[RecommendationKey, str] | None = None
    # The system recommendations whose rows the Recommendations sheet holds.
    recommendation_rows: set[int] = field(default_factory=set)
    # The token of the download the workbook was made from (``stocktake.baseline``), if it carries one.
    download_token: str | None = None


@dataclass
class Change:
    kind: str  # "created", "updated" or "deleted"
    cell: CellKey
    before: str = ""
    after: str = ""
    place_ids: tuple[int, ...] = ()


@dataclass
class ImportPlan:
    round_name: str
    round_exists: bool
    parsed: ParsedStocktake
    changes: list[Change] = field(default_factory=list)
    row_updates: int = 0
    recommendation_updates: int = 0
    # Internal: what apply_plan writes.
    _creates: list[tuple[CellKey, int, CellEntry]] = field(default_factory=list, repr=False)
    _updates: list[tuple[Entry, int, CellEntry]] = field(default_factory=list, repr=False)
    _deletes: list[Entry] = field(default_factory=list, repr=False)
    _moves: list[tuple[Entry, int]] = field(default_factory=list, repr=False)
    # Entries moved only to make room, not by the user: their position changes, with no history.
    _shifts: list[tuple[Entry, int]] = field(default_factory=list, repr=False)
    _row_writes: list[ParsedRow] = field(default_factory=list, repr=False)
    # Why the plan cannot be applied as the user: text not theirs, and text others changed since the download.
    problems: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    from_download: bool = False
    # Cells holding paragraphs of other places that a lead's upload leaves as they are, one per paragraph.
    left_out: list[str] = field(default_factory=list)
    reader: object = field(default=None, repr=False)
    user: object = field(default=None, repr=False)
    _recommendation_writes: dict[RecommendationKey, str] = field(default_factory=dict, repr=False)
    _recommendation_deletes: list[RecommendationCell] = field(default_factory=list, repr=False)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def deleted(self) -> int:
        return self.count("deleted")

    @property
    def has_changes(self) -> bool:
        return bool(
            self.changes or self.row_updates or self.recommendation_updates or self._moves or not self.round_exists
        )

    def summary(self) -> str:
        """What happens to entries."""
        return f"{self.created} created, {self.updated} updated, {self.deleted} deleted"

    def full_summary(self) -> str:
        """What happens to entries, theme rows and the Recommendations sheet."""
        text = self.summary()
        if self.row_updates:
            text += f"; {self.row_updates} theme row{'s' if self.row_updates != 1 else ''} changed"
        if self.recommendation_updates:
            count = self.recommendation_updates
            text += f"; {count} cell{'s' if count != 1 else ''} of the {layout.RECOMMENDATIONS_SHEET} sheet changed"
        return text


def describe_changes(plan: ImportPlan) -> list[dict]:
    """The plan's changes with readable labels, in workbook order, for a preview."""
    themes = {t.pk: str(t) for t in Theme.objects.filter(pk__in={c.cell[0] for c in plan.changes})}
    systems = {s.pk: str(s) for s in SystemRecommendation.objects.filter(pk__in={c.cell[1] for c in plan.changes})}
    place_ids = {c.cell[2] for c in plan.changes} | {p for c in plan.changes for p in c.place_ids}
    places = {p.pk: p.label for p in Place.objects.filter(pk__in=place_ids)}
    return [
        {
            "kind": change.kind,
            "section": themes.get(change.cell[0]) or systems.get(change.cell[1], ""),
            "column": places.get(change.cell[2], "Borough level") if change.cell[2] else "Borough level",
            "cell": plan.parsed.coordinates.get(change.cell, ""),
            "places": ", ".join(places.get(p, "") for p in change.place_ids),
            "before": change.before,
            "after": change.after,
        }
        for change in plan.changes
    ]


# Reading ------------------------------------------------------------------


class _Columns:
    """What each column of one header row holds."""

    def __init__(
        self,
        sheet: Sheet,
        row_number: int,
        header: dict[int, str],
        framework: Framework,
        names: PlaceNames,
        *,
        extras: dict[str, str] | None = None,
        indicators: bool = True,
        borough_required: bool = True,
    ):
        """``extras`` maps other headers the sheet may have to what their columns hold."""
        self.sheet = sheet
        self.heading: int | None = None
        self.indicators: int | None = None
        self.borough: int | None = None
        self.places: dict[int, Place] = {}
        self.extras: dict[int, str] = {}
        extras = {layout.normalise(text): slot for text, slot in (extras or {}).items()}
        level_places = {p.pk: p for p in Place.objects.filter(system=framework.system, kind__in=LEVEL_KINDS)}
        by_heading = {layout.normalise(p.stocktake_heading): p for p in level_places.values() if p.stocktake_heading}
        first_headers = {layout.normalise(layout.THEMES_HEADER), layout.normalise(layout.SYSTEM_HEADER)}
        for column, text in sorted(header.items()):
            key = layout.normalise(text)
            where = sheet.coordinate(row_number, column)
            if key in first_headers:
                slot = "heading"
            elif indicators and key == layout.normalise(layout.INDICATORS_HEADER):
                slot = "indicators"
            elif key in extras:
                if extras[key] in self.extras.values():
                    raise WorkbookError(f"A second “{text}” column. Remove one of them.", sheet=sheet.title, cell=where)
                self.extras[column] = extras[key]
                continue
            elif layout.is_borough_header(text):
                slot = "borough"
            else:
                place = by_heading.get(key)
                if place is None:
                    name = layout.activity_place_name(text)
                    place_id = names.place_id(name) if name else None
                    place = level_places.get(place_id)
                if place is None:
                    raise WorkbookError(
                        f"The column header “{text}” is not part of the stocktake layout. Activity columns "
                        "are headed “<place> Activity” for the ICS, a sub-region or a combined authority, "
                        f"or “{layout.BOROUGH_HEADERS[0]}”. Correct the header, remove the column, or ask the "
                        "ICS to add the place's name as an alias.",
                        sheet=sheet.title,
                        cell=where,
                    )
                if place in self.places.values():
                    raise WorkbookError(
                        f"A second column for {place}. Remove one of them.", sheet=sheet.title, cell=where
                    )
                self.places[column] = place
                continue
            if getattr(self, slot) is not None:
                raise WorkbookError(f"A second “{text}” column. Remove one of them.", sheet=sheet.title, cell=where)
            setattr(self, slot, column)
        if self.borough is None and borough_required:
            raise WorkbookError(
                f"The header row (row {row_number}) has no “{layout.BOROUGH_HEADERS[0]}” column. "
                "Put the header back above the borough activity.",
                sheet=sheet.title,
            )

    def known(self) -> set[int]:
        return {c for c in (self.heading, self.indicators, self.borough) if c} | set(self.places) | set(self.extras)

    def check_row(self, row_number: int, row: dict[int, str]) -> None:
        """Refuse a row below the header with text in a column the header does not name."""
        outside = set(row) - self.known()
        if outside:
            raise WorkbookError(
                "There is text in a column with no header. Give the column a header, or move the text "
                "into a column that has one.",
                sheet=self.sheet.title,
                cell=self.sheet.coordinate(row_number, min(outside)),
            )


def _section(heading: str, block: str, framework: Framework, themes, system_recommendations):
    """The theme or system recommendation a first-column cell names."""
    options = themes if block == layout.THEMES_HEADER else system_recommendations
    match = NUMBERED.match(heading)
    if match:
        return options.get(int(match.group(1)))
    first_line = layout.normalise(heading.split("\n", 1)[0])
    for section in options.values():
        if layout.normalise(section.title) == first_line:
            return section
    return None


def read_stocktake(source: str | Path | BinaryIO, framework: Framework) -> ParsedStocktake:
    """Read a stocktake workbook. Raises WorkbookError with the sheet and cell of any problem."""
    sheets = read_workbook(source)
    sheet = find_sheet(sheets, layout.THEMES_SHEET)
    if sheet is None:
        found = ", ".join(f"“{s.title}”" for s in sheets) or "none"
        raise WorkbookError(
            f"The workbook has no “{layout.THEMES_SHEET}” sheet (sheets found: {found}). "
            "Rename the sheet that holds the Marmot themes to “Themes”."
        )
    names = PlaceNames(framework.system)
    themes = {t.number: t for t in Theme.objects.filter(framework=framework)}
    system_recommendations = {s.number: s for s in SystemRecommendation.objects.filter(framework=framework)}
    first_headers = {
        layout.normalise(layout.THEMES_HEADER): layout.THEMES_HEADER,
        layout.normalise(layout.SYSTEM_HEADER): layout.SYSTEM_HEADER,
    }

    parsed = ParsedStocktake(
        title="", recommendations_title="", download_token=sheets.properties.get(baselines.PROPERTY)
    )
    block: str | None = None
    columns: _Columns | None = None
    seen_blocks: set[str] = set()
    seen_sections: dict[tuple[str, int], str] = {}
    for row_number in sheet.rows():
        row = sheet.row(row_number)
        header_column = next((c for c, v in sorted(row.items()) if layout.header_key(v) in first_headers), None)
        if header_column is not None:
            block = first_headers[layout.normalise(row[header_column])]
            if block in seen_blocks:
                raise WorkbookError(
                    f"A second “{block}” header row. Remove one.",
                    sheet=sheet.title,
                    cell=sheet.coordinate(row_number, header_column),
                )
            seen_blocks.add(block)
            columns = _Columns(sheet, row_number, row, framework, names)
            continue
        if columns is None:
            if not parsed.title:
                parsed.title = " ".join(row[min(row)].split())
            continue
        columns.check_row(row_number, row)
        heading = row.get(columns.heading, "")
        if not heading.strip():
            column = min(row)
            raise WorkbookError(
                f"This row has activity but no {block[7:-1].lower()} in its first column. "
                "Put the row's title back, or move its text into the right row.",
                sheet=sheet.title,
                cell=sheet.coordinate(row_number, column),
            )
        section = _section(heading, block, framework, themes, system_recommendations)
        where = sheet.coordinate(row_number, columns.heading)
        if section is None:
            kind = "Marmot theme" if block == layout.THEMES_HEADER else "system recommendation"
            raise WorkbookError(
                f"“{heading.split(chr(10), 1)[0][:80]}” is not a {kind} of {framework}. "
                "Start the cell with the theme's number, e.g. “1. Give every child the best start in life”.",
                sheet=sheet.title,
                cell=where,
            )
        if (block, section.number) in seen_sections:
            raise WorkbookError(
                f"{section} appears twice (also at {seen_sections[(block, section.number)]}). Merge the rows.",
                sheet=sheet.title,
                cell=where,
            )
        seen_sections[(block, section.number)] = where
        theme_id = section.pk if block == layout.THEMES_HEADER else None
        system_id = section.pk if block == layout.SYSTEM_HEADER else None
        parsed.rows.append(
            ParsedRow(
                theme_id,
                system_id,
                normalise(heading),
                normalise(row.get(columns.indicators, "")) if columns.indicators else None,
            )
        )
        for column, place in columns.places.items():
            key = (theme_id, system_id, place.pk)
            parsed.cells[key] = split_level_cell(row.get(column, ""), place.pk)
            parsed.coordinates[key] = sheet.coordinate(row_number, column)
        key = (theme_id, system_id, None)
        parsed.coordinates[key] = sheet.coordinate(row_number, columns.borough)
        try:
            parsed.cells[key] = split_borough_cell(row.get(columns.borough, ""), names)
        except UnknownPlace as exc:
            raise WorkbookError(
                f"The paragraph “{exc.paragraph[:60]}…” starts with “{exc.name}”, which is not a place in "
                f"{framework.system}. Ask the ICS to add the place, or “{exc.name}” as another name for a "
                "place, then import again. Nothing was imported.",
                sheet=sheet.title,
                cell=parsed.coordinates[key],
            ) from None

    if layout.THEMES_HEADER not in seen_blocks:
        raise WorkbookError(
            f"No header row starting “{layout.THEMES_HEADER}” was found. Put the header row back above the themes.",
            sheet=sheet.title,
        )
    for number, theme in themes.items():
        if (layout.THEMES_HEADER, number) not in seen_sections:
            parsed.warnings.append(f"Theme {theme} is not in the workbook; its entries are left as they are.")
    if layout.SYSTEM_HEADER not in seen_blocks:
        parsed.warnings.append("The workbook has no system recommendations block; those entries are left as they are.")

    recommendations = find_sheet(sheets, layout.RECOMMENDATIONS_SHEET)
    if recommendations is not None:
        _read_recommendations(recommendations, parsed, framework, names, system_recommendations)
    indicators = find_sheet(sheets, layout.INDICATORS_SHEET)
    if indicators is not None:
        _check_indicators(indicators, parsed, framework)
    return parsed


def _check_indicators(sheet: Sheet, parsed: ParsedStocktake, framework: Framework) -> None:
    """Warn about text on the Beacon Indicators sheet that the framework does not hold.

    The sheet shows the framework's indicators, which the ICS maintains in the
    admin; it is not imported, so an edit made there would otherwise be lost
    without a word on the next export.
    """
    texts = set(layout.INDICATOR_FIELD_HEADERS.values())
    for indicator in framework.indicators.all():
        texts |= {indicator.group, str(indicator.number), indicator.name}
        texts |= {getattr(indicator, key) for key in layout.INDICATOR_FIELD_HEADERS}
    known = {layout.collapse_whitespace(text) for text in texts}
    unknown = [
        sheet.coordinate(row_number, column)
        for row_number in sheet.rows()
        for column, text in sorted(sheet.row(row_number).items())
        if layout.collapse_whitespace(text) not in known
    ]
    if unknown:
        listed = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        parsed.warnings.append(
            f"The “{sheet.title}” sheet has text that is not in {framework}'s indicators ({listed}). That sheet "
            "is not imported: ask the ICS to change the indicators in the admin if they need changing."
        )


def _read_recommendations(sheet: Sheet, parsed: ParsedStocktake, framework: Framework, names, system_recommendations):
    """The Recommendations sheet: its title, and every cell of its rows, kept as written."""
    header = layout.normalise(layout.SYSTEM_HEADER)
    columns: _Columns | None = None
    seen: dict[int, str] = {}
    cells: dict[RecommendationKey, str] = {}
    for row_number in sheet.rows():
        row = sheet.row(row_number)
        header_column = next((c for c, v in sorted(row.items()) if layout.header_key(v) == header), None)
        if header_column is not None:
            if columns is not None:
                raise WorkbookError(
                    f"A second “{layout.SYSTEM_HEADER}” header row. Remove one.",
                    sheet=sheet.title,
                    cell=sheet.coordinate(row_number, header_column),
                )
            columns = _Columns(
                sheet,
                row_number,
                row,
                framework,
                names,
                extras={text: slot for slot, text in layout.RECOMMENDATIONS_EXTRA_COLUMNS.items()},
                indicators=False,
                borough_required=False,
            )
            continue
        if columns is None:
            parsed.recommendations_title = parsed.recommendations_title or " ".join(row[min(row)].split())
            continue
        columns.check_row(row_number, row)
        heading = row.get(columns.heading, "")
        where = sheet.coordinate(row_number, columns.heading or min(row))
        section = _section(heading, layout.SYSTEM_HEADER, framework, {}, system_recommendations) if heading else None
        if section is None:
            raise WorkbookError(
                f"“{heading.split(chr(10), 1)[0][:80]}” is not a system recommendation of {framework}. Start "
                "the row's first cell with the recommendation's number, e.g. “2. Strengthen partnership for "
                "health equity”."
                if heading.strip()
                else "This row has text but no system recommendation in its first column. Put the row's "
                "title back, or move its text into the right row.",
                sheet=sheet.title,
                cell=where,
            )
        if section.pk in seen:
            raise WorkbookError(
                f"{section} appears twice (also at {seen[section.pk]}). Merge the rows.", sheet=sheet.title, cell=where
            )
        seen[section.pk] = where
        if layout.collapse_whitespace(heading) != layout.collapse_whitespace(
            heading_text(section.number, section.title, [])
        ):
            # Kept only where it differs from the framework's own title, which the export writes otherwise.
            cells[(section.pk, RecommendationCell.Column.HEADING, None)] = normalise(heading)
        for column, place in columns.places.items():
            if column in row:
                cells[(section.pk, RecommendationCell.Column.ACTIVITY, place.pk)] = normalise(row[column])
        if columns.borough in row:
            cells[(section.pk, RecommendationCell.Column.ACTIVITY, None)] = normalise(row[columns.borough])
        for column, slot in columns.extras.items():
            if column in row:
                cells[(section.pk, slot, None)] = normalise(row[column])
    if columns is None:
        if len(sheet.cells) > 1:  # more than its title
            parsed.warnings.append(
                f"The “{sheet.title}” sheet has no “{layout.SYSTEM_HEADER}” header row, so it was not read; "
                "what the round holds for it is left as it is."
            )
        return
    parsed.recommendation_cells = cells
    parsed.recommendation_rows = set(seen)


# Planning -------------------------------------------------------------------


@dataclass
class _Reader:
    """What the importing user may do in the round: read, change, and name as places.

    Without a user (a command) or for the ICS's reviewers, everything; for a
    lead, the tenant rule's answer, read once per plan.
    """

    limited: bool = False
    readable: set[int] = field(default_factory=set)
    changeable: set[int] = field(default_factory=set)
    yours: set[int] = field(default_factory=set)

    @classmethod
    def for_user(cls, user, round_: Round | None, framework: Framework) -> _Reader:
        from atf import access

        if user is None or access.scope_for(user).superuser or access.can(user, access.CHANGE, framework.system):
            return cls()
        entries = Entry.objects.filter(round=round_) if round_ else Entry.objects.none()
        return cls(
            limited=True,
            readable=set(access.restrict(entries, user, access.VIEW).values_list("pk", flat=True)),
            changeable=set(access.restrict(entries, user, access.CHANGE).values_list("pk", flat=True)),
            yours=set(access.restrict(Place.objects.all(), user, access.ATTACH).values_list("pk", flat=True)),
        )

    def may_read(self, entry: Entry) -> bool:
        return not self.limited or entry.pk in self.readable

    def may_change(self, entry: Entry) -> bool:
        return not self.limited or entry.pk in self.changeable

    def may_name(self, key: CellKey, cell_entry: CellEntry) -> bool:
        """May the user write this paragraph as a new or changed entry of their own?"""
        if not self.limited:
            return True
        return key[2] is None and bool(cell_entry.place_ids) and set(cell_entry.place_ids) <= self.yours


def plan_import(
    parsed: ParsedStocktake, framework: Framework, round_name: str | None = None, *, user=None
) -> ImportPlan:
    """Compare a parsed workbook with the round it goes into. Writes nothing.

    The changes are the file's against what it was downloaded as (its
    baseline, see ``stocktake.baseline``; without one, what the user may
    read of the round now), applied to the round as it is now. With a
    ``user``, text the user may not read is neither changed nor quoted, and
    ``authorise_plan`` then refuses the plan if it changes what is not theirs.
    """
    name = (round_name or parsed.title or "").strip()
    if not name:
        raise WorkbookError(
            "The Themes sheet has no title above the header row, so the round has no name. "
            "Give one with --round, or put the round's name in the title cell.",
            sheet=layout.THEMES_SHEET,
        )
    round_ = Round.objects.filter(name=name).first()
    if round_ is not None and round_.framework_id != framework.pk:
        raise WorkbookError(f"The round “{name}” belongs to {round_.framework}, not {framework}.")
    if round_ is not None:
        refuse_closed(round_)
    plan = ImportPlan(round_name=name, round_exists=round_ is not None, parsed=parsed)
    plan.user = user
    plan.reader = _Reader.for_user(user, round_, framework)
    baseline = baselines.recall(parsed.download_token, round_, user)
    plan.from_download = baseline is not None

    existing: dict[CellKey, list[Entry]] = defaultdict(list)
    if round_ is not None:
        entries = Entry.objects.filter(round=round_).prefetch_related("places").order_by("position", "pk")
        for entry in entries:
            existing[_cell_key(entry)].append(entry)

    _plan_rows(plan, round_, framework, baseline)
    for key, new_entries in parsed.cells.items():
        base = baseline.entries.get(key, []) if baseline is not None else None
        _plan_cell(plan, key, existing.get(key, []), new_entries, base)
    _plan_recommendations(plan, round_, baseline)
    if plan.left_out:
        cells = sorted(set(plan.left_out), key=lambda c: (len(c), c))
        count = len(plan.left_out)
        plan.parsed.warnings.append(
            f"{count} paragraph{'s' if count != 1 else ''} in {_listed(cells)} "
            f"{'does' if count == 1 else 'do'} not start with your borough's name and "
            f"{'differs' if count == 1 else 'differ'} from what you downloaded, so "
            f"{'it is' if count == 1 else 'they are'} left as {'it is' if count == 1 else 'they are'}. "
            f"You can change only your own borough's paragraphs: start each with its name{_example(plan)}."
        )
    return plan


def _plan_rows(plan: ImportPlan, round_: Round | None, framework: Framework, baseline) -> None:
    """Theme and system recommendation rows whose first cell or Beacon Indicators cell the file changes.

    A round's first workbook writes every row. After that a row counts as
    changed only where the file differs from what the workbook showed (the
    framework's own text where the round holds none): a round made on the
    pages or in the admin takes an unchanged download like any other.
    """
    if round_ is None:
        plan._row_writes = list(plan.parsed.rows)
        plan.row_updates = len(plan._row_writes)
        return
    rows = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}
    themes = {t.pk: t for t in framework.themes.prefetch_related("recommendations", "indicators")}
    systems = {s.pk: s for s in framework.system_recommendations.all()}
    for parsed_row in plan.parsed.rows:
        key = (parsed_row.theme_id, parsed_row.system_recommendation_id)
        section = themes.get(key[0]) if key[0] else systems.get(key[1])
        heading, indicators = row_texts(rows.get(key), section)
        if baseline is not None and key in baseline.rows:
            base_heading, base_indicators = baseline.rows[key]
        else:
            base_heading, base_indicators = baselines.digest(heading), baselines.digest(indicators)
        changed = baselines.digest(parsed_row.heading_text) != base_heading or (
            parsed_row.indicators_text is not None and baselines.digest(parsed_row.indicators_text) != base_indicators
        )
        if changed:
            plan._row_writes.append(parsed_row)
    plan.row_updates = len(plan._row_writes)


def _plan_recommendations(plan: ImportPlan, round_: Round | None, baseline) -> None:
    """The Recommendations sheet's cells the file changes; rows the sheet lacks are left as they are."""
    parsed = plan.parsed.recommendation_cells
    if parsed is None:
        return
    existing = {cell.key: cell for cell in RecommendationCell.objects.filter(round=round_)} if round_ else {}
    if baseline is not None:
        base = baseline.recommendations
    elif plan.reader.limited and round_ is not None:
        from atf import access

        user_cells = access.restrict(RecommendationCell.objects.filter(round=round_), plan.user, access.VIEW)
        base = {cell.key: baselines.digest(cell.text) for cell in user_cells}
    else:
        base = {key: baselines.digest(cell.text) for key, cell in existing.items()}
    plan._recommendation_writes = {key: text for key, text in parsed.items() if base.get(key) != baselines.digest(text)}
    plan._recommendation_deletes = [
        existing[key]
        for key in base
        if key not in parsed and key in existing and key[0] in plan.parsed.recommendation_rows
    ]
    plan.recommendation_updates = len(plan._recommendation_writes) + len(plan._recommendation_deletes)


def _cell_digest(key: CellKey, entry: Entry | CellEntry) -> str:
    if isinstance(entry, Entry):
        return baselines.entry_digest(key, entry.lead_in, entry.text, [p.pk for p in entry.places.all()])
    return baselines.entry_digest(key, entry.lead_in, entry.text, entry.place_ids)


def _plan_cell(
    plan: ImportPlan, key: CellKey, current: list[Entry], new: list[CellEntry], base: list[tuple[int, str]] | None
) -> None:
    """One cell: the file's changes against its baseline, applied to the cell's entries now.

    ``current`` is every entry of the cell now, in order; ``base`` the
    (id, digest) pairs the download held, or None to compare with what the
    user may read now. Entries the user may not read are never in the
    baseline, so they are neither changed, removed nor quoted.
    """
    reader = plan.reader
    by_id = {entry.pk: entry for entry in current}
    if base is None:
        base = [(entry.pk, _cell_digest(key, entry)) for entry in current if reader.may_read(entry)]
    if reader.limited:
        new = _own_paragraphs(plan, key, new, {d for _, d in base})
    new_digests = [_cell_digest(key, cell_entry) for cell_entry in new]
    matcher = difflib.SequenceMatcher(a=[d for _, d in base], b=new_digests, autojunk=False)
    # The cell's order as the file has it: entries kept (Entry) and created (their index in ``new``).
    order: list[Entry | int] = []
    deleted: set[int] = set()
    where = plan.parsed.coordinates.get(key, "a cell")
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":  # unchanged in the file; whatever others did since stands
            order += [by_id[pk] for pk, _ in base[i1:i2] if pk in by_id and reader.may_read(by_id[pk])]
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for offset in range(paired):
            (pk, was), cell_entry = base[i1 + offset], new[j1 + offset]
            entry = by_id.get(pk)
            if entry is None:
                plan.conflicts.append(f"{where}: “{_short(cell_entry.full_text)}” (its entry was removed since)")
            elif _cell_digest(key, entry) == new_digests[j1 + offset]:
                order.append(entry)  # already as the file has it
            elif _cell_digest(key, entry) != was:
                plan.conflicts.append(_conflict(where, entry, reader))
                order.append(entry)
            else:
                if not reader.may_change(entry) or not reader.may_name(key, cell_entry):
                    plan.problems.append(f"{where}: “{_short(cell_entry.full_text)}”")
                plan._updates.append((entry, 0, cell_entry))
                plan.changes.append(Change("updated", key, entry.full_text, cell_entry.full_text, cell_entry.place_ids))
                order.append(entry)
        for pk, was in base[i1 + paired : i2]:
            entry = by_id.get(pk)
            if entry is None:
                continue  # removed since, by someone else too
            if _cell_digest(key, entry) != was:
                plan.conflicts.append(_conflict(where, entry, reader))
                continue
            if not reader.may_change(entry):
                plan.problems.append(_quoted(where, entry, reader) + " (changed or removed)")
            plan._deletes.append(entry)
            deleted.add(entry.pk)
            plan.changes.append(Change("deleted", key, entry.full_text, "", tuple(p.pk for p in entry.places.all())))
        for offset in range(j1 + paired, j2):
            cell_entry = new[offset]
            if not reader.may_name(key, cell_entry):
                plan.problems.append(f"{where}: “{_short(cell_entry.full_text)}”")
            order.append(offset)
            plan.changes.append(Change("created", key, "", cell_entry.full_text, cell_entry.place_ids))
    _plan_positions(plan, key, current, deleted, order, new)


def _own_paragraphs(plan: ImportPlan, key: CellKey, new: list[CellEntry], downloaded: set[str]) -> list[CellEntry]:
    """Leave out a lead's paragraphs that name none of their places and are not text the lead downloaded.

    They are other boroughs' text (from a workbook passed on by email, say),
    not the lead's: neither applied nor refused, and never compared with what
    those boroughs hold, which the lead may not read. The preview says so.
    """
    yours = plan.reader.yours
    kept = []
    for cell_entry in new:
        others = key[2] is None and not set(cell_entry.place_ids) & yours
        if others and _cell_digest(key, cell_entry) not in downloaded:
            plan.left_out.append(plan.parsed.coordinates.get(key, "a cell"))
        else:
            kept.append(cell_entry)
    return kept


def _example(plan: ImportPlan) -> str:
    borough = Place.objects.filter(pk__in=plan.reader.yours, kind=Place.Kind.BOROUGH).order_by("name").first()
    return f", “{borough.short_name or borough.name} - ”" if borough else ""


def _quoted(where: str, entry: Entry, reader: _Reader) -> str:
    return f"{where}: “{_short(entry.full_text)}”" if reader.may_read(entry) else f"{where}: text you cannot see"


def _short(text: str, limit: int = 80) -> str:
    """Enough of a text to recognise it, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _conflict(where: str, entry: Entry, reader: _Reader) -> str:
    return _quoted(where, entry, reader) + " (as it reads now)"


def _plan_positions(plan: ImportPlan, key: CellKey, current: list[Entry], deleted: set[int], order, new) -> None:
    """Positions for the cell's new entries, and for the others only where the new ones need room.

    Entries the file does not hold (others' drafts, entries added since the
    download) keep their place after the entry they follow now. Positions
    change only when entries are created: an unchanged upload moves nothing.
    """
    created = [item for item in order if isinstance(item, int)]
    if not created:
        return
    kept = [entry for entry in current if entry.pk not in deleted]
    in_file = {item.pk for item in order if isinstance(item, Entry)}
    # Merge: the file's order, with every entry it does not hold after the one it follows now.
    following: dict[int | None, list[Entry]] = defaultdict(list)
    anchor = None
    for entry in kept:
        if entry.pk in in_file:
            anchor = entry.pk
        else:
            following[anchor].append(entry)
    merged: list[Entry | int] = list(following[None])
    for item in order:
        merged.append(item)
        if isinstance(item, Entry):
            merged += following[item.pk]
    # Keep the positions entries have where that gives the merged order; otherwise number the cell afresh.
    positions: list[int] = []
    for item in merged:
        if isinstance(item, Entry):
            positions.append(item.position)
        else:
            positions.append(positions[-1] + 1 if positions else 0)
    # New entries sort after every entry with their position: their ids are larger.
    sort_keys = [
        (position, item.pk if isinstance(item, Entry) else 10**18 + index)
        for index, (position, item) in enumerate(zip(positions, merged, strict=True))
    ]
    if sort_keys != sorted(sort_keys):
        positions = list(range(len(merged)))
    for position, item in zip(positions, merged, strict=True):
        if isinstance(item, int):
            plan._creates.append((key, position, new[item]))
        elif item.position != position:
            if plan.reader.may_change(item) and item.pk in in_file:
                plan._moves.append((item, position))
            else:
                plan._shifts.append((item, position))


# Writing ------------------------------------------------------------------


def _level(key: CellKey, places: dict[int, Place]) -> str:
    column_place = key[2]
    return places[column_place].kind if column_place else Level.BOROUGH


@transaction.atomic
def apply_plan(
    plan: ImportPlan,
    framework: Framework,
    *,
    user=None,
    source: str = "",
) -> Round:
    """Write a plan in one transaction."""
    round_, started = Round.objects.get_or_create(
        name=plan.round_name,
        defaults={
            "framework": framework,
            "title": plan.parsed.title,
            "recommendations_title": plan.parsed.recommendations_title,
            "status": Round.Status.OPEN,
        },
    )
    if not started:
        refuse_closed(round_)  # closed since the plan was made
        _refuse_stale(plan, round_)
    _write_rows(round_, plan, framework)
    column_places = {p.pk: p for p in Place.objects.filter(system=framework.system, kind__in=LEVEL_KINDS)}
    now = timezone.now()

    if plan._deletes:
        _record_deletions(plan._deletes, user, now)
        Entry.objects.filter(pk__in=[e.pk for e in plan._deletes]).delete()

    changed: dict[int, Entry] = {}
    for entry, _, cell_entry in plan._updates:
        entry.lead_in, entry.text, entry.updated = cell_entry.lead_in, cell_entry.text, now
        entry.version += 1
        changed[entry.pk] = entry
    for entry, position in plan._moves:
        entry.position = position
        changed.setdefault(entry.pk, entry)
    if changed:
        bulk_update_with_history(
            list(changed.values()),
            Entry,
            ["lead_in", "text", "position", "updated", "version"],
            default_user=user,
            batch_size=500,
        )
        Entry.places.through.objects.filter(entry_id__in=[e.pk for e, _, _ in plan._updates]).delete()
    if plan._shifts:
        for entry, position in plan._shifts:
            entry.position = position
        Entry.objects.bulk_update([entry for entry, _ in plan._shifts], ["position"], batch_size=500)

    new_ids = _insert_created(plan, round_, column_places, now)
    if not started:
        # A round's first import is recorded once, as a WorkbookImport, rather
        # than with a history row per entry; later imports and edits keep each
        # entry's history.
        _record_creations(plan, round_, new_ids, column_places, user, now)
    link_places(
        [
            (entry_id, place_id)
            for entry_id, (_, _, cell_entry) in zip(new_ids, plan._creates, strict=True)
            for place_id in cell_entry.place_ids
        ]
        + [(entry.pk, place_id) for entry, _, cell_entry in plan._updates for place_id in cell_entry.place_ids]
    )
    _write_recommendation_cells(plan, round_)
    WorkbookImport.objects.create(
        round=round_,
        user=user,
        source=source[:300],
        created=plan.created,
        updated=plan.updated,
        deleted=plan.deleted,
        started_round=started,
    )
    return round_


# The columns of a new entry, in the order _entry_values gives them.
ENTRY_FIELDS = (
    "round",
    "theme",
    "system_recommendation",
    "column_place",
    "level",
    "lead_in",
    "text",
    "position",
    "created",
    "updated",
    "version",
)


def _entry_values(plan: ImportPlan, round_: Round, column_places: dict[int, Place], now):
    for key, position, cell_entry in plan._creates:
        level = _level(key, column_places)
        yield (round_.pk, *key, level, cell_entry.lead_in, cell_entry.text, position, now, now, 1)


def _insert_created(plan: ImportPlan, round_: Round, column_places: dict[int, Place], now) -> list[int]:
    """Insert the plan's new entries in bulk; their ids, in the plan's order.

    Rows are inserted in the plan's order, so their ids rise in it. They are
    read back as the round's rows newer than any before the insert and
    stamped with this import's time; if anything else matches (someone
    else's import at the same instant), the import stops and rolls back
    rather than link the wrong entries.
    """
    if not plan._creates:
        return []
    before = Entry.objects.filter(round=round_).aggregate(Max("pk"))["pk__max"] or 0
    insert_rows(Entry, ENTRY_FIELDS, _entry_values(plan, round_, column_places, now))
    query = Entry.objects.filter(round=round_, pk__gt=before, created=now).order_by("pk")
    found = list(query.values_list("pk", "theme_id", "system_recommendation_id", "column_place_id"))
    wanted = [key for key, _, _ in plan._creates]
    if [tuple(row[1:]) for row in found] != wanted:
        raise WorkbookError(
            f"The round “{round_}” was changed by someone else during the import. Nothing was "
            "imported; import the workbook again."
        )
    return [row[0] for row in found]


def _refuse_stale(plan: ImportPlan, round_: Round) -> None:
    """Refuse the plan if an entry it changes, moves or removes was saved again since it was made."""
    planned = {entry.pk: entry.version for entry, _, _ in plan._updates}
    planned.update((entry.pk, entry.version) for entry in plan._deletes)
    planned.update((entry.pk, entry.version) for entry, _ in plan._moves)
    if not planned:
        return
    now = dict(Entry.objects.filter(pk__in=planned).values_list("pk", "version"))
    if now != planned:
        raise WorkbookError(
            "Someone else changed the round's entries while this workbook was being imported, so nothing "
            "was imported. Upload the workbook again: what others changed will be kept."
        )


def _record_creations(plan: ImportPlan, round_: Round, ids: list[int], column_places, user, when) -> None:
    """History rows for entries created by a later import, as simple-history's bulk create writes them."""
    insert_rows(
        Entry.history.model,
        ("id", *ENTRY_FIELDS, "history_date", "history_type", "history_user"),
        (
            (entry_id, *values, when, "+", user.pk if user else None)
            for entry_id, values in zip(ids, _entry_values(plan, round_, column_places, when), strict=True)
        ),
    )


def _record_deletions(entries: list[Entry], user, when) -> None:
    historical = Entry.history.model
    fields = [f.attname for f in Entry._meta.concrete_fields]
    historical.objects.bulk_create(
        [
            historical(
                history_type="-",
                history_date=when,
                history_user=user,
                **{name: getattr(entry, name) for name in fields},
            )
            for entry in entries
        ],
        batch_size=500,
    )


def _write_recommendation_cells(plan: ImportPlan, round_: Round) -> None:
    """A handful of cells at most: saved one by one, so each keeps its history."""
    for cell in plan._recommendation_deletes:
        cell.delete()
    for (system_id, column, place_id), text in plan._recommendation_writes.items():
        RecommendationCell.objects.update_or_create(
            round=round_,
            system_recommendation_id=system_id,
            column=column,
            column_place_id=place_id,
            defaults={"text": text},
        )


def _write_rows(round_: Round, plan: ImportPlan, framework: Framework) -> None:
    existing = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}
    indicators_by_theme: dict[int, list[int]] = defaultdict(list)
    for indicator in framework.indicators.exclude(theme=None).values("pk", "theme_id"):
        indicators_by_theme[indicator["theme_id"]].append(indicator["pk"])
    themes = {t.pk: t for t in framework.themes.prefetch_related("recommendations", "indicators")}
    for parsed_row in plan._row_writes:
        row = existing.get((parsed_row.theme_id, parsed_row.system_recommendation_id))
        if parsed_row.indicators_text is not None:
            indicators_text = parsed_row.indicators_text
        elif row is not None:
            indicators_text = row.indicators_text
        else:  # a block with no Beacon Indicators column: keep what the workbook showed
            indicators_text = row_texts(None, themes[parsed_row.theme_id])[1] if parsed_row.theme_id else ""
        if row is None:
            row = Row.objects.create(
                round=round_,
                theme_id=parsed_row.theme_id,
                system_recommendation_id=parsed_row.system_recommendation_id,
                heading_text=parsed_row.heading_text,
                indicators_text=indicators_text,
            )
            if parsed_row.theme_id and indicators_text.strip():
                row.indicators.set(indicators_by_theme.get(parsed_row.theme_id, []))
        elif (row.heading_text, row.indicators_text) != (parsed_row.heading_text, indicators_text):
            row.heading_text, row.indicators_text = parsed_row.heading_text, indicators_text
            row.save()


# Who may import what --------------------------------------------------------


def refuse_closed(round_: Round) -> None:
    """A closed round takes no import, whoever sends it, until a reviewer reopens it."""
    if not round_.is_open:
        raise WorkbookError(
            f"The round “{round_}” is closed, so nothing can be imported into it. "
            "An ICS reviewer can reopen it (change its status to Open) if it needs changing."
        )


def authorise_plan(plan: ImportPlan, framework: Framework, user) -> None:
    """Refuse the whole plan if any of its changes is not the user's to make, or overwrites newer text.

    ICS reviewers (and superusers) may import anything in their system.
    Anyone else (a borough lead uploading their return) may only create,
    change or remove borough entries that name nothing but their own places,
    in an open round that already exists. Only the user's own changes are
    judged (``plan_import``): what others wrote since the download is not
    theirs, and a refusal quotes only text the user may read.
    """
    from atf import access

    if plan.reader is None or plan.user is not user:
        raise ValueError("plan_import(..., user=user) must plan what authorise_plan judges.")
    if plan.reader.limited:
        if not plan.round_exists:
            raise WorkbookError(
                f"There is no round “{plan.round_name}” to upload into. Only the ICS can start a round; "
                "download the workbook of an open round and upload that."
            )
        round_ = Round.objects.get(name=plan.round_name)
        if not access.can(user, access.ATTACH, round_):
            raise WorkbookError(f"The round “{round_}” is closed or not yours to add to. Nothing was imported.")
        problems = []
        if plan.row_updates:
            problems.append("the theme titles or the Beacon Indicators cells")
        if plan.recommendation_updates:
            problems.append(f"the “{layout.RECOMMENDATIONS_SHEET}” sheet")
        problems += plan.problems
        if problems:
            raise WorkbookError(
                "This workbook changes text that is not yours to change, so nothing was imported. Change only "
                "your own borough's paragraphs (those that start with its name) and upload again. "
                f"Not yours: {_listed(problems)}."
            )
    if plan.conflicts:
        raise WorkbookError(
            "This workbook changes text that was changed again after the workbook was downloaded (by someone "
            "else, or by you on the pages or in another upload), so nothing was imported. Download the workbook "
            f"again, make your changes in it, and upload that. Changed since: {_listed(plan.conflicts)}."
        )


def _listed(items: list[str]) -> str:
    return "; ".join(items[:5]) + (f"; and {len(items) - 5} more" if len(items) > 5 else "")


def _cell_key(entry: Entry) -> CellKey:
    return (entry.theme_id, entry.system_recommendation_id, entry.column_place_id)


# The whole thing ------------------------------------------------------------


def default_framework() -> Framework:
    frameworks = list(Framework.objects.all()[:2])
    if len(frameworks) != 1:
        raise WorkbookError(
            "There is no framework to import into."
            if not frameworks
            else "There is more than one framework: say which one to import into."
        )
    return frameworks[0]


@collection_paused()
def import_stocktake(
    source: str | Path | BinaryIO,
    *,
    framework: Framework | None = None,
    round_name: str | None = None,
    dry_run: bool = False,
    user=None,
    status: str | None = None,
) -> ImportPlan:
    """Read, plan and (unless ``dry_run``) apply a workbook. All or nothing."""
    framework = framework or default_framework()
    parsed = read_stocktake(source, framework)
    plan = plan_import(parsed, framework, round_name, user=user)
    authorise_plan(plan, framework, user)
    if not dry_run:
        source_name = getattr(source, "name", str(source)).split("/")[-1]
        round_ = apply_plan(plan, framework, user=user, source=source_name)
        if status and round_.status != status:
            round_.status = status
            round_.save(update_fields=["status"])
    return plan
