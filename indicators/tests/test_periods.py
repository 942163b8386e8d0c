"""Periods as publishers write them: labels kept, first year and span read, ISO intervals labelled as Fingertips."""

import pytest

from indicators.periods import Period, PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022", Period(2022, 1, "2022", "calendar")),
        ("2020 - 22", Period(2020, 3, "2020 - 22", "calendar")),
        ("2015 -  17", Period(2015, 3, "2015 - 17", "calendar")),
        ("1999 - 01", Period(1999, 3, "1999 - 01", "calendar")),
        ("2021 - 2023", Period(2021, 3, "2021 - 2023", "calendar")),
        ("2020/21", Period(2020, 1, "2020/21", "split")),
        ("1999/00", Period(1999, 1, "1999/00", "split")),
        ("2018/19 - 20/21", Period(2018, 3, "2018/19 - 20/21", "split")),
        ("2022-01-01/P3Y", Period(2022, 3, "2022 - 24", "calendar")),
        ("2023-01-01/P1Y", Period(2023, 1, "2023", "calendar")),
        ("2022-04-01/P1Y", Period(2022, 1, "2022/23", "split")),
        ("2019-09-01/P1Y", Period(2019, 1, "2019/20", "split")),
        ("2018-04-01/P3Y", Period(2018, 3, "2018/19 - 20/21", "split")),
    ],
)
def test_a_period_keeps_its_label_and_reads_its_first_year_and_span(text, expected):
    assert parse_period(text) == expected


def test_a_financial_year_is_never_made_a_calendar_year():
    financial = parse_period("2020/21")
    assert financial.kind == "split" and financial.label == "2020/21" and financial.label != "2020"
    assert parse_period("2020-04-01/P1Y") == financial


def test_periods_sort_by_first_year_then_span():
    periods = [parse_period(text) for text in ("2020 - 22", "2019", "2020", "2018/19")]
    assert [p.label for p in sorted(periods)] == ["2018/19", "2019", "2020", "2020 - 22"]


@pytest.mark.parametrize(
    "text",
    ["", "last year", "2020/22", "2022-03-01/P1Y", "2022-01-01/P0Y", "1066", "2020 - 19xx", "2022-01-01/P3M", "20/21"],
)
def test_anything_else_is_refused_saying_what_a_period_looks_like(text):
    with pytest.raises(PeriodError) as refused:
        parse_period(text)
    assert "“" in str(refused.value)
