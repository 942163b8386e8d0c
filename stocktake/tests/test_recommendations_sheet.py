"""The Recommendations sheet: whatever people write in the template comes back, word for word."""

import pytest

from stocktake import layout
from stocktake.exporter import export_stocktake
from stocktake.importer import import_stocktake
from stocktake.models import RecommendationCell, Round
from stocktake.xlsx import WorkbookError

from .test_import import snapshot
from .workbooks import all_cells, copy_of_real, edit

ROUND = "ATF Stocktake Oct-Dec 2023"
FILLED = {
    ("Recommendations", "C5"): "ICS funding review under way.\n\nA second paragraph.",
    ("Recommendations", "D6"): "LCR CA health equity partnership board.",
    ("Recommendations", "E7"): "Knowsley - leadership programme for managers.\nHalton - the same, from May.",
    ("Recommendations", "F8"): "Coventry's Marmot city co-production work.",
    ("Recommendations", "G9"): "=Ask the ICB finance lead",
    ("Recommendations", "B10"): "6. Extend social value and anchor organisations (our wording)",
}


@pytest.fixture
def filled(framework, tmp_path):
    return edit(copy_of_real(tmp_path), FILLED)


def test_the_2023_template_keeps_nothing_but_its_title(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework)
    assert Round.objects.get().recommendations_title == "ATF Stocktake October 2023"
    # Its headings are the framework's own titles, which the export writes anyway.
    assert not RecommendationCell.objects.exists()


def test_filled_in_cells_are_kept_and_written_back_in_their_places(framework, filled, tmp_path):
    plan = import_stocktake(filled, framework=framework)
    assert plan.recommendation_updates == 6
    cells = {
        (c.system_recommendation.number, c.column, c.column_place_id): c.text for c in RecommendationCell.objects.all()
    }
    assert cells[(1, "activity", framework.system_id)] == FILLED[("Recommendations", "C5")]
    assert cells[(3, "activity", None)].startswith("Knowsley - leadership")
    assert cells[(5, "comments", None)] == "=Ask the ICB finance lead"

    output = tmp_path / "out.xlsx"
    export_stocktake(Round.objects.get(name=ROUND), output)
    source = {k: layout.collapse_whitespace(v) for k, v in all_cells(filled).items()}
    written = {k: layout.collapse_whitespace(v) for k, v in all_cells(output).items()}
    assert written == source
    assert not import_stocktake(output, framework=framework).has_changes


def test_an_edited_sheet_changes_exactly_its_cells(framework, filled):
    import_stocktake(filled, framework=framework)
    edit(filled, {("Recommendations", "G9"): "Asked; reply due in March.", ("Recommendations", "F8"): None})

    plan = import_stocktake(filled, framework=framework)

    assert plan.recommendation_updates == 2
    assert plan.summary() == "0 created, 0 updated, 0 deleted"
    comments = RecommendationCell.objects.get(column="comments")
    assert comments.text == "Asked; reply due in March."
    assert comments.history.count() == 2
    assert not RecommendationCell.objects.filter(column="best_practice").exists()


def test_a_column_another_level_added_is_kept(framework, tmp_path):
    path = edit(
        copy_of_real(tmp_path),
        {
            ("Recommendations", "H4"): "Cheshire and Warrington Activity",
            ("Recommendations", "H5"): "Cheshire and Warrington funding pilot.",
        },
    )
    import_stocktake(path, framework=framework)
    output = tmp_path / "out.xlsx"
    export_stocktake(Round.objects.get(), output)
    written = all_cells(output)
    column = next(
        coordinate[0]
        for (sheet, coordinate), value in written.items()
        if sheet == "Recommendations" and value == "Cheshire and Warrington Activity"
    )
    assert written[("Recommendations", f"{column}5")] == "Cheshire and Warrington funding pilot."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {("Recommendations", "H4"): "Notes"},
            "cell H4: The column header “Notes” is not part of the stocktake layout",
        ),
        ({("Recommendations", "H6"): "a stray note"}, "cell H6: There is text in a column with no header"),
        ({("Recommendations", "B6"): "9. Something new"}, "cell B6: “9. Something new” is not a system recommendation"),
        (
            {("Recommendations", "B6"): None, ("Recommendations", "C6"): "x"},
            "cell B6: This row has text but no system recommendation",
        ),
        ({("Recommendations", "B7"): "2. Strengthen partnership for health equity"}, "cell B7: .* appears twice"),
        ({("Recommendations", "B12"): "Marmot System Recommendations"}, "cell B12: A second"),
    ],
)
def test_a_bad_recommendations_sheet_is_refused_whole(framework, workbook_path, tmp_path, changes, message):
    import_stocktake(workbook_path, framework=framework)
    before = snapshot()
    path = edit(copy_of_real(tmp_path), changes)
    with pytest.raises(WorkbookError, match=f"Sheet “Recommendations”, {message}"):
        import_stocktake(path, framework=framework)
    assert snapshot() == before


def test_a_lead_may_not_change_the_sheet(world, workbook_path, tmp_path):
    import_stocktake(workbook_path, framework=world.framework, round_name="Spring 2026", user=world.users.reviewer)
    path = edit(copy_of_real(tmp_path), {("Recommendations", "E6"): "Knowsley - our partnership board."})
    with pytest.raises(WorkbookError, match=r"not yours to change.*Recommendations"):
        import_stocktake(path, framework=world.framework, round_name="Spring 2026", user=world.users.lead)
    assert not RecommendationCell.objects.exists()


def test_a_sheet_without_its_header_row_is_left_alone_with_a_warning(framework, filled, tmp_path):
    import_stocktake(filled, framework=framework)
    before = snapshot()
    edit(filled, {("Recommendations", "B4"): "Recommendations"})
    plan = import_stocktake(filled, framework=framework)
    assert any("has no “Marmot System Recommendations” header row" in w for w in plan.parsed.warnings)
    assert snapshot() == before


def test_the_command_reports_the_sheet_s_changes(framework, filled, capsys):
    from django.core.management import call_command

    call_command("import_stocktake", str(filled))
    out = capsys.readouterr().out
    assert (
        "222 created, 0 updated, 0 deleted; 15 theme rows changed; 6 cells of the Recommendations sheet changed." in out
    )
    assert str(RecommendationCell.objects.get(column="activity", column_place=None)).endswith("3, Place Level Activity")


def test_the_real_beacon_indicators_sheet_raises_no_warning(framework, workbook_path):
    assert not import_stocktake(workbook_path, framework=framework).parsed.warnings


def test_an_edit_to_the_beacon_indicators_sheet_is_named_in_a_warning(framework, tmp_path):
    path = edit(copy_of_real(tmp_path), {("Beacon Indicators", "C4"): "Our own indicator"})
    plan = import_stocktake(path, framework=framework)
    assert any("“Beacon Indicators” sheet has text that is not in" in w and "(C4)" in w for w in plan.parsed.warnings)
