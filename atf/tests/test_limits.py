"""The limits of atf.limits: each refused in seconds, in bounded memory, with a message beside the field, nothing kept.

The hostile files are made here, never stored: a 30 MB upload (the handler
behaves the same at 100 MB; the README's measurements say so), minutes
pasted 5 MB long, a sheet of 200,000 rows, a zip bomb unpacking to 1 GB
with honest sizes and one with lying ones.
"""

from __future__ import annotations

import io
import re
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atf import limits
from commissions.minutes import parse_minutes
from commissions.models import Action, Meeting, Paragraph
from stocktake import uploads
from stocktake.models import Entry, Round
from stocktake.xlsx import WorkbookError, read_workbook

MB = 1024 * 1024
BOUNDARY = "----limits-test-boundary"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> bytes:
    """A form post's body with one file, built once (the test client would copy a large file several times)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    return b"".join([*parts, content, f"\r\n--{BOUNDARY}--\r\n".encode()])


def post_file(client, url, name, filename, content, fields=None):
    body = multipart(fields or {}, name, filename, content)
    return client.post(url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def files_under(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def error_beside(response, field_id: str) -> str:
    """The error message shown beside the field (NHS.UK pages) or in its error list (admin)."""
    html = response.content.decode()
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?</span>.*?)</span>', html, re.S) or re.search(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S
    )
    assert found, f"no error beside {field_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


@pytest.fixture
def no_temporary_files(monkeypatch):
    """Fails the test if an upload is written to a temporary file as it arrives."""
    written = []

    def new_file(self, *args, **kwargs):
        written.append(args)
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", new_file)
    return written


# Upload size --------------------------------------------------------------------------------------------------


def test_a_file_past_the_limit_on_a_lead_s_return_page_is_refused_beside_the_field(
    world, media_root, no_temporary_files
):
    client = signed_in(world.users.lead)
    url = reverse("stocktake:return_upload", args=[world.rounds.open.slug, "knowsley"])
    started = time.monotonic()
    response = post_file(client, url, "workbook", "huge.xlsx", b"PK\x03\x04" + b"\0" * (30 * MB))
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert error_beside(response, "id_workbook").startswith(
        "Error: The file “huge.xlsx” is 30 MB; the largest file accepted is 10 MB"
    )
    assert "Nothing was saved" in response.content.decode()
    assert elapsed < 5
    assert files_under(media_root) == []
    assert not client.session.get(uploads.SESSION_KEY)


def test_sizes_are_said_as_people_say_them_and_never_as_the_limit_they_pass():
    assert [limits.size(n) for n in (40 * 1024, int(5.2 * MB), 10 * MB, int(10.4 * MB), 100 * MB)] == [
        "40 kB",
        "5.2 MB",
        "10 MB",
        "10.4 MB",
        "100 MB",
    ]
    assert limits.upload_too_large("a.csv", 10 * MB + 1).startswith("The file “a.csv” is just over 10 MB; the largest")


def test_the_admin_s_imports_refuse_a_file_past_the_limit_beside_the_field(world, media_root, no_temporary_files):
    admin = signed_in(world.users.superuser)
    content = b"id,round,text\n" + b",Open round 2025,Knowsley - x\n" * (12 * MB // 30)
    response = post_file(admin, reverse("admin:stocktake_entry_import"), "entries_file", "entries.csv", content)
    assert response.status_code == 200
    assert "the largest file accepted is 10 MB" in error_beside(response, "id_entries_file")
    response = post_file(
        admin,
        reverse("admin:stocktake_round_upload"),
        "workbook",
        "stocktake.xlsx",
        b"PK\x03\x04" + b"\0" * (12 * MB),
        fields={"framework": str(world.framework.pk), "round_name": "Big"},
    )
    assert "the largest file accepted is 10 MB" in error_beside(response, "id_workbook")
    assert files_under(media_root) == []
    assert not Round.objects.filter(name="Big").exists()


def test_a_file_within_the_limit_in_a_large_post_is_kept_and_read(world, media_root, workbook_path):
    """A body past the limit (here with a long text field) still delivers a file within it, from memory."""
    admin = signed_in(world.users.superuser)
    body = multipart(
        {
            "framework": str(world.framework.pk),
            "round_name": "Padded",
            "padding": "x" * (limits.MAX_UPLOAD_BYTES - 10_000),
        },
        "workbook",
        "stocktake.xlsx",
        workbook_path.read_bytes(),
    )
    assert len(body) > limits.MAX_UPLOAD_BYTES
    response = admin.post(
        reverse("admin:stocktake_round_upload"), body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 200
    assert response.context["plan"].round_name == "Padded"


def test_a_form_post_past_django_s_limit_gets_a_page_saying_so(world):
    meeting = Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now())
    client = signed_in(world.users.secretariat)
    url = reverse("commissions:meeting_minutes", args=[meeting.pk])
    response = client.post(url, {"text": "1.1 x\n" * (11 * MB // 6)}, HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 413
    html = response.content.decode()
    assert "That was too much to send at once" in html
    assert "a form takes at most 10 MB. Nothing you sent was saved" in html
    assert f'href="{url}"' in html
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()


def test_a_form_post_of_more_fields_than_django_takes_gets_the_same_page(world):
    client = signed_in(world.users.lead)
    response = client.post(reverse("home"), {f"field{n}": "x" for n in range(1_001)})
    assert response.status_code == 413
    assert "more fields or files than any form of ours has" in response.content.decode()


# Minutes --------------------------------------------------------------------------------------------------------


@pytest.fixture
def meeting(world):
    return Meeting.objects.create(commission=world.commissions.st_helens, starts_at=timezone.now())


def minutes(paragraphs: int, *, actions_each: int = 0) -> str:
    lines = ["12. Tackling inequalities"]
    for number in range(1, paragraphs + 1):
        lines.append(f"12.{number} The board discussed item {number} of the strategy and agreed next steps.")
        lines.extend(f"Action: Officer {k}" for k in range(actions_each))
    return "\n".join(lines)


def post_minutes(client, meeting, text, **extra):
    return client.post(reverse("commissions:meeting_minutes", args=[meeting.pk]), {"text": text, **extra})


def test_minutes_pasted_5_mb_long_are_refused_beside_the_field_in_well_under_two_seconds(world, meeting):
    client = signed_in(world.users.secretariat)
    text = minutes(65_000)
    assert len(text) > 5_000_000
    started = time.monotonic()
    response = post_minutes(client, meeting, text, confirm="yes")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    said = error_beside(response, "id_text")
    assert said.startswith(f"Error: The minutes are {len(text.strip()):,} characters long; at most 200,000")
    assert "one agenda item at a time" in said
    assert elapsed < 2
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()
    assert not Action.objects.filter(meeting=meeting).exists()


def test_minutes_of_more_paragraphs_or_actions_than_the_limit_are_refused(world, meeting):
    client = signed_in(world.users.secretariat)
    response = post_minutes(client, meeting, minutes(limits.MAX_MINUTES_PARAGRAPHS + 1), confirm="yes")
    assert "hold 1,001 numbered paragraphs; at most 1,000" in error_beside(response, "id_text")
    response = post_minutes(client, meeting, minutes(101, actions_each=3), confirm="yes")
    assert "hold 303 “Action:” lines; at most 300" in error_beside(response, "id_text")
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()
    assert not Action.objects.filter(meeting=meeting).exists()


def test_minutes_at_the_limits_are_read_and_saved(world, meeting):
    client = signed_in(world.users.secretariat)
    text = minutes(limits.MAX_MINUTES_PARAGRAPHS // 4, actions_each=1)
    response = post_minutes(client, meeting, text)
    assert response.status_code == 200
    assert len(response.context["parsed"].paragraphs) == 250
    started = time.monotonic()
    post_minutes(client, meeting, text, confirm="yes")
    assert time.monotonic() - started < 5
    assert Paragraph.objects.filter(item__meeting=meeting).count() == 250
    assert Action.objects.filter(meeting=meeting).count() == 250
    # Inserted in bulk, each with its paragraph, its history and who saved it.
    for action in Action.objects.filter(meeting=meeting).select_related("paragraph"):
        assert action.paragraph.number == action.reference
        assert action.description == action.paragraph.text
    assert Paragraph.history.filter(item_id__in=meeting.items.values("pk")).count() == 250
    history = Action.history.filter(meeting_id=meeting.pk)
    assert history.count() == 250
    assert {h.history_user for h in history} == {world.users.secretariat}


def test_minutes_of_the_largest_size_taken_are_saved_in_well_under_a_second(world, meeting):
    client = signed_in(world.users.secretariat)
    # 900 paragraphs, then 100 more (numbered again from 12.1, kept and flagged) with three actions each.
    text = minutes(limits.MAX_MINUTES_PARAGRAPHS - 100) + "\n" + minutes(100, actions_each=3)
    assert post_minutes(client, meeting, text).status_code == 200
    started = time.monotonic()
    response = post_minutes(client, meeting, text, confirm="yes")
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert Paragraph.objects.filter(item__meeting=meeting).count() == limits.MAX_MINUTES_PARAGRAPHS
    assert Action.objects.filter(meeting=meeting).count() == limits.MAX_MINUTES_ACTIONS
    assert elapsed < 2


def test_a_minutes_file_past_the_limit_is_refused_beside_the_file_field(world, meeting):
    client = signed_in(world.users.secretariat)
    response = client.post(
        reverse("commissions:meeting_minutes", args=[meeting.pk]),
        {"text": "", "file": SimpleUploadedFile("minutes.txt", minutes(20_000).encode())},
    )
    said = error_beside(response, "id_file")
    assert said.startswith("Error: The file is ") and "MB; minutes of at most 200,000 characters" in said


def test_minutes_pasted_too_long_are_counted_as_saved_and_not_sent_back_into_the_box(world, meeting):
    client = signed_in(world.users.secretariat)
    # As a browser sends a paste: every line break as CR LF.
    text = minutes(65_000).replace("\n", "\r\n")
    response = post_minutes(client, meeting, text)
    said = error_beside(response, "id_text")
    assert said.startswith(f"Error: The minutes are {len(text.replace(chr(13), '')):,} characters long")
    # The page is small: the megabytes pasted are not put back into the text box.
    assert len(response.content) < 100_000
    assert not Paragraph.objects.filter(item__meeting=meeting).exists()


def test_file_fields_offer_the_files_they_take(world, meeting):
    minutes_page = signed_in(world.users.secretariat).get(reverse("commissions:meeting_minutes", args=[meeting.pk]))
    assert 'type="file" id="id_file" name="file" accept=".docx,.txt"' in minutes_page.content.decode()
    lead = signed_in(world.users.lead)
    round_ = world.rounds.open
    upload_page = lead.get(reverse("stocktake:return_upload", args=[round_.slug, "knowsley"]))
    assert 'accept=".xlsx"' in upload_page.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        # One paragraph continued over 100,000 short lines.
        "1.1 Start\n" + "x\n" * 99_990,
        # One paragraph, each of its lines followed by an action on it.
        "1.1 Start\n" + "x\nAction: y\n" * 16_600,
        # Lines that look nearly like paragraph numbers.
        ("1." + "1" * 1000 + "x\n") * 199,
        " " * 200_000,
    ],
    ids=["long-paragraph", "action-after-every-line", "near-numbers", "spaces"],
)
def test_parsing_the_largest_minutes_taken_is_fast_whatever_they_hold(text):
    assert len(text) <= limits.MAX_MINUTES_CHARS
    # CPU time, as in measured() below: parsing is all in this process.
    started = time.process_time()
    parsed = parse_minutes(text, max_actions=limits.MAX_MINUTES_ACTIONS)
    assert time.process_time() - started < 0.5
    assert len(parsed.actions) <= limits.MAX_MINUTES_ACTIONS


def test_actions_past_the_limit_are_counted_not_kept():
    parsed = parse_minutes(minutes(10, actions_each=5), max_actions=7)
    assert parsed.action_count == 50
    assert len(parsed.actions) == 7
    assert parse_minutes(minutes(10, actions_each=5)).action_count == 50


# Workbooks: zip bombs, rows and cells ---------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    b'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    b'<sheet name="Entries" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_with_sheet(write_sheet, *, compresslevel: int = 6) -> bytes:
    """A minimal xlsx whose one sheet's XML ``write_sheet(stream)`` writes, streamed into the zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            write_sheet(sheet)
    return out.getvalue()


def rows_sheet(rows: int, *, row="row ", cell="c ", prefix=""):
    """A sheet of ``rows`` rows of two cells; the elements' names as given, with the white space after them."""

    def write(sheet):
        p = f"{prefix}:" if prefix else ""
        xmlns = f'xmlns:{prefix}="{MAIN.decode()}"' if prefix else f'xmlns="{MAIN.decode()}"'
        sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}><{p}sheetData>'.encode())
        for start in range(1, rows + 1, 1000):
            sheet.write(
                "".join(
                    f'<{p}{row}r="{n}"><{p}{cell}r="A{n}"><{p}v>{n}</{p}v></{p}c><{p}{cell}r="B{n}"><{p}v>1</{p}v></{p}c>'
                    f"</{p}row>"
                    for n in range(start, min(start + 1000, rows + 1))
                ).encode()
            )
        sheet.write(f"</{p}sheetData></{p}worksheet>".encode())

    return write


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A workbook whose one sheet is 1 GB of zeros: about 1 MB on disk, its sizes honestly declared."""

    def zeros(sheet):
        block = b"\0" * MB
        for _ in range(1024):
            sheet.write(block)

    return workbook_with_sheet(zeros)


def lying(archive: bytes, member: str, declared: int) -> bytes:
    """``archive`` with ``member``'s uncompressed size declared as ``declared``, in both of its headers."""
    data = bytearray(archive)
    for signature, offset, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        for found in re.finditer(re.escape(signature), bytes(data)):
            start = found.start()
            length = struct.unpack_from("<H", data, start + name_at - (18 if signature == b"PK\x01\x02" else 4))[0]
            if bytes(data[start + name_at : start + name_at + length]) == member.encode():
                struct.pack_into("<I", data, start + offset, declared)
    return bytes(data)


def measured(read):
    """The refusal, the seconds the reading took and its peak memory.

    The time is this process's CPU time: the work the reading does, not the time it waited
    for a core while the suite's other processes, or anything else, ran beside it.
    """
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(WorkbookError) as refusal:
            read()
    finally:
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return str(refusal.value), elapsed, peak


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_anything_is_inflated(zip_bomb):
    assert len(zip_bomb) < 2 * MB
    said, elapsed, peak = measured(lambda: read_workbook(io.BytesIO(zip_bomb)))
    assert said.startswith("The file expands to more than 50 MB when opened (at part “xl/worksheets/sheet1.xml”)")
    assert elapsed < 0.5
    assert peak < 20 * MB


def test_a_zip_bomb_with_lying_sizes_is_refused_in_bounded_time_and_memory(zip_bomb):
    liar = lying(zip_bomb, "xl/worksheets/sheet1.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(liar)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    said, elapsed, peak = measured(lambda: read_workbook(io.BytesIO(liar)))
    assert "damaged or incomplete" in said or "expands to more than 50 MB" in said
    assert elapsed < 2
    assert peak < 20 * MB


def test_a_sheet_that_inflates_past_the_limit_with_no_size_declared_is_stopped_as_it_inflates():
    """Sizes declared as 0 pass the declared check; inflating stops at the limit."""

    def spaces(sheet):
        sheet.write(b'<worksheet xmlns="' + MAIN + b'"><sheetData>')
        for _ in range(60):
            sheet.write(b" " * MB)

    liar = lying(workbook_with_sheet(spaces), "xl/worksheets/sheet1.xml", 0)
    said, elapsed, peak = measured(lambda: read_workbook(io.BytesIO(liar)))
    assert "damaged or incomplete" in said or "expands to more than 50 MB" in said
    assert elapsed < 2
    assert peak < 20 * MB


def test_a_sheet_of_200_000_rows_is_refused_before_openpyxl_reads_it():
    started = time.monotonic()
    content = workbook_with_sheet(rows_sheet(200_000))
    made = time.monotonic() - started
    said, elapsed, peak = measured(lambda: read_workbook(io.BytesIO(content)))
    assert said.startswith("A sheet of the workbook has more than 10,000 rows")
    assert "saved as CSV (which takes up to 60,000 rows), or split into files of at most 10,000 rows" in said
    assert elapsed < 0.5, f"made in {made:.1f} s, refused in {elapsed:.1f} s"
    assert peak < 30 * MB


def test_rows_that_a_byte_scan_cannot_see_are_counted_as_openpyxl_reads_them():
    # "<x:row\t" is XML that neither "<row" nor ":row " finds: openpyxl's count stops it, naming the sheet.
    content = workbook_with_sheet(rows_sheet(limits.MAX_SHEET_ROWS + 5, row="row\t", cell="c\t", prefix="x"))
    said, elapsed, _ = measured(lambda: read_workbook(io.BytesIO(content)))
    assert said.startswith("Sheet “Entries” has more than 10,000 rows")
    assert elapsed < 5


def test_a_sheet_within_the_limits_is_read_whole():
    sheet = read_workbook(io.BytesIO(workbook_with_sheet(rows_sheet(limits.MAX_SHEET_ROWS))))[0]
    assert sheet.title == "Entries"
    assert len(sheet.rows()) == limits.MAX_SHEET_ROWS
    assert sheet.row(limits.MAX_SHEET_ROWS) == {1: str(limits.MAX_SHEET_ROWS), 2: "1"}


def test_a_workbook_of_more_cells_than_the_limit_is_refused():
    def wide(sheet):
        sheet.write(b'<worksheet xmlns="' + MAIN + b'"><sheetData>')
        for n in range(1, 9_001):  # 9,000 rows of 12 cells: within the rows, past the cells
            cells = "".join(f'<c r="{column}{n}"><v>1</v></c>' for column in "ABCDEFGHIJKL")
            sheet.write(f'<row r="{n}">{cells}</row>'.encode())
        sheet.write(b"</sheetData></worksheet>")

    said, elapsed, _ = measured(lambda: read_workbook(io.BytesIO(workbook_with_sheet(wide))))
    assert said.startswith("The workbook holds more than 100,000 cells")
    assert elapsed < 1


def test_cells_padded_out_by_openpyxl_count_towards_the_limit():
    # Seven rows each with one cell in Excel's last column: openpyxl pads each to 16,384 values.
    def far_right(sheet):
        sheet.write(b'<worksheet xmlns="' + MAIN + b'"><sheetData>')
        for n in range(1, 8):
            sheet.write(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'.encode())
        sheet.write(b"</sheetData></worksheet>")

    said, elapsed, _ = measured(lambda: read_workbook(io.BytesIO(workbook_with_sheet(far_right))))
    assert said.startswith("The workbook holds more than 100,000 cells")
    assert elapsed < 2


def test_a_lead_s_zip_bomb_and_200_000_rows_are_refused_at_upload_and_deleted(world, media_root, zip_bomb):
    client = signed_in(world.users.lead)
    url = reverse("stocktake:return_upload", args=[world.rounds.open.slug, "knowsley"])
    before = Entry.objects.count()
    for content, message in (
        (zip_bomb, "expands to more than 50 MB"),
        (workbook_with_sheet(rows_sheet(200_000)), "more than 10,000 rows"),
    ):
        started = time.monotonic()
        response = post_file(client, url, "workbook", "return.xlsx", content)
        assert time.monotonic() - started < 3
        assert message in error_beside(response, "id_workbook")
        assert files_under(media_root) == []
    assert Entry.objects.count() == before


def test_the_admin_s_entry_import_refuses_200_000_rows_and_keeps_nothing(world, media_root):
    admin = signed_in(world.users.superuser)
    content = workbook_with_sheet(rows_sheet(200_000))
    started = time.monotonic()
    response = post_file(admin, reverse("admin:stocktake_entry_import"), "entries_file", "entries.xlsx", content)
    assert time.monotonic() - started < 3
    assert "more than 10,000 rows" in error_beside(response, "id_entries_file")
    assert files_under(media_root) == []
    assert not admin.session.get(uploads.ENTRY_FILES_KEY)
