"""What one request may send and make the server do, and what a person is told past each limit.

Every limit is far above what the real work needs, and low enough that a
request refused at it is answered in a second or two, in bounded memory,
with nothing written. There is no background worker yet: work larger than
a request may do is refused with what to do instead.

- **Upload size**: the real stocktake workbook is 40 kB; a flat entries file
  of every entry of a round is a few hundred kB. A larger file is refused
  while it is being received (``atf.uploadhandler``), before any of it is
  written to disk.
- **Workbooks**, before openpyxl reads anything (``stocktake.xlsx``): how many
  parts the zip holds and how far they inflate, counted by inflating them
  in small chunks (the sizes a zip declares can lie); then rows per sheet
  and cells per workbook, counted while the sheets' XML is inflated and
  again while openpyxl reads them (the dimension a sheet declares can lie
  too). The real workbook holds 11 parts inflating to 130 kB, 250 cells,
  at most 32 rows a sheet.
- **Flat entries files** (``stocktake.flat``): rows counted as they are
  read (CSV or xlsx), refused at the first row past the limit, before
  anything is written. The limit is above the 50,000 entries the benchmark
  imports; an xlsx file is held to the workbook limits first.
- **Minutes text** (``commissions.views.MinutesForm``): a real meeting's
  minutes are tens to a few hundred numbered paragraphs, 10-60 kB of text.
  Minutes uploaded as a Word document (``commissions.word``) are held to
  the upload size, then, before python-docx reads anything, to the same
  zip limits as a workbook (parts, inflated size counted in chunks), with
  no entity declarations and at most 15 MB of XML inflated (text and
  formatting, read by python-docx in under two seconds); the text read
  from them counts against the same characters, paragraphs and actions as
  pasted text. A Word file of minutes is 30-200 kB, more with pictures.
- **Agenda papers** (``commissions.agenda_services``): a paper is a report
  or a slide deck of a few hundred kB to a few MB; an agenda holds a few
  dozen items with a handful of papers each.
- **Any form post**: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds the
  text fields of one request; past it ``atf.middleware.RequestLimitsMiddleware``
  answers 413 with a page saying so.
"""

from __future__ import annotations

MB = 1024 * 1024
KB = 1024

# Files: workbooks, flat entries files, minutes as a text file.
MAX_UPLOAD_BYTES = 10 * MB

# A workbook (xlsx) as a zip archive.
MAX_ARCHIVE_MEMBERS = 1_000
MAX_INFLATED_BYTES = 50 * MB
# What openpyxl is asked to read.
MAX_SHEET_ROWS = 10_000
MAX_WORKBOOK_CELLS = 100_000

# Rows of one flat entries file.
MAX_ENTRY_FILE_ROWS = 60_000

# Minutes pasted as text, or uploaded as a text or Word file (the text read from it counts).
MAX_MINUTES_CHARS = 200_000
MAX_MINUTES_PARAGRAPHS = 1_000
MAX_MINUTES_ACTIONS = 300
# The XML parts of a Word document of minutes, inflated (its pictures count only towards MAX_INFLATED_BYTES):
# python-docx reads about 10 MB of it a second; a meeting's minutes are well under 2 MB.
MAX_WORD_XML_BYTES = 15 * MB

# An agenda: its items (each add or move renumbers them all), and the papers of one item. A paper is
# held to the upload limit itself: ``atf.uploadhandler`` refuses a larger file as it arrives, whatever
# the form, so a larger paper limit would never be reached.
MAX_AGENDA_ITEMS = 200
MAX_PAPERS_PER_ITEM = 20
MAX_PAPER_BYTES = MAX_UPLOAD_BYTES


def size(n: int) -> str:
    """A byte count as people say it: 40 kB, 9.5 MB, 10.4 MB, 100 MB."""
    if n < MB:
        return f"{max(1, round(n / KB))} kB"
    value = round(n / MB, 1)
    return f"{value:g} MB" if value < 100 else f"{round(value)} MB"


def upload_too_large(name: str, received: int) -> str:
    named = f"“{name}” " if name else ""
    shown = size(received)
    if shown == size(MAX_UPLOAD_BYTES):
        shown = f"just over {shown}"
    return (
        f"The file {named}is {shown}; the largest file accepted is {size(MAX_UPLOAD_BYTES)} "
        "(a stocktake workbook is well under 1 MB). Check that you chose the right file; an entries file "
        "this large can be split into several files and imported one after another. Nothing was saved."
    )


def archive_too_many_members(count: int) -> str:
    return (
        f"The file holds {count:,} parts; a workbook has a few dozen at most, and more than "
        f"{MAX_ARCHIVE_MEMBERS:,} are refused. Save the workbook again from Excel as an Excel Workbook (.xlsx) "
        "and upload that. Nothing was read."
    )


def archive_inflates_too_far(member: str) -> str:
    return (
        f"The file expands to more than {size(MAX_INFLATED_BYTES)} when opened (at part “{member}”); a "
        f"stocktake workbook expands to well under 1 MB, and an entries file of {MAX_SHEET_ROWS:,} rows to a "
        "few MB. Check that you chose the right file; a longer entries file can be saved as CSV (which takes up "
        f"to {MAX_ENTRY_FILE_ROWS:,} rows), or split into files of at most {MAX_SHEET_ROWS:,} rows imported one "
        "after another. Nothing was read."
    )


def sheet_too_many_rows(sheet: str | None) -> str:
    named = f"Sheet “{sheet}”" if sheet else "A sheet of the workbook"
    return (
        f"{named} has more than {MAX_SHEET_ROWS:,} rows; a stocktake workbook has a few dozen. "
        "Check that you chose the right file; an entries file this long can be saved as CSV (which takes up to "
        f"{MAX_ENTRY_FILE_ROWS:,} rows), or split into files of at most {MAX_SHEET_ROWS:,} rows imported one after "
        "another. Nothing was saved."
    )


def workbook_too_many_cells() -> str:
    return (
        f"The workbook holds more than {MAX_WORKBOOK_CELLS:,} cells; a stocktake workbook holds a few "
        "hundred. Delete unused rows, columns and sheets, or split an entries file into several, and upload "
        "again. Nothing was saved."
    )


def entry_file_too_many_rows() -> str:
    return (
        f"The file has more than {MAX_ENTRY_FILE_ROWS:,} rows, more than one import takes. Split it into "
        f"files of at most {MAX_ENTRY_FILE_ROWS:,} rows and import them one after another. Nothing was imported."
    )


def minutes_too_long(length: int) -> str:
    return (
        f"The minutes are {length:,} characters long; at most {MAX_MINUTES_CHARS:,} characters are taken at "
        "once (a meeting's minutes are usually under 60,000). Paste them one agenda item at a time, or check "
        "that you copied only this meeting's minutes. Nothing was saved."
    )


def minutes_file_too_large(size_in_bytes: int) -> str:
    return (
        f"The file is {size(size_in_bytes)}; minutes of at most {MAX_MINUTES_CHARS:,} characters are taken at "
        "once (a meeting's minutes are usually under 60,000). Upload one agenda item at a time, or check that "
        "you chose this meeting's minutes. Nothing was saved."
    )


def word_too_many_members(count: int) -> str:
    return (
        f"The file holds {count:,} parts; a Word document has a few dozen at most, and more than "
        f"{MAX_ARCHIVE_MEMBERS:,} are refused. Save the minutes again from Word as a Word Document (.docx) "
        "and upload that, or paste them. Nothing was read."
    )


def word_inflates_too_far(member: str, limit: int = MAX_INFLATED_BYTES) -> str:
    what = "The file expands" if limit == MAX_INFLATED_BYTES else "The document's text and formatting expand"
    return (
        f"{what} to more than {size(limit)} when opened (at part “{member}”); a Word "
        "document of minutes expands to a few MB at most, pictures included. Check that you chose the right "
        "file, or paste the minutes. Nothing was read."
    )


def minutes_too_many_paragraphs(paragraphs: int) -> str:
    return (
        f"The minutes hold {paragraphs:,} numbered paragraphs; at most {MAX_MINUTES_PARAGRAPHS:,} are taken "
        "at once. Paste them one agenda item at a time, or split them across the meetings they belong to. "
        "Nothing was saved."
    )


def minutes_too_many_actions(actions: int) -> str:
    return (
        f"The minutes hold {actions:,} “Action:” lines; at most {MAX_MINUTES_ACTIONS:,} are taken at once. "
        "Paste them one agenda item at a time, or split them across the meetings they belong to. "
        "Nothing was saved."
    )


def paper_too_large(name: str, received: int) -> str:
    named = f"“{name}” " if name else ""
    shown = size(received)
    if shown == size(MAX_PAPER_BYTES):
        shown = f"just over {shown}"
    return (
        f"The file {named}is {shown}; the largest paper accepted is {size(MAX_PAPER_BYTES)}. Save a PDF "
        "for the web (smaller images), or split the paper into parts. Nothing was saved."
    )
