"""Building workbooks for tests: the real one, edited, rearranged or broken."""

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl

from atf.loader import DEMO_WORKBOOK


def copy_of_real(tmp_path: Path) -> Path:
    target = tmp_path / "stocktake.xlsx"
    shutil.copy(DEMO_WORKBOOK, target)
    return target


def edit(path: Path, changes: dict[tuple[str, str], str | None]) -> Path:
    """Set cells, e.g. {("Themes", "G5"): "new text"}; None clears a cell."""
    book = openpyxl.load_workbook(path)
    for (sheet, coordinate), value in changes.items():
        book[sheet][coordinate].value = value
    book.save(path)
    return path


def cell(path: Path, sheet: str, coordinate: str) -> str:
    return openpyxl.load_workbook(path)[sheet][coordinate].value


def all_cells(path: Path) -> dict[tuple[str, str], str]:
    book = openpyxl.load_workbook(path)
    return {
        (sheet.title, c.coordinate): c.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    }


def rearranged(tmp_path: Path, column_order: list[str], row_offset: int, column_offset: int) -> Path:
    """The real Themes sheet with its columns in another order, shifted down and right, plus a stray sheet."""
    source = openpyxl.load_workbook(DEMO_WORKBOOK)["Themes"]
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "Returned by Knowsley, 4 December"
    sheet = book.create_sheet("  THEMES ")
    for row in range(1, source.max_row + 1):
        for new_index, letter in enumerate(column_order, start=1):
            value = source[f"{letter}{row}"].value
            if value is not None:
                sheet.cell(row=row + row_offset, column=new_index + column_offset, value=value)
    path = tmp_path / "rearranged.xlsx"
    book.save(path)
    return path


def zip_with(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
