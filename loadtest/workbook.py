"""What a lead does to the downloaded workbook before uploading it back."""

from __future__ import annotations

import io

import openpyxl


def add_a_paragraph(workbook: bytes, paragraph: str) -> bytes:
    """The workbook with ``paragraph`` added to the first theme's borough cell, on a line of its own."""
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows(max_row=10) if any(c.value == "Borough Level Activity" for c in row))
    column = next(c.column for c in header if c.value == "Borough Level Activity")
    cell = sheet.cell(row=header[0].row + 1, column=column)
    cell.value = f"{cell.value}\n\n{paragraph}" if cell.value else paragraph
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
