import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stocktake.flat import FlatImportError, export_flat, import_flat, read_rows
from stocktake.models import Entry


def exported(queryset) -> list[dict]:
    import csv

    stream = io.StringIO()
    export_flat(queryset, stream)
    return list(csv.DictReader(io.StringIO(stream.getvalue())))


def test_an_exported_file_imports_back_as_no_change(world):
    rows = exported(Entry.objects.all())
    result = import_flat(rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)


def test_edited_rows_update_and_blank_ids_create(world):
    rows = exported(Entry.objects.filter(pk=world.entries.knowsley.pk))
    rows[0]["text"] = "Edited in Excel"
    rows.append({**rows[0], "id": "", "text": "A new entry", "position": "1"})
    result = import_flat(rows, user=world.users.lead)
    assert (result.created, result.updated) == (1, 1)
    world.entries.knowsley.refresh_from_db()
    assert world.entries.knowsley.text == "Edited in Excel"
    assert Entry.objects.get(text="A new entry").places.get().slug == "knowsley"


def test_a_file_touching_someone_else_s_entry_changes_nothing(world):
    rows = exported(Entry.objects.filter(pk__in=[world.entries.knowsley.pk, world.entries.halton.pk]))
    for row in rows:
        row["text"] = "Overwritten"
    with pytest.raises(FlatImportError, match=f"entry {world.entries.halton.pk} is not one you may change"):
        import_flat(rows, user=world.users.lead)
    assert not Entry.objects.filter(text="Overwritten").exists()


@pytest.mark.parametrize(
    ("column_place", "refusal"),
    [
        # An ICS-level entry sits in an ICS's column: without one the row is inconsistent ...
        ("", "sits in the column of a place of that kind"),
        # ... and a lead may not report in the ICS's column.
        ("Cheshire and Merseyside", "not a place you may report for"),
    ],
)
def test_a_lead_cannot_create_an_ics_level_entry(world, column_place, refusal):
    rows = exported(Entry.objects.filter(pk=world.entries.knowsley.pk))
    rows[0].update(id="", level="ics", column_place=column_place, text="Planted at ICS level")
    with pytest.raises(FlatImportError, match=refusal):
        import_flat(rows, user=world.users.lead)
    assert not Entry.objects.filter(text="Planted at ICS level").exists()


def test_bad_rows_are_all_reported_with_their_numbers(world):
    rows = [
        {"round": "No such round", "theme": "1", "text": "x"},
        {"round": world.rounds.open.name, "theme": "99", "text": "x"},
        {"round": world.rounds.open.name, "theme": "1", "text": " "},
    ]
    with pytest.raises(FlatImportError) as caught:
        import_flat(rows)
    assert caught.value.errors == [
        "Row 2: “No such round” is not a round you may add entries to.",
        f"Row 3: there is no theme 99 in {world.framework}.",
        "Row 4: the text is empty.",
    ]


def test_formula_like_text_is_made_inert_in_csv_and_restored_on_import(world, tmp_path):
    entry = world.entries.knowsley
    entry.text = '=HYPERLINK("http://evil.example")'
    entry.save()
    path = tmp_path / "entries.csv"
    call_command("export_entries", "--output", str(path))
    assert "'=HYPERLINK" in path.read_text()
    entry.text = "changed"
    entry.save()
    # The file was exported before that change: importing it would write over newer text, so it is refused.
    with pytest.raises(CommandError, match="changed by someone else after this file was exported"):
        call_command("import_entries", str(path))
    entry.refresh_from_db()
    assert entry.text == "changed"
    # As a new entry (no id, no version), the text comes back as it was written, without the apostrophe.
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    header = rows[0]
    (row,) = [r for r in rows[1:] if r[header.index("id")] == str(entry.pk)]
    row[header.index("id")] = row[header.index("version")] = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, row])
    call_command("import_entries", str(path))
    assert Entry.objects.filter(text='=HYPERLINK("http://evil.example")').exclude(pk=entry.pk).exists()


def test_a_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "entries.csv"
    call_command("export_entries", "--output", str(path), "--round", world.rounds.open.name)
    Entry.objects.filter(round=world.rounds.open).update(text="changed")
    call_command("import_entries", str(path), "--dry-run")
    assert set(Entry.objects.filter(round=world.rounds.open).values_list("text", flat=True)) == {"changed"}


def test_the_command_reports_errors_without_a_traceback(world, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_text("id,round,theme,text\n,Nope,1,hello\n")
    with pytest.raises(CommandError, match="Row 2"):
        call_command("import_entries", str(path))


def test_xlsx_files_are_read_too(world, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["id", "round", "theme", "level", "places", "lead_in", "text", "position"])
    book.active.append(["", world.rounds.open.name, 2, "borough", "Knowsley", "Knowsley - ", "From xlsx", 3])
    path = tmp_path / "entries.xlsx"
    book.save(path)
    result = import_flat(read_rows(path), user=world.users.lead)
    assert result.created == 1


def test_a_closed_round_takes_nothing_from_the_command_even_without_a_user(world):
    rows = exported(Entry.objects.filter(pk=world.entries.closed.pk))
    rows[0].update(text="Rewritten after the round closed")
    with pytest.raises(FlatImportError, match="is not one you may change"):
        import_flat(rows)
    rows[0].update(id="")
    with pytest.raises(FlatImportError, match="is closed"):
        import_flat(rows)
    world.entries.closed.refresh_from_db()
    assert world.entries.closed.text == "Sefton 2023 family hub"
    assert not Entry.objects.filter(text="Rewritten after the round closed").exists()
