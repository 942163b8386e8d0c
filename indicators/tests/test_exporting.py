"""The indicator values file: one row per value, our comparison with England beside the publisher's."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.importing import import_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "indicators"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="the public extracts are not beside the project")


def exported(tmp_path, *args) -> list[dict]:
    path = tmp_path / "values.csv"
    call_command("export_indicator_values", "--output", str(path), *args)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_each_value_is_a_row_with_our_comparison_and_the_publisher_s(framework, tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(
        "area_code,area_name,period,value,lower_ci_95,upper_ci_95,compared_to_England,inequality\n"
        "E92000001,England,2020 - 22,63.6,63.4,63.8,,Female\n"
        "E08000011,Knowsley,2020 - 22,58.2,55.1,61.3,Worse,Female\n"
        "E08000013,St. Helens,2020 - 22,62.5,60.1,64.9,Better,Female\n"
        "E06000049,Cheshire East,2020 - 22,,,,,Female\n"
    )
    import_file(source, framework.indicators.get(number=2))
    rows = exported(tmp_path, "--indicator", "2")
    by_area = {row["area_code"]: row for row in rows}
    assert list(rows[0])[:12] == [
        "indicator",
        "area_code",
        "area_name",
        "period_label",
        "period_start",
        "period_years",
        "sex",
        "age",
        "breakdown",
        "value",
        "lower_ci_95",
        "upper_ci_95",
    ]
    knowsley = by_area["E08000011"]
    assert (knowsley["indicator"], knowsley["period_label"], knowsley["period_start"], knowsley["period_years"]) == (
        "2",
        "2020 - 22",
        "2020",
        "3",
    )
    assert (knowsley["value"], knowsley["lower_ci_95"], knowsley["upper_ci_95"]) == ("58.2", "55.1", "61.3")
    assert (knowsley["compared_to_england"], knowsley["source_comparison"], knowsley["disagrees"]) == (
        "Worse",
        "Worse",
        "",
    )
    # England's value lies within St Helens' interval: Similar, where the file said Better, flagged.
    st_helens = by_area["E08000013"]
    assert (st_helens["compared_to_england"], st_helens["source_comparison"], st_helens["disagrees"]) == (
        "Similar",
        "Better",
        "yes",
    )
    # A suppressed value is blank, and not compared.
    assert by_area["E06000049"]["value"] == "" and by_area["E06000049"]["compared_to_england"] == "Not compared"
    assert by_area["E92000001"]["compared_to_england"] == "Not compared"  # England against itself
    assert knowsley["compared_by"] == "confidence intervals" and by_area["E92000001"]["compared_by"] == ""
    assert exported(tmp_path, "--indicator", "3") == []


def test_no_value_in_the_file_runs_as_a_formula(framework, tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(
        "area_code,area_name,period,value,compared_to_England,inequality\n"
        'E08000011,Knowsley,2020,-1.5,=HYPERLINK("http://x"),Male\n'
    )
    import_file(source, framework.indicators.get(number=10))
    (row,) = exported(tmp_path)
    assert row["value"] == "-1.5"
    assert row["source_comparison"].startswith("'=")


@needs_shared
def test_our_comparison_never_disagrees_with_fingertips_on_the_public_extracts(framework, tmp_path):
    import_file(SHARED / "check" / "fingertips_all_data_90362_constructed.csv", framework.indicators.get(number=2))
    rows = exported(tmp_path, "--indicator", "2")
    labelled = [row for row in rows if row["source_comparison"] in {"Better", "Similar", "Worse"}]
    assert len(labelled) == 144
    assert [row for row in labelled if row["disagrees"]] == []


def test_where_no_interval_is_published_the_publisher_s_label_is_ours_and_said_to_be(framework, tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(
        "area_code,area_name,period,value,compared_to_England,inequality\n"
        "E92000001,England,2020 - 22,82.8,,Female\n"
        "E08000011,Knowsley,2020 - 22,80.1,Worse,Female\n"
        "E08000012,Liverpool,2020 - 22,80.3,,Female\n"
        "E08000013,St. Helens,2020 - 22,,Worse,Female\n"
    )
    import_file(source, framework.indicators.get(number=1))
    by_area = {row["area_code"]: row for row in exported(tmp_path)}
    knowsley = by_area["E08000011"]
    assert (knowsley["compared_to_england"], knowsley["compared_by"], knowsley["disagrees"]) == (
        "Worse",
        "publisher",
        "",
    )
    # No interval and no label: not compared. No value: not compared, whatever the label.
    assert by_area["E08000012"]["compared_to_england"] == "Not compared"
    assert by_area["E08000013"]["compared_to_england"] == "Not compared"


PUBLIC_FILES = [
    ("check/fingertips_all_data_90362_constructed.csv", 2),
    ("check/fingertips_all_data_90362_26col_constructed.csv", 2),
    ("check/fingertips_labels_90362.csv", 2),
    ("check/physically_inactive_adults.csv", 18),
    ("check/self_harm_10_24_2019_layout.csv", 7),
    ("trafford_themes__fingertips_90366_life_expectancy.csv", 1),
    ("trafford_themes__fingertips_93014_physically_active_adults.csv", 18),
    ("ons_ess__modelled_unemployment_16plus_with_95ci.csv", 10),
    ("check/ons_healthy_life_expectancy.csv", 2),
]


@needs_shared
@pytest.mark.parametrize(("name", "number"), PUBLIC_FILES)
def test_every_public_value_arrives_and_our_comparison_is_the_publisher_s_wherever_it_gives_one(
    framework, tmp_path, name, number
):
    from indicators.models import IndicatorValue
    from indicators.readers import read_values

    read = read_values(SHARED / name)
    result = import_file(SHARED / name, framework.indicators.get(number=number))
    # Every value of an area in the system arrives (England given twice counts once); the rest are named.
    kept = {(v.area_code, v.period.label, v.sex, v.age, v.breakdown) for v in read if v.area_code not in result.skipped}
    held = IndicatorValue.objects.filter(indicator__number=number, indicator__framework=framework)
    assert held.count() == len(kept) == result.created
    assert all(code != "E92000001" for code in result.skipped)
    rows = exported(tmp_path, "--indicator", str(number))
    assert len(rows) == held.count()
    labelled = [row for row in rows if row["source_comparison"] in {"Better", "Similar", "Worse"}]
    assert [row for row in labelled if row["compared_to_england"] != row["source_comparison"]] == []
    assert {row["compared_to_england"] for row in rows} <= {"Better", "Similar", "Worse", "Not compared"}
