"""Opening a workbook that someone sent us, safely.

Before openpyxl parses anything, the file is checked as a zip archive: its
size, the number of members, how far they really inflate (streamed in small
chunks, so a zip bomb is refused in bounded memory and time whatever its
headers claim) and how many rows and cells its sheets' XML holds. openpyxl
then reads it in read-only mode with formulas kept as their text, never
evaluated, counting rows and cells again as it goes; with defusedxml
installed, openpyxl also refuses XML entity tricks. The limits, and what a
person is told past each, are ``atf.limits``.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException

from atf import limits
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
        if path.stat().st_size > limits.MAX_UPLOAD_BYTES:
            raise WorkbookError(limits.upload_too_large(path.name, path.stat().st_size))
        return path.read_bytes()
    data = source.read(limits.MAX_UPLOAD_BYTES + 1)
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise WorkbookError(limits.upload_too_large(getattr(source, "name", ""), len(data)))
    return data


# Inflated in chunks this large: memory stays bounded whatever a member holds.
CHUNK = 1024 * 1024
WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


class _Tally:
    """Rows and cells in a worksheet's XML, counted as it is inflated, before any XML is parsed.

    ``<row`` and ``<c `` are the elements Excel and LibreOffice write; a file
    that spells them otherwise (with a namespace prefix) is counted again as
    openpyxl reads it (``_read_sheet``).
    """

    TAIL = 3  # one less than the longest token, so that none is counted twice across chunks

    def __init__(self):
        self.rows = 0
        self.cells = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        self.rows += text.count(b"<row") + text.count(b":row ")
        self.cells += text.count(b"<c ") + text.count(b"<c>")
        self._tail = text[-self.TAIL :]


def check_archive(data: bytes) -> None:
    """Refuse anything that is not a sane xlsx zip, before parsing it.

    The sizes the zip declares are checked first, then every member is
    inflated in chunks and counted (declared sizes can lie), with the rows
    and cells of each worksheet's XML: a zip bomb or a sheet of 200,000 rows
    is refused in bounded memory, in well under a second, before openpyxl
    opens the file.
    """
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
            if len(members) > limits.MAX_ARCHIVE_MEMBERS:
                raise WorkbookError(limits.archive_too_many_members(len(members)))
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise WorkbookError(NOT_A_WORKBOOK)
            if sum(m.file_size for m in members) > limits.MAX_INFLATED_BYTES:
                largest = max(members, key=lambda m: m.file_size)
                raise WorkbookError(limits.archive_inflates_too_far(largest.filename))
            total = 0
            cells = 0
            for member in members:
                tally = _Tally() if WORKSHEET.fullmatch(member.filename) else None
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limits.MAX_INFLATED_BYTES:
                            raise WorkbookError(limits.archive_inflates_too_far(member.filename))
                        if tally is not None:
                            tally.feed(chunk)
                            if tally.rows > limits.MAX_SHEET_ROWS:
                                raise WorkbookError(limits.sheet_too_many_rows(None))
                            if cells + tally.cells > limits.MAX_WORKBOOK_CELLS:
                                raise WorkbookError(limits.workbook_too_many_cells())
                if tally is not None:
                    cells += tally.cells
    except WorkbookError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise WorkbookError(
            f"The file is damaged or incomplete ({exc}). Save it again from Excel and re-upload."
        ) from exc


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
        cells = _Cells()
        for worksheet in book.worksheets:
            if not hasattr(worksheet, "iter_rows"):  # chart sheets have no cells
                continue
            sheets.append(_read_sheet(worksheet, cells))
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


class _Cells:
    """Cells read so far from the whole workbook, refused past ``atf.limits.MAX_WORKBOOK_CELLS``."""

    def __init__(self):
        self.count = 0

    def add(self, n: int) -> None:
        self.count += n
        if self.count > limits.MAX_WORKBOOK_CELLS:
            raise WorkbookError(limits.workbook_too_many_cells())


def _read_sheet(worksheet, cells: _Cells | None = None) -> Sheet:
    sheet = Sheet(title=worksheet.title)
    cells = cells or _Cells()
    # Ignore the dimension the file declares: a hostile one would make
    # openpyxl pad every row out to it. Rows and cells are counted as they
    # come instead (missing rows and cells come padded, and count too), and
    # reading stops at the limits.
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(max_row=limits.MAX_SHEET_ROWS + 1, values_only=True)
    for row_number, values in enumerate(rows, start=1):
        if row_number > limits.MAX_SHEET_ROWS:
            raise WorkbookError(limits.sheet_too_many_rows(sheet.title))
        if len(values) > layout.MAX_COLUMNS:
            raise WorkbookError(f"Row {row_number} has cells beyond Excel's last column (XFD).", sheet=sheet.title)
        cells.add(len(values))
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
