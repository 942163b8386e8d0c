"""Importing indicator values: matched by ONS code, all or nothing, a re-import changes nothing, revisions kept."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.importing import import_file
from indicators.models import Area, IndicatorValue
from indicators.readers import ReadError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "indicators"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="the public extracts are not beside the project")

TIDY = "area_code,area_name,period,value,compared_to_England,inequality\n"


@pytest.fixture
def hle(framework):
    return framework.indicators.get(number=2)


def write(tmp_path, text, name="values.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_values_are_matched_by_ons_code_and_other_areas_are_named_not_dropped(hle, tmp_path):
    path = write(
        tmp_path,
        TIDY
        + "E08000013,St. Helens,2020 - 22,58.4,Worse,Female\n"
        + "E92000001,England,2020 - 22,63.6,,Female\n"
        + "E08000009,Trafford,2020 - 22,66.0,Similar,Female\n"
        + "E08000009,Trafford,2021 - 23,66.1,Similar,Female\n",
    )
    result = import_file(path, hle)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert result.skipped == {"E08000009": ("Trafford", 2)}
    assert "skipped, as outside the system: Trafford (E08000009, 2 rows)" in result.summary()
    st_helens = IndicatorValue.objects.get(area__code="E08000013")
    assert st_helens.area.place.name == "St Helens" and st_helens.area.kind == Area.Kind.PLACE
    assert (st_helens.period_label, st_helens.period_start, st_helens.period_years) == ("2020 - 22", 2020, 3)
    assert st_helens.value == Decimal("58.4") and st_helens.source_comparison == "Worse"
    assert IndicatorValue.objects.get(area__code="E92000001").area.kind == Area.Kind.COUNTRY


def test_a_re_import_changes_nothing_and_a_revision_keeps_the_earlier_figure_in_history(hle, tmp_path):
    first = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Male\n")
    import_file(first, hle)
    again = import_file(first, hle)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    value = IndicatorValue.objects.get()
    assert value.history.count() == 1

    revised = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,57.4,Worse,Male\n", "revised.csv")
    result = import_file(revised, hle)
    assert (result.created, result.updated) == (0, 1)
    value.refresh_from_db()
    assert value.value == Decimal("57.4") and value.source == "File revised.csv"
    assert [h.value for h in value.history.order_by("history_date")] == [Decimal("57.1"), Decimal("57.4")]


def test_a_suppressed_value_is_held_as_missing_not_zero(hle, tmp_path):
    import_file(write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,,Not compared,Male\n"), hle)
    assert IndicatorValue.objects.get().value is None


def test_a_file_with_a_bad_row_changes_nothing(hle, tmp_path):
    path = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Male\nE08000012,Liverpool,soon,1,,Male\n")
    with pytest.raises(CommandError, match=r"Nothing was imported: row 3: “soon” is not a period"):
        call_command("import_indicator_values", str(path), "--indicator", "2")
    assert not IndicatorValue.objects.exists()


def test_a_dry_run_says_what_would_change_and_saves_nothing(hle, tmp_path, capsys):
    path = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Male\n")
    call_command("import_indicator_values", str(path), "--indicator", "2", "--dry-run")
    assert "Indicator 2: 1 created, 0 revised, 0 unchanged (dry run: nothing was saved)." in capsys.readouterr().out
    assert not IndicatorValue.objects.exists()
    assert not Area.objects.filter(kind=Area.Kind.PLACE).exists()


def test_the_command_names_a_missing_file_or_indicator(hle, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_indicator_values", str(tmp_path / "none.csv"), "--indicator", "2")
    path = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,57.1,Worse,Male\n")
    with pytest.raises(CommandError, match="There is no beacon indicator 99"):
        call_command("import_indicator_values", str(path), "--indicator", "99")


@needs_shared
@pytest.mark.parametrize(
    "name", ["check/fingertips_all_data_90362_constructed.csv", "check/fingertips_all_data_90362_26col_constructed.csv"]
)
def test_the_fingertips_files_arrive_whole_and_a_re_import_changes_nothing(hle, name, capsys):
    path = SHARED / name
    call_command("import_indicator_values", str(path), "--indicator", "2")
    said = capsys.readouterr().out
    held = IndicatorValue.objects.filter(indicator=hle)
    # The nine boroughs, England and the North West, female and male, every period published.
    assert set(held.values_list("area__code", flat=True)) >= {"E92000001", "E12000002", "E08000013", "E06000049"}
    assert held.count() == int(said.split(": ")[1].split(" created")[0])
    if "26col" in name:
        assert "Trafford (E08000009" in said
    call_command("import_indicator_values", str(path), "--indicator", "2")
    assert f"0 created, 0 revised, {held.count()} unchanged" in capsys.readouterr().out


def test_an_area_given_twice_is_taken_once_if_the_rows_agree_and_refused_if_not(hle, tmp_path):
    same = TIDY + "E92000001,England,2020 - 22,63.6,,Female\n" * 2
    assert import_file(write(tmp_path, same), hle).created == 1
    differing = TIDY + "E92000001,England,2021 - 23,63.6,,Female\nE92000001,England,2021 - 23,63.9,,Female\n"
    with pytest.raises(ReadError, match="rows 2 and 3 give England, 2021 - 23, Female different figures"):
        import_file(write(tmp_path, differing, "differing.csv"), hle)
    assert IndicatorValue.objects.count() == 1


# What a file brings, and what it does not ---------------------------------------------------------


def test_a_file_without_intervals_never_blanks_the_intervals_held(hle, tmp_path):
    with_intervals = write(
        tmp_path,
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
        "E08000011,Knowsley,UA,Female healthy life expectancy,2020-01-01/P3Y,55.1,Years,yrs,51.0,59.2,,\n",
        "ons.csv",
    )
    labels = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,55.1,Worse,Female\n", "labels.csv")
    import_file(with_intervals, hle)
    result = import_file(labels, hle)
    assert (result.created, result.updated) == (0, 1)  # the label is new; the intervals stay
    value = IndicatorValue.objects.get(indicator=hle)
    assert (value.lower_95, value.upper_95, value.source_comparison) == (Decimal("51.0"), Decimal("59.2"), "Worse")
    # And the intervals file again changes nothing: it has no label column to blank the label with.
    assert import_file(with_intervals, hle).unchanged == 1


def test_fingertips_all_ages_is_the_headline_series_of_a_file_with_no_age(hle, tmp_path):
    from indicators.tests.test_readers import fingertips, fingertips_row

    ons = write(
        tmp_path,
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
        "E08000011,Knowsley,UA,Female healthy life expectancy,2020-01-01/P3Y,58.2,Years,yrs,55.1,61.3,,\n",
        "ons.csv",
    )
    import_file(ons, hle)
    result = import_file(write(tmp_path, fingertips([fingertips_row()]), "fingertips.csv"), hle)
    assert (result.created, result.updated) == (0, 1)  # the same series; Fingertips adds its label
    assert IndicatorValue.objects.filter(indicator=hle).count() == 1


def test_a_download_of_several_indicators_gives_up_the_rows_of_the_one_chosen(framework, tmp_path):
    from indicators.tests.test_readers import fingertips, fingertips_row

    path = write(
        tmp_path,
        fingertips(
            [
                fingertips_row(),
                fingertips_row(id="90366", value="77.1", lower="76.5", upper="77.7"),
                fingertips_row("E92000001", "England", id="90366", value="79.3", lower="79.2", upper="79.4"),
            ]
        ),
    )
    result = import_file(path, framework.indicators.get(number=2))  # Fingertips 90362
    assert result.created == 1 and set(result.other_indicators) == {"Fingertips 90366"}
    assert "skipped, as other indicators: Fingertips 90366 Healthy life expectancy at birth (2 rows)" in (
        result.summary()
    )
    result = import_file(path, framework.indicators.get(number=1))  # Fingertips 90366
    assert result.created == 2
    # A beacon indicator with no identifier of its publisher cannot tell which rows are its own.
    with pytest.raises(ReadError, match="several indicators"):
        import_file(path, framework.indicators.get(number=3))


def test_a_file_of_another_indicator_is_refused(framework, tmp_path):
    from indicators.tests.test_readers import fingertips, fingertips_row

    path = write(tmp_path, fingertips([fingertips_row()]))  # Fingertips 90362
    with pytest.raises(ReadError, match="indicator 1 is Fingertips 90366"):
        import_file(path, framework.indicators.get(number=1))
    assert not IndicatorValue.objects.exists()
    # One with no identifier of its own takes it.
    assert import_file(path, framework.indicators.get(number=3)).created == 1


def test_without_indicator_the_command_follows_the_file_s_own_identifiers(framework, tmp_path):
    from io import StringIO

    from indicators.tests.test_readers import fingertips, fingertips_row

    path = write(
        tmp_path,
        fingertips(
            [
                fingertips_row(),
                fingertips_row(id="90366", value="77.1", lower="76.5", upper="77.7"),
                fingertips_row(id="93014", value="61.0", lower="58.0", upper="64.0"),
            ]
        ),
    )
    out = StringIO()
    call_command("import_indicator_values", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "Indicator 1: 1 created, 0 revised, 0 unchanged; skipped, as other indicators: "
        "Fingertips 93014 Healthy life expectancy at birth (1 row).",
        "Indicator 2: 1 created, 0 revised, 0 unchanged; skipped, as other indicators: "
        "Fingertips 93014 Healthy life expectancy at birth (1 row).",
    ]
    tidy = write(tmp_path, TIDY + "E08000011,Knowsley,2020 - 22,58.2,Worse,Female\n", "tidy.csv")
    with pytest.raises(CommandError, match="--indicator NUMBER"):
        call_command("import_indicator_values", str(tidy))


def test_each_new_value_has_its_history_row_naming_the_importer(hle, tmp_path, django_user_model):
    from indicators.importing import import_values
    from indicators.readers import read_file

    user = django_user_model.objects.create_user("importer", password="a long enough password")
    path = write(
        tmp_path,
        TIDY + "E08000013,St. Helens,2020 - 22,58.4,Worse,Female\nE92000001,England,2020 - 22,63.6,,Female\n",
    )
    reading = read_file(path)
    import_values(reading.values, hle, source="x", carried=reading.carried, user=user)
    history = IndicatorValue.history.filter(indicator=hle)
    assert history.count() == 2 and {h.history_type for h in history} == {"+"}
    assert {h.history_user for h in history} == {user}
    held = {v.pk: (v.value, v.source_comparison) for v in IndicatorValue.objects.filter(indicator=hle)}
    assert {h.id: (h.value, h.source_comparison) for h in history} == held
