import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stocktake import layout
from stocktake.exporter import ExportError, export_stocktake
from stocktake.importer import import_stocktake
from stocktake.models import Entry, Round

from .workbooks import all_cells

ROUND = "ATF Stocktake Oct-Dec 2023"
THEME_BLOCKS = [f"{c}{r}" for r in list(range(5, 13)) + list(range(15, 22)) for c in "BCDEFG"]


@pytest.fixture
def imported(framework, workbook_path):
    import_stocktake(workbook_path, framework=framework)
    return Round.objects.get(name=ROUND)


def test_export_of_import_gives_the_same_text_in_all_90_theme_block_cells(imported, workbook_path, tmp_path):
    output = tmp_path / "out.xlsx"
    call_command("export_stocktake", "--round", ROUND, "--output", str(output))
    source = openpyxl.load_workbook(workbook_path)["Themes"]
    written = openpyxl.load_workbook(output)["Themes"]
    assert len(THEME_BLOCKS) == 90
    for coordinate in THEME_BLOCKS:
        assert layout.collapse_whitespace(written[coordinate].value) == layout.collapse_whitespace(
            source[coordinate].value
        ), coordinate


def test_every_cell_of_every_sheet_comes_back(imported, workbook_path, tmp_path):
    output = tmp_path / "out.xlsx"
    export_stocktake(imported, output)
    source = {k: layout.collapse_whitespace(v) for k, v in all_cells(workbook_path).items()}
    written = {k: layout.collapse_whitespace(v) for k, v in all_cells(output).items()}
    assert written == source


def test_the_export_reimports_as_no_change(imported, tmp_path, framework):
    output = tmp_path / "out.xlsx"
    export_stocktake(imported, output)
    plan = import_stocktake(output, framework=framework)
    assert not plan.has_changes


def test_the_layout_has_wrapped_text_widths_and_frozen_headers(imported, tmp_path):
    output = tmp_path / "out.xlsx"
    export_stocktake(imported, output)
    themes = openpyxl.load_workbook(output)["Themes"]
    assert themes.freeze_panes == "C5"
    assert themes.column_dimensions["G"].width == 90
    assert themes.column_dimensions["B"].width == 60
    assert themes["G5"].alignment.wrap_text
    assert themes["B4"].font.bold


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\t=evil", "\r=evil"])
def test_text_that_looks_like_a_formula_is_written_as_text(imported, tmp_path, framework, text):
    entry = Entry.objects.filter(round=imported, theme__number=7, level="sub_region").get()
    # Stored as it is (saves normalise white space away): the output guard must hold for any text.
    Entry.objects.filter(pk=entry.pk).update(text=text)
    output = tmp_path / "out.xlsx"
    export_stocktake(imported, output)
    written = openpyxl.load_workbook(output)["Themes"]["E11"]
    assert written.data_type == "s"
    assert written.quotePrefix
    # XML turns a carriage return into a line feed; the text is otherwise as entered.
    assert written.value == text.replace("\r", "\n")
    with __import__("zipfile").ZipFile(output) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_a_cell_past_excel_s_limit_stops_the_export_naming_the_cell(imported, tmp_path):
    entry = Entry.objects.filter(round=imported, theme__number=7, level="sub_region").get()
    entry.text = "x" * (layout.MAX_CELL_CHARS + 1)
    entry.save()
    output = tmp_path / "out.xlsx"
    with pytest.raises(ExportError, match="cell E11 would hold 32,768 characters"):
        export_stocktake(imported, output)
    assert not output.exists()
    assert not list(tmp_path.iterdir())


def test_the_command_names_the_rounds_it_knows(imported):
    with pytest.raises(CommandError, match=r"There is no round “Nope”\. Rounds: “ATF Stocktake Oct-Dec 2023”"):
        call_command("export_stocktake", "--round", "Nope", "--output", "/tmp/never.xlsx")


def test_the_command_reports_a_cell_past_the_limit(imported, tmp_path):
    Entry.objects.filter(round=imported, theme__number=7, level="sub_region").update(text="y" * 40000)
    with pytest.raises(CommandError, match="E11"):
        call_command("export_stocktake", "--round", ROUND, "--output", str(tmp_path / "o.xlsx"))
