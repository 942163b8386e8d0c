"""Indicator values read from the layouts they are published in: Fingertips, ONS, and tidy files."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.comparison import Polarity, compare
from indicators.readers import ReadError, read_text, read_values

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "indicators"
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="the public extracts in ../shared are not beside the project"
)

FINGERTIPS_HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
    "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,"
    "Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,{column_23},"
    "Time period Sortable,New data,Compared to goal{range}"
)


def fingertips(rows, *, column_23="Compared to Region value or percentiles", with_range=True):
    header = FINGERTIPS_HEADER.format(column_23=column_23, range=",Time period range" if with_range else "")
    return "\n".join([header, *rows]) + "\n"


def fingertips_row(area="E08000011", name="Knowsley", *, value="58.2", lower="55.1", upper="61.3", **extra):
    cells = {
        "id": "90362",
        "sex": "Female",
        "category_type": "",
        "category": "",
        "period": "2020 - 22",
        "note": "",
        "england": "Worse",
        **extra,
    }
    return (
        f"{cells['id']},Healthy life expectancy at birth,E12000002,North West region,{area},{name},"
        f"Counties & UAs (from Apr 2023),{cells['sex']},All ages,{cells['category_type']},{cells['category']},"
        f"{cells['period']},{value},{lower},{upper},,,,,{cells['note']},,{cells['england']},,20200000,,,3y"
    )


@pytest.mark.parametrize(
    ("column_23", "with_range"),
    [
        ("Compared to Region value or percentiles", True),
        ("Compared to subnational parent value or percentiles", True),
        ("Compared to percentiles", False),
    ],
)
def test_a_fingertips_all_data_file_of_26_or_27_columns_whatever_column_23_is_called(column_23, with_range):
    row = fingertips_row()
    if not with_range:
        row = row.rsplit(",", 1)[0]
    (value,) = read_text(fingertips([row], column_23=column_23, with_range=with_range))
    # "All ages" is the headline series, held as a file with no age column holds it.
    assert (value.area_code, value.area_name, value.sex, value.age) == ("E08000011", "Knowsley", "Female", "")
    assert (value.period.label, value.period.start_year, value.period.years) == ("2020 - 22", 2020, 3)
    assert (value.value, value.lower_95, value.upper_95) == (Decimal("58.2"), Decimal("55.1"), Decimal("61.3"))
    assert value.source_identifier == "Fingertips 90362" and value.source_comparison == "Worse"
    assert value.breakdown == ""


def test_fingertips_breakdown_rows_are_marked_and_suppressed_values_are_missing_not_zero():
    decile = fingertips_row(category_type="County & UA deprivation deciles", category="Most deprived decile")
    suppressed = fingertips_row(value="", lower="", upper="", note="Value suppressed", england="Not compared")
    headline, breakdown, missing = read_text(fingertips([fingertips_row(), decile, suppressed]))
    assert headline.breakdown == "" and breakdown.breakdown == "Most deprived decile"
    assert missing.value is None and missing.lower_95 is None and missing.note == "Value suppressed"
    assert missing.source_comparison == "Not compared"


def test_an_ons_file_with_the_sex_in_the_indicator_s_name_and_iso_periods():
    text = (
        "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"
        "E08000013,St. Helens,Metropolitan District,Male healthy life expectancy,2022-01-01/P3Y,55.7,Years,yrs,"
        "50.7,60.6,,\n"
        "E06000049,Cheshire East,County or Unitary Authority,Modelled unemployment rate,2023-01-01/P1Y,2.7,"
        "Percentage,%,,,,\n"
    )
    hle, unemployment = read_text(text)
    assert (hle.sex, hle.indicator_name, hle.period.label) == ("Male", "Healthy life expectancy", "2022 - 24")
    assert (hle.lower_95, hle.upper_95) == (Decimal("50.7"), Decimal("60.6"))
    assert (unemployment.sex, unemployment.period.label, unemployment.lower_95) == ("Persons", "2023", None)


def test_a_tidy_file_with_its_comparison_and_the_sex_as_inequality():
    text = (
        "area_code,area_name,area_type,period,indicator,measure,unit,value,compared_to_England,inequality\n"
        "E06000049,Cheshire East,UA,2015/16,Percentage of physically active adults,Percentage,Persons,69.6,"
        "Similar,NA\n"
        "E06000049,Cheshire East,UA,2015 - 17,Life expectancy at birth,Life expectancy,Years,80.3,Better,Male\n"
    )
    active, life = read_text(text)
    assert (active.sex, active.period.label, active.period.kind, active.source_comparison) == (
        "Persons",
        "2015/16",
        "split",
        "Similar",
    )
    assert (life.sex, life.value, life.source_comparison) == ("Male", Decimal("80.3"), "Better")


def test_an_older_tidy_layout_with_a_significance_column():
    text = (
        "area_code,area_name,period,value,indicator,measure,unit,significance\n"
        "E06000049,Cheshire East,2011/12,417.6,Self-harm,Rate,Persons,Worse\n"
    )
    (value,) = read_text(text)
    assert value.source_comparison == "Worse" and value.period.label == "2011/12"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "empty or not CSV"),
        ("name,score\nKnowsley,3\n", "the columns are not those of"),
        ("area_code,period,value\nKnowsley,2020,3\n", "row 2: the area code “Knowsley” is not an ONS code"),
        ("area_code,period,value\nE08000011,last year,3\n", "row 2: “last year” is not a period"),
        ("area_code,period,value\nE08000011,2022,=50+5\n", "row 2: the value “=50+5” is a formula: copy the cells"),
        ("area_code,period,value\nE08000011,2022,50\nE08000012,20", "row 3 has 2 of the header's 3 columns"),
        ("area_code,period,value\nE08000011,2020,three\n", "row 2: the value “three” is not a number"),
        ("area_code,period,value\nE08000011,2020,1e400\n", "row 2: the value “1e400” is not a number a publisher"),
        ("area_code,period,value,inequality\nE08000011,2020,3,Other\n", "the sex “Other” is not Female"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole_saying_why(text, said):
    with pytest.raises(ReadError) as refused:
        read_text(text)
    assert str(refused.value).startswith("Nothing was imported: ") and said in str(refused.value)


def test_every_bad_row_is_named():
    rows = "".join(f"E08000011,20{n:02d}x,3\n" for n in range(15))
    with pytest.raises(ReadError) as refused:
        read_text("area_code,period,value\n" + rows)
    assert len(refused.value.problems) == 15 and "and 5 more" in str(refused.value)


def test_a_file_not_in_utf_8_is_refused(tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes("area_code,period,value\nE08000011,2020,3\n".encode("utf-16"))
    with pytest.raises(ReadError, match="not a CSV saved as UTF-8"):
        read_values(path)


@needs_shared
@pytest.mark.parametrize(
    "name",
    [
        "trafford_themes__fingertips_90366_life_expectancy.csv",
        "trafford_themes__fingertips_93014_physically_active_adults.csv",
        "ons_ess__modelled_unemployment_16plus_with_95ci.csv",
        "check/ons_healthy_life_expectancy.csv",
        "check/fingertips_labels_90362.csv",
        "check/fingertips_all_data_90362_constructed.csv",
        "check/fingertips_all_data_90362_26col_constructed.csv",
        "check/self_harm_10_24_2019_layout.csv",
        "check/physically_inactive_adults.csv",
    ],
)
def test_every_row_of_the_public_extracts_is_read(name):
    path = SHARED / name
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = sum(1 for row in csv.reader(handle) if any(row)) - 1
    values = read_values(path)
    assert len(values) == rows
    assert all(value.area_code.startswith("E") for value in values)
    assert {value.sex for value in values} <= {"Female", "Male", "Persons"}


@needs_shared
def test_the_fingertips_layout_s_own_labels_are_what_our_comparison_gives():
    """The Fingertips "all data" layout of the healthy life expectancy figures: each of its labels is ours."""
    values = read_values(SHARED / "check" / "fingertips_all_data_90362_constructed.csv")
    england = {(v.period.label, v.sex): v.value for v in values if v.area_code == "E92000001" and not v.breakdown}
    checked = 0
    for value in values:
        # Where Fingertips gave no comparison ("Not compared": the periods before it compared this one), ours
        # stands alone.
        if value.area_code == "E92000001" or value.source_comparison in ("", "Not compared") or value.breakdown:
            continue
        reference = england[(value.period.label, value.sex)]
        ours = compare(value.value, value.lower_95, value.upper_95, reference, Polarity.HIGH_IS_GOOD)
        assert ours == value.source_comparison, (value.area_name, value.period.label, value.sex)
        checked += 1
    assert checked == 144


def test_reading_is_bounded(monkeypatch):
    from indicators import readers

    monkeypatch.setattr(readers, "MAX_ROWS", 10)
    text = "area_code,period,value\n" + "E08000011,2020,3\n" * 11
    with pytest.raises(ReadError, match="more than 10 rows"):
        read_text(text)
    assert len(read_text(io.StringIO("area_code,period,value\n" + "E08000011,2020,3\n" * 10).getvalue())) == 10
