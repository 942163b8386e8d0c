import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stocktake.importer import apply_plan, import_stocktake, plan_import, read_stocktake
from stocktake.models import Entry, RecommendationCell, Round, Row
from stocktake.xlsx import WorkbookError

from .workbooks import cell, copy_of_real, edit, rearranged

ROUND = "ATF Stocktake Oct-Dec 2023"


def snapshot():
    """Everything the import writes, in a comparable form."""
    entries = sorted(
        (
            e.round.name,
            e.theme_id or 0,
            e.system_recommendation_id or 0,
            e.column_place_id or 0,
            e.level,
            e.position,
            e.lead_in,
            e.text,
            tuple(sorted(p.slug for p in e.places.all())),
        )
        for e in Entry.objects.select_related("round").prefetch_related("places")
    )
    rows = sorted(
        (r.round.name, r.theme_id or 0, r.system_recommendation_id or 0, r.heading_text, r.indicators_text)
        for r in Row.objects.select_related("round")
    )
    rounds = sorted(Round.objects.values_list("name", "status"))
    recommendation_cells = sorted(
        RecommendationCell.objects.values_list(
            "round__name", "system_recommendation_id", "column", "column_place_id", "text"
        ),
        key=str,
    )
    return rounds, rows, entries, recommendation_cells


def test_it_creates_the_round_from_the_title_cell(framework, workbook_path):
    plan = import_stocktake(workbook_path, framework=framework)
    round_ = Round.objects.get()
    assert round_.name == ROUND and round_.title == ROUND
    assert round_.recommendations_title == "ATF Stocktake October 2023"
    assert plan.created == Entry.objects.count() > 200
    assert Row.objects.filter(round=round_).count() == 15


def test_it_splits_the_borough_cell_into_entries_by_place(framework, workbook_path, places):
    import_stocktake(workbook_path, framework=framework)
    theme_one = Entry.objects.filter(theme__number=1, level="borough").order_by("position")
    first = theme_one[0]
    assert first.lead_in == "Sefton - "
    assert first.text.startswith("created a child poverty strategy")
    assert [p.slug for p in first.places.all()] == ["sefton"]
    knowsley = theme_one.filter(places=places["knowsley"])
    assert knowsley.count() == 2
    # Lines after a place's paragraph continue its entry.
    wirral = theme_one.get(places=places["wirral"])
    assert "Cradle to Career (C2C) programme well-established in North Birkenhead" in wirral.text
    # "SMBC's ..." continues the Sefton entry above rather than starting one.
    assert "SMBC'spreviously successful ACE's forum" in theme_one[1].text


def test_an_entry_can_name_several_places_or_all_of_them(framework, workbook_path, places):
    import_stocktake(workbook_path, framework=framework)
    pair = Entry.objects.get(lead_in="Liverpool & Knowsley - ")
    assert {p.slug for p in pair.places.all()} == {"liverpool", "knowsley"}
    trio = Entry.objects.get(lead_in="Halton, Liverpool and Knowsley ")
    assert {p.slug for p in trio.places.all()} == {"halton", "liverpool", "knowsley"}
    everyone = Entry.objects.get(theme__number=6, lead_in="All 9 places ")
    assert everyone.places.count() == 9


def test_a_paragraph_before_any_place_is_an_entry_with_no_place(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework)
    entry = Entry.objects.get(system_recommendation__number=1, level="borough")
    assert entry.places.count() == 0 and entry.lead_in == ""
    assert entry.text.startswith("Baseline needs to be agreed at a C&M level")


def test_level_columns_hold_their_place_s_paragraphs(framework, workbook_path, places):
    import_stocktake(workbook_path, framework=framework)
    entries = Entry.objects.filter(theme__number=1, column_place=places["cheshire-and-merseyside"])
    assert entries.count() == 2
    assert all(e.level == "ics" for e in entries)
    assert entries.order_by("position")[1].text.startswith("Working with Barnardo's on a CYP Health Equity")
    assert Entry.objects.filter(level="sub_region").exists() and Entry.objects.filter(level="combined_authority")


def test_importing_the_same_file_again_changes_nothing(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework)
    before = snapshot()
    plan = import_stocktake(workbook_path, framework=framework)
    assert (plan.created, plan.updated, plan.deleted) == (0, 0, 0)
    assert not plan.has_changes
    assert snapshot() == before


def test_the_command_says_when_nothing_changed(framework, workbook_path, capsys):
    call_command("import_stocktake", str(workbook_path))
    call_command("import_stocktake", str(workbook_path))
    assert "0 created, 0 updated, 0 deleted" in capsys.readouterr().out


def test_an_edited_workbook_applies_exactly_its_changes(framework, tmp_path, places):
    path = copy_of_real(tmp_path)
    import_stocktake(path, framework=framework)
    text = Entry.objects.get(theme__number=1, lead_in="St Helens - ").full_text
    g5 = __import__("openpyxl").load_workbook(path)["Themes"]["G5"].value
    edited = g5.replace(text, "St Helens - launched its second best start family hub.")
    edited = edited.replace(
        "Knowsley - all Children's Social care staff have received trauma informed practice training, "
        "funded by Public Health\n",
        "",
    )
    edited += "\n\nHalton - a new parenting programme started in January."
    edit(path, {("Themes", "G5"): edited})
    before = Entry.objects.count()

    plan = import_stocktake(path, framework=framework)

    assert (plan.created, plan.updated, plan.deleted) == (1, 1, 1)
    assert Entry.objects.count() == before
    assert Entry.objects.get(theme__number=1, lead_in="St Helens - ").text == (
        "launched its second best start family hub."
    )
    assert not Entry.objects.filter(text__startswith="all Children's Social care staff").exists()
    new = Entry.objects.get(text="a new parenting programme started in January.")
    assert [p.slug for p in new.places.all()] == ["halton"]
    assert list(new.history.values_list("history_type", flat=True)) == ["+"]
    assert plan.changes and {c.kind for c in plan.changes} == {"created", "updated", "deleted"}
    # The re-import is now a no-op again.
    again = import_stocktake(path, framework=framework)
    assert not again.has_changes


def test_entries_a_later_import_creates_have_history_naming_the_importer(framework, tmp_path, django_user_model):
    path = copy_of_real(tmp_path)
    import_stocktake(path, framework=framework)
    edit(path, {("Themes", "G5"): cell(path, "Themes", "G5") + "\n\nHalton - a new parenting programme."})
    importer = django_user_model.objects.create_superuser("importer", password="a long enough password")

    import_stocktake(path, framework=framework, user=importer)

    new = Entry.objects.get(text="a new parenting programme.")
    record = new.history.get()
    assert (record.history_type, record.history_user, record.lead_in, record.text) == (
        "+",
        importer,
        "Halton - ",
        "a new parenting programme.",
    )
    assert (record.round_id, record.theme_id, record.position, record.created) == (
        new.round_id,
        new.theme_id,
        new.position,
        new.created,
    )


def test_an_entry_added_between_plan_and_apply_is_kept_beside_the_import(framework, tmp_path):
    path = copy_of_real(tmp_path)
    import_stocktake(path, framework=framework)
    edit(path, {("Themes", "G5"): cell(path, "Themes", "G5") + "\n\nHalton - a new parenting programme."})
    parsed = read_stocktake(path, framework)
    plan = plan_import(parsed, framework)
    ((key, position, _),) = plan._creates
    # Someone else adds an entry to the same cell, at the same position, before the plan is applied.
    meanwhile = Entry.objects.create(
        round=Round.objects.get(), theme_id=key[0], level="borough", text="added meanwhile", position=position
    )

    apply_plan(plan, framework)

    assert Entry.objects.filter(pk=meanwhile.pk, text="added meanwhile").exists()
    created = Entry.objects.get(text="a new parenting programme.")
    assert list(created.places.values_list("name", flat=True)) == ["Halton"]
    assert not meanwhile.places.exists()


def test_an_entry_changed_between_plan_and_apply_is_refused_whole(framework, tmp_path):
    path = copy_of_real(tmp_path)
    import_stocktake(path, framework=framework)
    text = cell(path, "Themes", "G5")
    edit(path, {("Themes", "G5"): text.replace("Knowsley - ", "Knowsley - Changed in the file: ", 1)})
    plan = plan_import(read_stocktake(path, framework), framework)
    ((entry, _, _),) = plan._updates
    # Someone else saves the same entry from a form before the plan is applied.
    fresh = Entry.objects.get(pk=entry.pk)
    fresh.text = "changed on the pages meanwhile"
    fresh.save()
    before = snapshot()

    with pytest.raises(WorkbookError, match="Someone else changed the round's entries"):
        apply_plan(plan, framework)

    assert snapshot() == before


def test_a_later_round_leaves_earlier_rounds_untouched(framework, tmp_path):
    path = copy_of_real(tmp_path)
    import_stocktake(path, framework=framework)
    before = snapshot()
    edit(path, {("Themes", "B2"): "ATF Stocktake Oct-Dec 2024", ("Themes", "G5"): "Knowsley - a second hub."})
    plan = import_stocktake(path, framework=framework)
    assert not plan.round_exists
    assert Round.objects.count() == 2
    entries = snapshot()[2]
    assert [e for e in entries if e[0] == ROUND] == before[2]
    assert Entry.objects.filter(round__name="ATF Stocktake Oct-Dec 2024", theme__number=1, level="borough").count() == 1


def test_round_name_can_be_given(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework, round_name="Spring 2024")
    assert Round.objects.get().name == "Spring 2024"


def test_a_dry_run_reports_and_writes_nothing(framework, workbook_path, capsys):
    call_command("import_stocktake", str(workbook_path), "--dry-run")
    out = capsys.readouterr().out
    assert "Would import “ATF Stocktake Oct-Dec 2023” (a new round)" in out
    assert "Dry run: nothing was written." in out
    assert Round.objects.count() == 0 and Entry.objects.count() == 0


@pytest.mark.parametrize(
    "order",
    [
        ["G", "F", "E", "D", "C", "B"],
        ["B", "G", "D", "C", "F", "E"],
    ],
)
def test_columns_in_another_order_and_shifted_data_import_the_same(framework, tmp_path, workbook_path, order):
    import_stocktake(workbook_path, framework=framework, round_name="original")
    original = [e[1:] for e in snapshot()[2]]
    Entry.objects.all().delete()
    Row.objects.all().delete()
    Round.objects.all().delete()

    import_stocktake(
        rearranged(tmp_path, order, row_offset=3, column_offset=2), framework=framework, round_name="original"
    )
    assert [e[1:] for e in snapshot()[2]] == original


def test_place_level_activity_means_the_borough_column(framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "G4"): "place level  ACTIVITY"})
    import_stocktake(path, framework=framework)
    assert Entry.objects.filter(theme__number=1, level="borough").count() > 10


def test_blank_rows_and_other_sheets_are_ignored(framework, tmp_path):
    path = copy_of_real(tmp_path)
    book = __import__("openpyxl").load_workbook(path)
    book["Themes"].insert_rows(8, amount=2)
    book.create_sheet("Scratch")["A1"] = "Knowsley - not part of the stocktake"
    book.save(path)
    import_stocktake(path, framework=framework)
    assert not Entry.objects.filter(text__contains="not part of the stocktake").exists()
    assert Row.objects.count() == 15


def test_a_formula_in_a_cell_is_kept_as_its_text(framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Themes", "G5"): '=HYPERLINK("http://evil.example","Knowsley")'})
    import_stocktake(path, framework=framework)
    entry = Entry.objects.get(theme__number=1, level="borough")
    assert entry.text == '=HYPERLINK("http://evil.example","Knowsley")'


def test_the_command_refuses_an_unknown_framework(framework, workbook_path):
    with pytest.raises(CommandError, match="no framework"):
        call_command("import_stocktake", str(workbook_path), "--framework", "nope")


@pytest.fixture
def empty_database(db):
    """A database straight after migrate: no places, no framework."""
    from atf.models import BeaconIndicator, Framework, Pillar, Recommendation, SystemRecommendation, Theme
    from boroughs.models import Place, PlaceAlias

    for model in (BeaconIndicator, Recommendation, Pillar, SystemRecommendation, Theme, Framework, PlaceAlias):
        model.objects.all().delete()
    # Places point at their parent and at their own system (an ICS at itself): delete them in one statement.
    Place.objects.all()._raw_delete(Place.objects.db)
    assert not Place.objects.exists()


def test_a_fresh_database_takes_its_first_workbook(empty_database, workbook_path, capsys):
    call_command("import_stocktake", str(workbook_path))
    out = capsys.readouterr().out
    assert "The database had no framework yet: loaded 18 places, 8 themes" in out
    assert "222 created" in out
    assert Round.objects.get().entries.count() == 222


@pytest.mark.parametrize("how", ["dry run", "bad file"])
def test_a_fresh_database_is_left_empty_by_a_dry_run_or_a_bad_file(empty_database, workbook_path, tmp_path, how):
    from boroughs.models import Place

    if how == "dry run":
        call_command("import_stocktake", str(workbook_path), "--dry-run")
    else:
        bad = tmp_path / "bad.xlsx"
        bad.write_text("not a workbook")
        with pytest.raises(CommandError, match="not an Excel workbook"):
            call_command("import_stocktake", str(bad))
    assert not Place.objects.exists()
    assert not Round.objects.exists()
