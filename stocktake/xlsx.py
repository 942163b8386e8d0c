"""Opening a workbook that someone sent us, safely.

Before openpyxl parses anything, the file is checked as a zip archive: its
size, the number of members, and how far each member really inflates
(streamed in small chunks, so a zip bomb is refused in bounded memory and
time whatever its headers claim). openpyxl then reads it in read-only mode
with formulas kept as their text, never evaluated; with defusedxml
installed, openpyxl also refuses XML entity tricks.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException

from atf.text import normalise_characters

from . import layout


class WorkbookError(Exception):
    """A workbook that cannot be imported, with a message a person can act on."""

    def __init__(self, message: str, *, sheet: str | None = None, cell: str | None = None):
        self.sheet = sheet
        self.cell = cell
        where = ""
        if sheet and cell:
            where = f"Sheet “{sheet}”, cell {cell}: "
        elif sheet:
            where = f"Sheet “{sheet}”: "
        super().__init__(where + message)


# Excel's .xls files, and .xlsx files saved with a password, are OLE compound files, not zips.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_A_WORKBOOK = (
    "This file is not an Excel workbook (.xlsx). Open it in Excel and use "
    "File > Save As > Excel Workbook (.xlsx), then upload that file."
)


def _read_bytes(source: str | Path | BinaryIO) -> bytes:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise WorkbookError(f"There is no file at {path}.")
        if path.stat().st_size > layout.MAX_FILE_BYTES:
            raise WorkbookError(_too_big_message())
        return path.read_bytes()
    data = source.read(layout.MAX_FILE_BYTES + 1)
    if len(data) > layout.MAX_FILE_BYTES:
        raise WorkbookError(_too_big_message())
    return data


def _too_big_message() -> str:
    return (
        f"This file is larger than {layout.MAX_FILE_BYTES // (1024 * 1024)} MB, far larger than any "
        "stocktake workbook. Check that it is the right file."
    )


def check_archive(data: bytes) -> None:
    """Refuse anything that is not a sane xlsx zip, before parsing it."""
    if not data:
        raise WorkbookError("The file is empty. " + NOT_A_WORKBOOK)
    if data.startswith(OLE_SIGNATURE):
        raise WorkbookError(
            "This file is an older Excel workbook (.xls) or a password-protected one. Open it in Excel, remove "
            "any password (File > Info > Protect Workbook), save it as an Excel Workbook (.xlsx) and upload that."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError(NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > layout.MAX_MEMBERS:
                raise WorkbookError(
                    f"The file holds {len(members)} parts, far more than a workbook has. {NOT_A_WORKBOOK}"
                )
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise WorkbookError(NOT_A_WORKBOOK)
            total = 0
            for member in members:
                if member.file_size > layout.MAX_MEMBER_BYTES:
                    raise WorkbookError(_bomb_message(member.filename))
                inflated = 0
                with archive.open(member) as stream:
                    while chunk := stream.read(1024 * 1024):
                        inflated += len(chunk)
                        total += len(chunk)
                        if inflated > layout.MAX_MEMBER_BYTES or total > layout.MAX_TOTAL_BYTES:
                            raise WorkbookError(_bomb_message(member.filename))
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise WorkbookError(
            f"The file is damaged or incomplete ({exc}). Save it again from Excel and re-upload."
        ) from exc


def _bomb_message(member: str) -> str:
    return (
        f"Part “{member}” of the file expands to more than {layout.MAX_MEMBER_BYTES // (1024 * 1024)} MB "
        "when opened, which no stocktake workbook does. The file was not read."
    )


@dataclass
class Sheet:
    """The non-empty cells of one worksheet, as text: ``cells[row][column]``."""

    title: str
    cells: dict[int, dict[int, str]] = field(default_factory=dict)

    def rows(self) -> list[int]:
        return sorted(self.cells)

    def row(self, row: int) -> dict[int, str]:
        return self.cells.get(row, {})

    def coordinate(self, row: int, column: int) -> str:
        return f"{layout.column_letter(column)}{row}"


def cell_text(value: object) -> str:
    """Any cell value as the text a person sees. Formulas arrive as their text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return normalise_characters(str(value))


class Sheets(list):
    """A workbook's sheets, with its custom document properties (name -> text)."""

    properties: dict[str, str]

    def __init__(self, sheets=(), properties=None):
        super().__init__(sheets)
        self.properties = properties or {}


def _properties(book) -> dict[str, str]:
    try:
        return {p.name: str(p.value)[:200] for p in book.custom_doc_props.props[:50] if p.name and p.value}
    except Exception:  # a property openpyxl cannot read is no reason to refuse the workbook
        return {}


def read_workbook(source: str | Path | BinaryIO) -> Sheets:
    """Every worksheet's non-empty cells. Raises WorkbookError for anything unreadable."""
    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - requirements.txt installs it
        raise RuntimeError("defusedxml must be installed to read workbooks from other people safely.")
    data = _read_bytes(source)
    check_archive(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a malformed file
        raise _unreadable(exc) from exc
    try:
        sheets = Sheets(properties=_properties(book))
        for worksheet in book.worksheets:
            if not hasattr(worksheet, "iter_rows"):  # chart sheets have no cells
                continue
            sheets.append(_read_sheet(worksheet))
        return sheets
    except WorkbookError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc
    finally:
        book.close()


def _unreadable(exc: Exception) -> WorkbookError:
    # openpyxl wraps what went wrong in a ValueError of its own.
    causes = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, DefusedXmlException) for c in causes):
        return WorkbookError(
            "The workbook could not be read: it declares XML entities, which Excel never writes and which "
            "are refused for safety. Open the original in Excel, save it as a new .xlsx and upload that."
        )
    return WorkbookError(f"The workbook could not be read ({type(exc).__name__}). {NOT_A_WORKBOOK}")


def _read_sheet(worksheet) -> Sheet:
    sheet = Sheet(title=worksheet.title)
    # Ignore the dimension the file declares: a hostile one would make
    # openpyxl pad every row out to it.
    worksheet.reset_dimensions()
    for row_number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if row_number > layout.MAX_ROWS:
            raise WorkbookError(f"The sheet has rows beyond Excel's last row ({layout.MAX_ROWS:,}).", sheet=sheet.title)
        if len(values) > layout.MAX_COLUMNS:
            raise WorkbookError(f"Row {row_number} has cells beyond Excel's last column (XFD).", sheet=sheet.title)
        for column_number, value in enumerate(values, start=1):
            if value is None:
                continue
            text = cell_text(value)
            if len(text) > layout.MAX_CELL_CHARS:
                raise WorkbookError(
                    f"The cell holds {len(text):,} characters; Excel allows at most {layout.MAX_CELL_CHARS:,}. "
                    "Shorten it or split it across entries.",
                    sheet=sheet.title,
                    cell=sheet.coordinate(row_number, column_number),
                )
            if text.strip():
                sheet.cells.setdefault(row_number, {})[column_number] = text
    return sheet


def find_sheet(sheets: list[Sheet], name: str) -> Sheet | None:
    wanted = layout.normalise(name)
    for sheet in sheets:
        if layout.normalise(sheet.title) == wanted:
            return sheet
    return None
