"""The flat entries file in the admin: a preview field by field, a confirm that writes only what it showed."""

import csv
import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from atf import limits
from jobs.tests.helpers import post_and_follow
from stocktake.flat import MAX_ROWS, STALE_PREVIEW, FlatImportError, export_flat, import_flat
from stocktake.models import Entry


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def exported_rows(queryset, *, version=True) -> tuple[list[str], list[dict]]:
    stream = io.StringIO()
    export_flat(queryset, stream)
    reader = csv.DictReader(io.StringIO(stream.getvalue()))
    header = [name for name in reader.fieldnames if version or name != "version"]
    return header, [{name: row[name] for name in header} for row in reader]


def upload(header, rows, name="entries.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def preview(client, file):
    response = client.post(reverse("admin:stocktake_entry_import"), {"entries_file": file})
    assert response.status_code == 200
    return response


def confirm(client, response, **data):
    """Confirm the preview: the import runs as a background job (run here); the page reached, the job's once done."""
    token = response.context["token"]
    return post_and_follow(client, reverse("admin:stocktake_entry_import_confirm", args=[token]), data)


def test_the_preview_shows_each_change_field_by_field_and_counts_the_rest(world):
    knowsley = world.entries.knowsley
    header, rows = exported_rows(Entry.objects.filter(round=world.rounds.open))
    (row,) = [r for r in rows if r["id"] == str(knowsley.pk)]
    row.update(text="Knowsley draft family hub opened in May", position="4", places="Knowsley;Halton")
    rows.append({**row, "id": "", "version": "", "places": "Knowsley", "text": "A brand new hub"})
    response = preview(signed_in(world.users.reviewer), upload(header, rows))
    page = response.content.decode()
    assert "0 created" not in page and "1 created, 1 updated, 2 unchanged" in page
    (change,) = response.context["result"].changes
    assert change.entry_id == knowsley.pk
    fields = {f.label: f for f in change.fields}
    assert set(fields) == {"Text", "Position", "Places"}
    assert ("added", "opened in May") in fields["Text"].words and ("removed", "hub") not in fields["Text"].words
    assert (fields["Position"].before, fields["Position"].after) == ("0", "4")
    assert (fields["Places"].before, fields["Places"].after) == ("Knowsley", "Knowsley, Halton")
    assert "<ins>" in page and "opened in May" in page
    assert "A brand new hub" in page
    # Unchanged rows are counted, not listed.
    assert "Halton submitted family hub" not in page and "Sefton draft family hub" not in page
    # Nothing is written by a preview.
    knowsley.refresh_from_db()
    assert (knowsley.text, knowsley.version) == ("Knowsley draft family hub", 1)
    assert not Entry.objects.filter(text="A brand new hub").exists()


def test_a_long_preview_lists_the_first_changes_and_counts_the_others(world, monkeypatch):
    from stocktake import flat

    monkeypatch.setattr(flat, "PREVIEW_LIMIT", 1)
    header, rows = exported_rows(Entry.objects.filter(round=world.rounds.open))
    for row in rows:
        row["position"] = "7"
    rows += [{**rows[0], "id": "", "version": "", "text": f"New {n}"} for n in range(3)]
    response = preview(signed_in(world.users.reviewer), upload(header, rows))
    page = response.content.decode()
    assert "2 more changed entries not shown" in page and "2 more new entries not shown" in page


def test_confirming_writes_what_the_preview_showed(world):
    client = signed_in(world.users.lead)
    header, rows = exported_rows(Entry.objects.filter(pk=world.entries.knowsley.pk))
    rows[0]["text"] = "Knowsley family hub, edited"
    done = confirm(client, preview(client, upload(header, rows)))
    assert "0 created, 1 updated, 0 unchanged" in done.content.decode()
    world.entries.knowsley.refresh_from_db()
    assert (world.entries.knowsley.text, world.entries.knowsley.version) == ("Knowsley family hub, edited", 2)
    record = world.entries.knowsley.history.first()
    assert (record.history_type, record.text) == ("~", "Knowsley family hub, edited")
    assert record.history_user == world.users.lead


@pytest.mark.parametrize("what", ["the changed entry", "an entry the file leaves unchanged"])
def test_a_confirm_after_someone_else_changed_an_entry_is_refused(world, what):
    # No version column: only the preview's own record of what it planned against protects the entry.
    header, rows = exported_rows(Entry.objects.filter(round=world.rounds.open), version=False)
    (row,) = [r for r in rows if r["id"] == str(world.entries.knowsley.pk)]
    row["text"] = "Knowsley hub, from the file"
    client = signed_in(world.users.reviewer)
    shown = preview(client, upload(header, rows))
    other = world.entries.knowsley if what == "the changed entry" else world.entries.sefton
    other.refresh_from_db()
    other.text = "Saved meanwhile by someone else"
    other.save()
    done = confirm(client, shown)
    assert STALE_PREVIEW in done.content.decode()
    other.refresh_from_db()
    assert other.text == "Saved meanwhile by someone else"
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text != "Knowsley hub, from the file"


def test_white_space_alone_changes_nothing_and_rows_like_their_entry_are_not_touched(world):
    entry = world.entries.knowsley
    entry.text = "Knowsley draft family hub\n\nOpened in May."
    entry.save()
    entry.refresh_from_db()
    before = (entry.version, entry.updated, entry.history.count())
    _, rows = exported_rows(Entry.objects.filter(pk=entry.pk))
    rows[0]["text"] = "  Knowsley draft  family hub\r\n\r\n\r\nOpened in\u00a0May.  "
    rows[0]["lead_in"] = "Knowsley -"
    assert import_flat(rows, user=world.users.lead).summary() == "0 created, 0 updated, 1 unchanged"
    entry.refresh_from_db()
    assert (entry.version, entry.updated, entry.history.count()) == before
    assert (entry.lead_in, entry.text) == ("Knowsley - ", "Knowsley draft family hub\n\nOpened in May.")
    # A row that changes the position leaves the text as it was stored, not as the file spaced it.
    rows[0]["position"] = "3"
    assert import_flat(rows, user=world.users.lead).updated == 1
    entry.refresh_from_db()
    assert (entry.position, entry.version) == (3, before[0] + 1)
    assert (entry.lead_in, entry.text) == ("Knowsley - ", "Knowsley draft family hub\n\nOpened in May.")


def test_another_tenant_s_session_cannot_confirm_an_upload(world):
    owner = signed_in(world.users.lead)
    header, rows = exported_rows(Entry.objects.filter(pk=world.entries.knowsley.pk))
    rows[0]["text"] = "Knowsley, the lead's own change"
    shown = preview(owner, upload(header, rows))
    for intruder in (world.users.nel_reviewer, world.users.other_lead, world.users.reviewer):
        response = confirm(signed_in(intruder), shown)
        assert "expired or was not yours" in response.content.decode()
        assert "Knowsley draft family hub" not in response.content.decode()
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Knowsley draft family hub"


def test_the_confirm_reads_only_the_file_it_previewed(world):
    """Rows posted with the confirm are not read: only the stored file, planned again as the user."""
    client = signed_in(world.users.lead)
    header, rows = exported_rows(Entry.objects.filter(pk=world.entries.knowsley.pk))
    shown = preview(client, upload(header, [{**rows[0], "text": "Knowsley, as previewed"}]))
    hostile = [{**rows[0], "id": world.entries.sefton.pk, "places": "Sefton", "text": "Taken over"}]
    done = confirm(client, shown, entries_file=upload(header, hostile), rows="Taken over")
    assert "1 updated" in done.content.decode()
    world.entries.sefton.refresh_from_db()
    assert world.entries.sefton.text == "Sefton draft family hub"
    assert Entry.objects.filter(text="Knowsley, as previewed").exists()


def test_an_entry_that_became_another_borough_s_before_the_confirm_is_refused_unquoted(world):
    entry = world.entries.knowsley
    client = signed_in(world.users.lead)
    header, rows = exported_rows(Entry.objects.filter(pk=entry.pk))
    rows[0]["text"] = "Knowsley, the lead's change"
    shown = preview(client, upload(header, rows))
    # A reviewer moves the entry to Sefton, with text of Sefton's own.
    entry.refresh_from_db()
    entry.text = "Sefton's confidential draft"
    entry.lead_in = "Sefton - "
    entry.save()
    entry.places.set([world.places["sefton"]])
    done = confirm(client, shown)
    page = done.content.decode()
    assert "Nothing was imported" in page and "Sefton's confidential draft" not in page
    entry.refresh_from_db()
    assert entry.text == "Sefton's confidential draft"


def test_the_command_as_a_lead_takes_no_row_of_another_tenant(world, tmp_path):
    path = tmp_path / "entries.csv"
    mine, theirs = world.entries.knowsley, world.entries.sefton
    header, rows = exported_rows(Entry.objects.filter(pk__in=[mine.pk, theirs.pk]))
    for row in rows:
        row["text"] = "Rewritten by the command"
    path.write_bytes(upload(header, rows).read())
    with pytest.raises(CommandError, match=f"entry {theirs.pk} is not one you may change") as refused:
        call_command("import_entries", str(path), "--as", "lead-knowsley")
    assert "Sefton draft" not in str(refused.value)
    assert not Entry.objects.filter(text="Rewritten by the command").exists()


def test_a_new_entry_the_lead_could_not_change_once_written_is_refused_by_row(world):
    # Halton's return is submitted: its lead may not add to it. The rule is asked of the row as written.
    rows = [
        {"round": world.rounds.open.name, "theme": "1", "places": "Halton", "lead_in": "Halton - ", "text": "Late"},
        {"round": world.rounds.open.name, "theme": "1", "places": "Halton", "lead_in": "Halton - ", "text": "Later"},
    ]
    count = Entry.objects.count()
    with pytest.raises(FlatImportError) as refused:
        import_flat(rows, user=world.users.other_lead)
    assert [e.split(":")[0] for e in refused.value.errors] == ["Row 2", "Row 3"]
    assert "would be one you may not change" in refused.value.errors[0]
    assert Entry.objects.count() == count


def test_one_row_per_entry(world):
    _, rows = exported_rows(Entry.objects.filter(pk=world.entries.knowsley.pk))
    with pytest.raises(FlatImportError, match="is on row 2 too"):
        import_flat([rows[0], {**rows[0], "text": "Twice"}], user=world.users.lead)


# The row limit ------------------------------------------------------------------


def long_csv(path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write("id,round,theme,level,places,lead_in,text,position\n")
        handle.writelines(",Open round 2025,1,borough,Knowsley,,Row,0\n" for _ in range(rows))


def test_a_200000_row_file_is_refused_as_it_is_read_in_seconds(world, tmp_path):
    path = tmp_path / "long.csv"
    long_csv(path, 200_000)
    count = Entry.objects.count()
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        call_command("import_entries", str(path))
    assert time.monotonic() - started < 10
    assert f"more than {MAX_ROWS:,} rows" in str(refused.value) and "Split it into files" in str(refused.value)
    assert Entry.objects.count() == count


def test_a_200000_row_file_sent_to_the_admin_is_refused_in_seconds(world, tmp_path):
    path = tmp_path / "long.csv"
    long_csv(path, 200_000)
    assert path.stat().st_size < limits.MAX_UPLOAD_BYTES  # the row limit, not the size limit, refuses it
    count = Entry.objects.count()
    started = time.monotonic()
    response = preview(signed_in(world.users.reviewer), SimpleUploadedFile("long.csv", path.read_bytes()))
    assert time.monotonic() - started < 10
    assert limits.entry_file_too_many_rows() in response.content.decode()
    assert Entry.objects.count() == count


def test_a_file_at_the_limit_is_read_whole(world, tmp_path, monkeypatch):
    from stocktake import flat

    monkeypatch.setattr(flat, "MAX_ROWS", 3)
    path = tmp_path / "three.csv"
    long_csv(path, 3)
    call_command("import_entries", str(path), "--dry-run")
    long_csv(path, 4)
    with pytest.raises(CommandError, match="Split it into files"):
        call_command("import_entries", str(path), "--dry-run")


def test_a_200000_row_workbook_is_refused_in_seconds(world, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["id", "round", "theme", "places", "text"])
    small = io.BytesIO()
    book.save(small)
    rows = "".join(
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>Open round 2025</t></is></c><c r="C{n}"><v>1</v></c>'
        f'<c r="E{n}" t="inlineStr"><is><t>Row {n}</t></is></c></row>'
        for n in range(2, 200_002)
    )
    with zipfile.ZipFile(small) as source:
        members = {name: source.read(name) for name in source.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = (sheet.replace("</row>", "</row>" + rows, 1)).encode()
    path = tmp_path / "long.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    count = Entry.objects.count()
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        call_command("import_entries", str(path))
    assert time.monotonic() - started < 10
    # Refused by the workbook limits or the row limit, whichever is reached first; both say to split the file.
    assert "split" in str(refused.value).lower() and "Nothing was" in str(refused.value)
    assert Entry.objects.count() == count


@pytest.mark.parametrize("column", ["id", "theme", "position", "version"])
@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_a_number_python_cannot_take_is_a_row_refused(world, column, value):
    row = {"round": world.rounds.open.name, "theme": "1", "places": "Knowsley", "text": "Numbers", column: value}
    with pytest.raises(FlatImportError, match="Row 2: "):
        import_flat([row], user=world.users.lead)
