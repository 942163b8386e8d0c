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
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from atf.bulk import collection_paused, fetch_rows, insert_rows
from atf.loader import heading_text
from atf.models import Framework, SystemRecommendation, Theme
from boroughs.models import Place
from boroughs.names import PlaceNames

from . import layout
from .cells import CellEntry, UnknownPlace, split_borough_cell, split_level_cell
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


@collection_paused()
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

    parsed = ParsedStocktake(title="", recommendations_title="")
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
                heading,
                row.get(columns.indicators, "") if columns.indicators else None,
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
            cells[(section.pk, RecommendationCell.Column.HEADING, None)] = heading
        for column, place in columns.places.items():
            if column in row:
                cells[(section.pk, RecommendationCell.Column.ACTIVITY, place.pk)] = row[column]
        if columns.borough in row:
            cells[(section.pk, RecommendationCell.Column.ACTIVITY, None)] = row[columns.borough]
        for column, slot in columns.extras.items():
            if column in row:
                cells[(section.pk, slot, None)] = row[column]
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


@collection_paused()
def plan_import(parsed: ParsedStocktake, framework: Framework, round_name: str | None = None) -> ImportPlan:
    """Compare a parsed workbook with the round it goes into. Writes nothing."""
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

    existing: dict[CellKey, list[Entry]] = defaultdict(list)
    existing_rows: dict[tuple, Row] = {}
    if round_ is not None:
        entries = Entry.objects.filter(round=round_).prefetch_related("places").order_by("position", "pk")
        for entry in entries:
            key = (entry.theme_id, entry.system_recommendation_id, entry.column_place_id)
            existing[key].append(entry)
        existing_rows = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}

    for parsed_row in parsed.rows:
        row = existing_rows.get((parsed_row.theme_id, parsed_row.system_recommendation_id))
        if (
            row is None
            or row.heading_text != parsed_row.heading_text
            or (parsed_row.indicators_text is not None and row.indicators_text != parsed_row.indicators_text)
        ):
            plan.row_updates += 1

    for key, new_entries in parsed.cells.items():
        old_entries = existing.get(key, [])
        _plan_cell(plan, key, old_entries, new_entries)
    _plan_recommendations(plan, round_)
    return plan


def _plan_recommendations(plan: ImportPlan, round_: Round | None) -> None:
    """The Recommendations sheet's cells to write or remove; rows the sheet lacks are left as they are."""
    parsed = plan.parsed.recommendation_cells
    if parsed is None:
        return
    existing = {cell.key: cell for cell in RecommendationCell.objects.filter(round=round_)} if round_ else {}
    plan._recommendation_writes = {
        key: text for key, text in parsed.items() if key not in existing or existing[key].text != text
    }
    plan._recommendation_deletes = [
        cell
        for key, cell in existing.items()
        if key not in parsed and cell.system_recommendation_id in plan.parsed.recommendation_rows
    ]
    plan.recommendation_updates = len(plan._recommendation_writes) + len(plan._recommendation_deletes)


def _signature(entry: Entry | CellEntry) -> tuple:
    if isinstance(entry, Entry):
        return (entry.lead_in, entry.text, tuple(sorted(p.pk for p in entry.places.all())))
    return (entry.lead_in, entry.text, tuple(sorted(entry.place_ids)))


def _plan_cell(plan: ImportPlan, key: CellKey, old: list[Entry], new: list[CellEntry]) -> None:
    old_signatures = [_signature(e) for e in old]
    new_signatures = [_signature(e) for e in new]
    matcher = difflib.SequenceMatcher(a=old_signatures, b=new_signatures, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(i2 - i1):
                entry, position = old[i1 + offset], j1 + offset
                if entry.position != position:
                    plan._moves.append((entry, position))
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for offset in range(paired):
            entry, cell_entry = old[i1 + offset], new[j1 + offset]
            plan._updates.append((entry, j1 + offset, cell_entry))
            plan.changes.append(Change("updated", key, entry.full_text, cell_entry.full_text, cell_entry.place_ids))
        for entry in old[i1 + paired : i2]:
            plan._deletes.append(entry)
            plan.changes.append(Change("deleted", key, entry.full_text, "", tuple(p.pk for p in entry.places.all())))
        for offset in range(j1 + paired, j2):
            cell_entry = new[offset]
            plan._creates.append((key, offset, cell_entry))
            plan.changes.append(Change("created", key, "", cell_entry.full_text, cell_entry.place_ids))


# Writing ------------------------------------------------------------------


def _level(key: CellKey, places: dict[int, Place]) -> str:
    column_place = key[2]
    return places[column_place].kind if column_place else Level.BOROUGH


@collection_paused()
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
    _write_rows(round_, plan.parsed, framework)
    column_places = {p.pk: p for p in Place.objects.filter(system=framework.system, kind__in=LEVEL_KINDS)}
    now = timezone.now()

    if plan._deletes:
        _record_deletions(plan._deletes, user, now)
        Entry.objects.filter(pk__in=[e.pk for e in plan._deletes]).delete()

    changed: list[Entry] = []
    for entry, position, cell_entry in plan._updates:
        entry.lead_in, entry.text, entry.position, entry.updated = (cell_entry.lead_in, cell_entry.text, position, now)
        changed.append(entry)
    for entry, position in plan._moves:
        entry.position = position
        changed.append(entry)
    if changed:
        bulk_update_with_history(
            changed, Entry, ["lead_in", "text", "position", "updated"], default_user=user, batch_size=500
        )
        Entry.places.through.objects.filter(entry_id__in=[e.pk for e, _, _ in plan._updates]).delete()

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
)


def _entry_values(plan: ImportPlan, round_: Round, column_places: dict[int, Place], now):
    for key, position, cell_entry in plan._creates:
        level = _level(key, column_places)
        yield (round_.pk, *key, level, cell_entry.lead_in, cell_entry.text, position, now, now)


def _insert_created(plan: ImportPlan, round_: Round, column_places: dict[int, Place], now) -> list[int]:
    """Insert the plan's new entries in bulk; their ids, in the plan's order.

    Ids are read back by cell and position, which the plan leaves unique
    within every cell it touches (positions run 0, 1, 2, ... in workbook
    order). If another change to the round has broken that in the meantime,
    the import stops and rolls back rather than link the wrong entries.
    """
    if not plan._creates:
        return []
    insert_rows(Entry, ENTRY_FIELDS, _entry_values(plan, round_, column_places, now))
    wanted = {(key, position) for key, position, _ in plan._creates}
    ids: dict[tuple, int] = {}
    query = Entry.objects.filter(round=round_).values_list(
        "theme_id", "system_recommendation_id", "column_place_id", "position", "pk"
    )
    for theme_id, system_id, column_id, position, pk in fetch_rows(query.order_by()):
        found = ((theme_id, system_id, column_id), position)
        if found in wanted:
            if found in ids:
                raise WorkbookError(
                    f"The round “{round_}” was changed by someone else during the import. Nothing was "
                    "imported; import the workbook again."
                )
            ids[found] = pk
    return [ids[(key, position)] for key, position, _ in plan._creates]


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


def _write_rows(round_: Round, parsed: ParsedStocktake, framework: Framework) -> None:
    existing = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}
    indicators_by_theme: dict[int, list[int]] = defaultdict(list)
    for indicator in framework.indicators.exclude(theme=None).values("pk", "theme_id"):
        indicators_by_theme[indicator["theme_id"]].append(indicator["pk"])
    for parsed_row in parsed.rows:
        row = existing.get((parsed_row.theme_id, parsed_row.system_recommendation_id))
        indicators_text = (
            parsed_row.indicators_text
            if parsed_row.indicators_text is not None
            else (row.indicators_text if row else "")
        )
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
    """Refuse the whole plan if any part of it is not the user's to change.

    ICS reviewers (and superusers) may import anything in their system.
    Anyone else (a borough lead uploading their return) may only create,
    change or remove borough entries that name nothing but their own places,
    in an open round that already exists.
    """
    from atf import access

    if access.can(user, access.CHANGE, framework.system) or access.scope_for(user).superuser:
        return
    problems: list[str] = []
    if not plan.round_exists:
        raise WorkbookError(
            f"There is no round “{plan.round_name}” to upload into. Only the ICS can start a round; "
            "download the workbook of an open round and upload that."
        )
    round_ = Round.objects.get(name=plan.round_name)
    if not access.can(user, access.ATTACH, round_):
        raise WorkbookError(f"The round “{round_}” is closed or not yours to add to. Nothing was imported.")
    if plan.row_updates:
        problems.append("the theme titles or the Beacon Indicators cells")
    if plan.recommendation_updates:
        problems.append(f"the “{layout.RECOMMENDATIONS_SHEET}” sheet")
    yours = set(access.restrict(Place.objects.all(), user, access.ATTACH).values_list("pk", flat=True))
    changeable = set(
        access.restrict(Entry.objects.filter(round=round_), user, access.CHANGE).values_list("pk", flat=True)
    )
    # A refusal names the cell, and quotes an entry only to those who may read it.
    readable = set(access.restrict(Entry.objects.filter(round=round_), user, access.VIEW).values_list("pk", flat=True))

    def named(entry: Entry) -> str:
        cell = plan.parsed.coordinates.get(_cell_key(entry), "a cell")
        return f"{cell}: “{entry.full_text[:60]}”" if entry.pk in readable else f"{cell}: text you cannot see"

    for entry, _, cell_entry in plan._updates:
        if entry.pk not in changeable or not set(cell_entry.place_ids) <= yours or not cell_entry.place_ids:
            problems.append(named(entry))
    for entry in plan._deletes:
        if entry.pk not in changeable:
            problems.append(named(entry))
    for key, _, cell_entry in plan._creates:
        if key[2] is not None or not cell_entry.place_ids or not set(cell_entry.place_ids) <= yours:
            problems.append(f"{plan.parsed.coordinates.get(key, 'a cell')}: “{cell_entry.full_text[:60]}”")
    if problems:
        listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise WorkbookError(
            "This workbook changes text that is not yours to change, so nothing was imported. Change only "
            f"your own borough's paragraphs (those that start with its name) and upload again. Not yours: {listed}."
        )


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
    plan = plan_import(parsed, framework, round_name)
    if user is not None:
        authorise_plan(plan, framework, user)
    if not dry_run:
        source_name = getattr(source, "name", str(source)).split("/")[-1]
        round_ = apply_plan(plan, framework, user=user, source=source_name)
        if status and round_.status != status:
            round_.status = status
            round_.save(update_fields=["status"])
    return plan
