"""Writing a round back out as the ICS's stocktake workbook.

The sheets, headers and column order come from ``layout``; each activity cell
is rebuilt from its entries in their order. openpyxl's write-only mode
streams the rows. Text is always written as text: a cell that begins with
"=", "+", "-", "@", a tab or a carriage return is stored as a string with
Excel's quote prefix, so it can never run as a formula and reads exactly as
entered.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from copy import copy
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font

from atf import access, outputs
from atf.bulk import fetch_rows
from atf.text import printable
from boroughs.models import Place

from . import baseline as baselines
from . import layout
from .cells import CellEntry, join_borough_cell, join_level_texts
from .defaults import default_heading, row_texts
from .importer import LEVEL_KINDS
from .models import Entry, RecommendationCell, Round, Row

WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)


class ExportError(Exception):
    """A round that cannot be written as a workbook, with what to do about it."""


def level_columns(round_: Round, kinds=LEVEL_KINDS) -> list[Place]:
    return list(
        Place.objects.filter(system=round_.framework.system, kind__in=kinds)
        .exclude(stocktake_heading="")
        .order_by("path")
    )


def cell_texts(
    round_: Round, user=None, collected: baselines.Baseline | None = None, *, published_only: bool = False
) -> dict[tuple, str]:
    """Every activity cell's text, keyed by (theme id, system recommendation id, column place id).

    With a ``user``, only the entries that user may view. Rows are read as
    plain tuples, not model instances: a large round has tens of thousands
    of entries. Only the borough column needs each entry's places (to know
    which entries run on from the one before). With ``collected``, each
    cell's entries are noted in it as the download's baseline. With
    ``published_only``, a borough's drafts are left out (the board paper).
    """
    entries = Entry.objects.filter(round=round_)
    if user is not None:
        entries = access.restrict(entries, user, access.VIEW)
    if published_only:
        entries = entries.filter(access.published_entries())
    places: dict[int, list[int]] = defaultdict(list)
    links = Entry.places.through.objects.filter(entry__round=round_, entry__column_place=None)
    for entry_id, place_id in fetch_rows(links.values_list("entry_id", "place_id").order_by()):
        places[entry_id].append(place_id)
    rows = entries.order_by("position", "pk").values_list(
        "pk", "theme_id", "system_recommendation_id", "column_place_id", "lead_in", "text"
    )
    borough_cells: dict[tuple, list[CellEntry]] = defaultdict(list)
    level_cells: dict[tuple, list[str]] = defaultdict(list)
    for pk, theme_id, system_id, column_id, lead_in, text in fetch_rows(rows):
        if collected is not None:
            key = (theme_id, system_id, column_id)
            noted = baselines.entry_digest(key, lead_in, text, places.get(pk, ()))
            collected.entries.setdefault(key, []).append((pk, noted))
        if column_id is None:
            borough_cells[(theme_id, system_id, None)].append(CellEntry(lead_in, text, tuple(places.get(pk, ()))))
        else:
            level_cells[(theme_id, system_id, column_id)].append(lead_in + text)
    texts = {key: join_level_texts(items) for key, items in level_cells.items()}
    texts.update((key, join_borough_cell(items)) for key, items in borough_cells.items())
    return texts


class _Sheet:
    """One sheet's rows, checked against Excel's limits before anything is written."""

    def __init__(self, title: str, widths: list[float], freeze: str):
        self.title = title
        self.widths = widths
        self.freeze = freeze
        self.rows: list[tuple[list, bool]] = []

    @property
    def row_number(self) -> int:
        return len(self.rows)

    def row(self, values: list, *, bold=False) -> None:
        for column, value in enumerate(values):
            if value and len(str(value)) > layout.MAX_CELL_CHARS:
                where = f"{layout.column_letter(layout.FIRST_COLUMN + column)}{self.row_number + 1}"
                raise ExportError(
                    f"Sheet “{self.title}”, cell {where} would hold {len(str(value)):,} characters; Excel "
                    f"allows {layout.MAX_CELL_CHARS:,}. Shorten or split the longest entries of that theme "
                    "and column and export again. Nothing was written."
                )
        self.rows.append((values, bold))

    def blank(self, count: int = 1) -> None:
        self.rows.extend(([], False) for _ in range(count))

    def write(self, book: Workbook) -> None:
        sheet = book.create_sheet(self.title)
        for index, width in enumerate(self.widths, start=layout.FIRST_COLUMN):
            sheet.column_dimensions[layout.column_letter(index)].width = width
        sheet.freeze_panes = self.freeze
        styles = _Styles(sheet)
        padding = [None] * (layout.FIRST_COLUMN - 1)
        for values, bold in self.rows:
            sheet.append(padding + [styles.cell(v, bold) for v in values] if values else [])


class _Styles:
    """Text cells with their style set once per sheet and copied, not looked up again for every cell."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.templates = {}
        for bold in (False, True):
            for quoted in (False, True):
                template = WriteOnlyCell(sheet)
                template.alignment = WRAP
                if bold:
                    template.font = BOLD
                if quoted:
                    template.quotePrefix = True  # and Excel keeps it text when the cell is edited
                self.templates[(bold, quoted)] = template._style

    def cell(self, value, bold: bool) -> WriteOnlyCell | None:
        if value is None or value == "":
            return None
        text = printable(str(value))  # stored before normalising, a control character would break the file
        cell = WriteOnlyCell(self.sheet, value=text)
        cell.data_type = "s"  # text, never a formula
        cell._style = copy(self.templates[(bold, outputs.runs_as_formula(text))])
        return cell


def write_workbook(round_: Round, output: BinaryIO, user=None, *, record: bool = False) -> None:
    """Write ``round_`` as a stocktake workbook to a binary stream (with a ``user``, what they may view).

    With ``record``, what the workbook holds is kept as the user's download
    (``stocktake.baseline``), so that their upload of it is judged on their
    own changes.
    """
    framework = round_.framework
    columns = level_columns(round_)
    collected = baselines.Baseline() if record and user is not None else None
    texts = cell_texts(round_, user, collected)
    rows = {(r.theme_id, r.system_recommendation_id): r for r in Row.objects.filter(round=round_)}
    themes = list(framework.themes.prefetch_related("recommendations", "indicators"))
    system_recommendations = list(framework.system_recommendations.all())

    below_headers = f"{layout.column_letter(layout.FIRST_COLUMN + 1)}{layout.FIRST_HEADER_ROW + 1}"
    widths = layout.THEMES_COLUMN_WIDTHS
    sheet = themes_sheet = _Sheet(
        layout.THEMES_SHEET,
        [widths["heading"], widths["indicators"]] + [widths["level"]] * len(columns) + [widths["borough"]],
        below_headers,
    )
    sheet.blank(layout.TITLE_ROW - 1)
    sheet.row([round_.title or round_.name], bold=True)
    sheet.blank(layout.FIRST_HEADER_ROW - layout.TITLE_ROW - 1)
    blocks = [
        (layout.THEMES_HEADER, themes, lambda s: (s.pk, None)),
        (layout.SYSTEM_HEADER, system_recommendations, lambda s: (None, s.pk)),
    ]
    for index, (header, sections, key_of) in enumerate(blocks):
        if index:
            sheet.blank()
        sheet.row(
            [header, layout.INDICATORS_HEADER]
            + [p.stocktake_heading for p in columns]
            + [layout.BOROUGH_HEADER_FOR_BLOCK[header]],
            bold=True,
        )
        for section in sections:
            theme_id, system_id = key_of(section)
            heading, indicators = row_texts(rows.get((theme_id, system_id)), section)
            if collected is not None:
                collected.rows[(theme_id, system_id)] = (baselines.digest(heading), baselines.digest(indicators))
            sheet.row(
                [heading, indicators]
                + [texts.get((theme_id, system_id, p.pk), "") for p in columns]
                + [texts.get((theme_id, system_id, None), "")]
            )

    recommendations_sheet = _recommendations_sheet(round_, system_recommendations, below_headers, user, collected)

    widths = layout.INDICATORS_COLUMN_WIDTHS
    sheet = indicators_sheet = _Sheet(
        layout.INDICATORS_SHEET, [widths["number"], widths["name"]] + [widths["field"]] * 4, f"A{layout.TITLE_ROW + 1}"
    )
    sheet.blank(layout.TITLE_ROW - 1)
    group = None
    for indicator in framework.indicators.order_by("number"):
        fields = [getattr(indicator, key) for key in layout.INDICATOR_FIELD_HEADERS]
        if indicator.group != group:
            group = indicator.group
            extra = list(layout.INDICATOR_FIELD_HEADERS.values()) if sheet.row_number == layout.TITLE_ROW - 1 else []
            sheet.row([group, None] + extra, bold=True)
        sheet.row([str(indicator.number), indicator.name] + fields)

    book = Workbook(write_only=True)
    if collected is not None:
        token = baselines.record(round_, user, collected)
        book.custom_doc_props.append(StringProperty(name=baselines.PROPERTY, value=token))
    for planned in (themes_sheet, recommendations_sheet, indicators_sheet):
        planned.write(book)
    book.save(output)


def _recommendations_sheet(round_: Round, system_recommendations, freeze: str, user=None, collected=None) -> _Sheet:
    """The Recommendations template, with whatever cells of it the round holds."""
    stored = RecommendationCell.objects.filter(round=round_)
    if user is not None:
        stored = access.restrict(stored, user, access.VIEW)
    cells = {cell.key: cell.text for cell in stored}
    if collected is not None:
        collected.recommendations = {key: baselines.digest(text) for key, text in cells.items()}
    # The ICS's template has the ICS's and the combined authority's columns; a
    # workbook that came back with another level's column keeps it.
    used = {place_id for _, _, place_id in cells if place_id}
    columns = [
        p for p in level_columns(round_, LEVEL_KINDS) if p.kind in layout.RECOMMENDATIONS_LEVEL_KINDS or p.pk in used
    ]
    extras = list(layout.RECOMMENDATIONS_EXTRA_COLUMNS)
    widths = layout.RECOMMENDATIONS_COLUMN_WIDTHS
    sheet = _Sheet(
        layout.RECOMMENDATIONS_SHEET,
        [widths["heading"]] + [widths["level"]] * len(columns) + [widths["borough"]] + [widths["extra"]] * len(extras),
        freeze,
    )
    sheet.blank(layout.TITLE_ROW - 1)
    sheet.row([round_.recommendations_title or round_.title or round_.name], bold=True)
    sheet.blank(layout.FIRST_HEADER_ROW - layout.TITLE_ROW - 1)
    sheet.row(
        [layout.SYSTEM_HEADER]
        + [p.stocktake_heading for p in columns]
        + [layout.BOROUGH_HEADER_FOR_BLOCK[layout.SYSTEM_HEADER]]
        + [layout.RECOMMENDATIONS_EXTRA_COLUMNS[key] for key in extras],
        bold=True,
    )
    activity = RecommendationCell.Column.ACTIVITY
    for section in system_recommendations:
        sheet.row(
            [cells.get((section.pk, RecommendationCell.Column.HEADING, None)) or default_heading(section)]
            + [cells.get((section.pk, activity, p.pk), "") for p in columns]
            + [cells.get((section.pk, activity, None), "")]
            + [cells.get((section.pk, key, None), "") for key in extras]
        )
    return sheet


def workbook_response(round_: Round, user=None):
    """An HTTP download of the round's workbook, spooled to disk rather than held in memory."""
    from django.http import FileResponse

    stream = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        write_workbook(round_, stream, user, record=user is not None)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{round_.slug}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_stocktake(round_: Round, path: str | Path, user=None) -> None:
    """Write the workbook to ``path`` atomically: a failed export leaves no partial file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", suffix=".xlsx.part")
    try:
        with os.fdopen(handle, "wb") as stream:
            write_workbook(round_, stream, user)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
