"""One guard for every file the application writes: text stays text.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or a carriage return) as a formula, which can fetch
URLs or start programs on the reader's machine. Every download, export and
workbook goes through this module:

- in xlsx, text is written as a string cell (never a formula) and text that
  starts with one of those characters also gets Excel's quote prefix, so it
  stays text when someone edits the cell;
- CSV has no cell types, so such text gets a leading apostrophe, the
  convention spreadsheets themselves use. ``csv_value`` takes it off again
  when our importers read the file back, so ``import(export(x)) == x``: text
  that itself starts with an apostrophe followed by one of those characters
  or by another apostrophe gets one more, and loses exactly one on reading.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .text import printable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
APOSTROPHE = "'"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# Values written as themselves: a spreadsheet cannot run them.
PLAIN_TYPES = (bool, int, float, decimal.Decimal, datetime.date, datetime.datetime)


def runs_as_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(value: object) -> str:
    """A value as CSV text that no spreadsheet runs."""
    text = "" if value is None else str(value)
    if runs_as_formula(text) or (text[:1] == APOSTROPHE and _escapable(text[1:2])):
        return APOSTROPHE + text
    return text


def csv_value(text: str) -> str:
    """Undo ``csv_text``: the apostrophe that kept the text inert."""
    if text[:1] == APOSTROPHE and _escapable(text[1:2]):
        return text[1:]
    return text


def _escapable(char: str) -> bool:
    return bool(char) and (char in FORMULA_TRIGGERS or char == APOSTROPHE)


def xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    """A write-only cell holding ``value``: numbers and dates as they are, anything else as a string."""
    if isinstance(value, PLAIN_TYPES):
        return WriteOnlyCell(sheet, value=value)
    text = "" if value is None else printable(str(value))  # a control character would make the file unwritable
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # a string, never a formula, whatever it starts with
    if runs_as_formula(text):
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def set_text(cell, value: object) -> None:
    """Put ``value`` into a cell of an ordinary (not write-only) worksheet, as ``xlsx_cell`` would."""
    if isinstance(value, PLAIN_TYPES):
        cell.value = value
        return
    text = "" if value is None else printable(str(value))
    cell.value = text
    cell.data_type = "s"
    if runs_as_formula(text):
        cell.quotePrefix = True


def xlsx_bytes(rows: Iterable[Iterable[object]], sheet_title: str = "Sheet1") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    # A byte-order mark, so that Excel reads the file as UTF-8.
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([value if isinstance(value, PLAIN_TYPES) else csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def download(rows: Iterable[Iterable[object]], file_format: str, filename: str, sheet_title: str = "Sheet1"):
    """A guarded xlsx or CSV download of ``rows`` (the first row being the header)."""
    if file_format == "xlsx":
        response = HttpResponse(xlsx_bytes(rows, sheet_title), content_type=XLSX_CONTENT_TYPE)
    elif file_format == "csv":
        response = HttpResponse(csv_bytes(rows), content_type=CSV_CONTENT_TYPE)
    else:
        raise ValueError(file_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response


def table_download(table, file_format: str, filename: str, exclude_columns=()):
    """A django-tables2 table as a guarded download, every row (not one page)."""
    return download(table.as_values(exclude_columns=exclude_columns), file_format, filename, sheet_title=filename)
