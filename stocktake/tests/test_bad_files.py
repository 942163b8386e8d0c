"""A bad workbook is refused whole, with a message that says where and what to do."""

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from atf import limits
from stocktake import layout
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Round, Row
from stocktake.xlsx import WorkbookError

from .test_import import snapshot
from .workbooks import copy_of_real, edit, zip_with


@pytest.fixture
def existing_round(framework, workbook_path):
    """A database that already holds the 2023 round, so that "changes nothing" means something."""
    import_stocktake(workbook_path, framework=framework)
    return snapshot()


def refused(path, framework, match):
    with pytest.raises(WorkbookError, match=match):
        import_stocktake(path, framework=framework)


def test_a_file_that_is_not_a_workbook(existing_round, framework, tmp_path):
    path = tmp_path / "minutes.xlsx"
    path.write_text("Knowsley - this is a text file with an xlsx name")
    refused(path, framework, r"not an Excel workbook \(\.xlsx\)")
    assert snapshot() == existing_round


def test_an_empty_file(existing_round, framework, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    refused(path, framework, "The file is empty")
    assert snapshot() == existing_round


def test_a_truncated_file(existing_round, framework, tmp_path, workbook_path):
    data = workbook_path.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    refused(path, framework, "not an Excel workbook|damaged or incomplete")
    assert snapshot() == existing_round


def test_a_damaged_member(existing_round, framework, tmp_path, workbook_path):
    data = bytearray(workbook_path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    data[start : start + 200] = b"\x00" * 200
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    refused(path, framework, "damaged or incomplete|could not be read")
    assert snapshot() == existing_round


def test_a_zip_that_is_not_a_workbook(existing_round, framework, tmp_path):
    path = tmp_path / "photos.xlsx"
    path.write_bytes(zip_with({"photo.jpg": b"\xff\xd8\xff" * 100}))
    refused(path, framework, "not an Excel workbook")
    assert snapshot() == existing_round


def test_a_zip_bomb_is_refused_in_seconds_with_bounded_memory(existing_round, framework, tmp_path, workbook_path):
    # A real workbook whose sheet is followed by 51 MB of white space: about 100 kB on disk.
    with zipfile.ZipFile(workbook_path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"] + b" " * (
        limits.MAX_INFLATED_BYTES + 1024 * 1024
    )
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_with(members))
    assert path.stat().st_size < 1_000_000
    del members

    tracemalloc.start()
    started = time.monotonic()
    refused(path, framework, "expands to more than 50 MB")
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 10
    assert peak < 50 * 1024 * 1024
    assert snapshot() == existing_round


def test_a_missing_themes_sheet(existing_round, framework, tmp_path):
    path = copy_of_real(tmp_path)
    book = openpyxl.load_workbook(path)
    book["Themes"].title = "Sheet1"
    book.save(path)
    refused(path, framework, "no “Themes” sheet \\(sheets found: “Sheet1”")
    assert snapshot() == existing_round


def test_a_missing_header_row(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "B4"): None, ("Themes", "B14"): None})
    refused(path, framework, "Marmot Themes")
    assert snapshot() == existing_round


def test_a_missing_borough_column_header(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "G4"): "Activity by borough"})
    refused(path, framework, "cell G4: The column header “Activity by borough” is not part of the stocktake layout")
    assert snapshot() == existing_round


def test_an_unknown_place_stops_the_import_naming_the_cell_and_the_name(existing_round, framework, tmp_path):
    path = copy_of_real(tmp_path)
    g7 = openpyxl.load_workbook(path)["Themes"]["G7"].value
    edit(path, {("Themes", "G7"): g7 + "\n\nTrafford - a new employment charter."})
    with pytest.raises(WorkbookError) as caught:
        import_stocktake(path, framework=framework)
    message = str(caught.value)
    assert "Sheet “Themes”, cell G7" in message and "“Trafford”" in message
    assert "add the place" in message and "Nothing was imported" in message
    assert snapshot() == existing_round


def test_a_place_of_another_system_is_unknown_here(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "G9"): "Hackney - a new park."})
    refused(path, framework, "cell G9.*“Hackney”")
    assert snapshot() == existing_round


def with_extra_row(workbook_path, tmp_path, row_xml: str):
    """The real workbook with a row added to the Themes sheet's XML, as no well-behaved writer would."""
    with zipfile.ZipFile(workbook_path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", row_xml.encode() + b"</sheetData>"
    )
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(zip_with(members))
    return path


def test_a_cell_longer_than_excel_allows(existing_round, framework, tmp_path, workbook_path):
    # openpyxl truncates long strings when it writes, so the cell is written by hand.
    text = "x" * (layout.MAX_CELL_CHARS + 1)
    path = with_extra_row(
        workbook_path, tmp_path, f'<row r="40"><c r="E40" t="inlineStr"><is><t>{text}</t></is></c></row>'
    )
    refused(path, framework, "cell E40: The cell holds 32,768 characters")
    assert snapshot() == existing_round


def test_a_cell_beyond_excel_s_last_row(existing_round, framework, tmp_path, workbook_path):
    # openpyxl reads the rows missing before it as empty ones: reading stops at the row limit.
    row = layout.MAX_ROWS + 1
    path = with_extra_row(
        workbook_path, tmp_path, f'<row r="{row}"><c r="B{row}" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    refused(path, framework, "Sheet “Themes” has more than 10,000 rows")
    assert snapshot() == existing_round


def test_text_in_a_column_with_no_header(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "I7"): "Knowsley - a stray note"})
    refused(path, framework, "cell I7: There is text in a column with no header")
    assert snapshot() == existing_round


def test_a_row_whose_theme_is_unknown(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "B9"): "9. Something new"})
    refused(path, framework, "cell B9: “9. Something new” is not a Marmot theme")
    assert snapshot() == existing_round


def test_a_theme_twice(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "B9"): "4. Ensure a healthy standard of living for all"})
    refused(path, framework, "cell B9: 4. Ensure a healthy standard of living for all appears twice")
    assert snapshot() == existing_round


def test_activity_without_its_theme(existing_round, framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "B9"): None})
    refused(path, framework, "no theme in its first column")
    assert snapshot() == existing_round


def test_a_bad_file_in_a_new_round_creates_no_round(framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "G9"): "Trafford - new"})
    refused(path, framework, "Trafford")
    assert not Round.objects.exists() and not Entry.objects.exists() and not Row.objects.exists()


def test_the_command_prints_the_message_without_a_traceback(existing_round, framework, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    with pytest.raises(CommandError) as caught:
        call_command("import_stocktake", str(path))
    assert "not an Excel workbook" in str(caught.value) and "Nothing was imported." in str(caught.value)
    assert snapshot() == existing_round


def test_a_missing_file(framework):
    with pytest.raises(CommandError, match=r"There is no file at /no/such/file\.xlsx"):
        call_command("import_stocktake", "/no/such/file.xlsx")


def with_member_replaced(workbook_path, tmp_path, member: str, change) -> Path:
    with zipfile.ZipFile(workbook_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = change(members[member])
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(zip_with(members))
    return path


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]>"
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("member", "prolog", "cell_text"),
    [
        ("xl/worksheets/sheet1.xml", LAUGHS, b"&lol9;"),
        ("xl/worksheets/sheet1.xml", EXTERNAL, b"&secret;"),
        ("xl/workbook.xml", EXTERNAL, None),
    ],
    ids=["entity expansion", "external entity in a sheet", "external entity in the workbook part"],
)
def test_xml_entity_tricks_are_refused(existing_round, framework, tmp_path, workbook_path, member, prolog, cell_text):
    def poison(xml: bytes) -> bytes:
        if cell_text:
            xml = xml.replace(b"<t>Marmot Themes</t>", b"<t>" + cell_text + b"</t>", 1)
        return prolog + xml

    path = with_member_replaced(workbook_path, tmp_path, member, poison)
    started = time.monotonic()
    refused(path, framework, "could not be read: it declares XML entities")
    assert time.monotonic() - started < 10
    assert snapshot() == existing_round


def test_an_old_or_password_protected_workbook_says_how_to_fix_it(existing_round, framework, tmp_path):
    path = tmp_path / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    refused(path, framework, r"older Excel workbook \(\.xls\) or a password-protected one.*remove any password")
    assert snapshot() == existing_round
