"""The comparison with England, as Fingertips makes it by default, table-driven and against its own labels."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.comparison import Comparison, Polarity, compare
from indicators.periods import parse_period

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "indicators" / "check"
BETTER, SIMILAR, WORSE, NOT_COMPARED = Comparison


@pytest.mark.parametrize(
    ("value", "lower", "upper", "england", "polarity", "expected"),
    [
        # England within the area's interval, edges included: Similar whatever the polarity.
        (80, 79, 81, 80.5, Polarity.HIGH_IS_GOOD, SIMILAR),
        (80, 79, 81, 79, Polarity.LOW_IS_GOOD, SIMILAR),
        (80, 79, 81, 81, Polarity.HIGH_IS_GOOD, SIMILAR),
        # The whole interval above England's value.
        (82, 81.5, 82.5, 80, Polarity.HIGH_IS_GOOD, BETTER),
        (82, 81.5, 82.5, 80, Polarity.LOW_IS_GOOD, WORSE),
        # The whole interval below it.
        (78, 77, 79, 80, Polarity.HIGH_IS_GOOD, WORSE),
        (78, 77, 79, 80, Polarity.LOW_IS_GOOD, BETTER),
        # No polarity, or something missing: not compared, never guessed.
        (82, 81.5, 82.5, 80, Polarity.NOT_APPLICABLE, NOT_COMPARED),
        (82, 81.5, 82.5, 80, "", NOT_COMPARED),
        (82, None, None, 80, Polarity.HIGH_IS_GOOD, NOT_COMPARED),
        (82, 81, None, 80, Polarity.HIGH_IS_GOOD, NOT_COMPARED),
        (None, None, None, 80, Polarity.HIGH_IS_GOOD, NOT_COMPARED),
        (82, 81.5, 82.5, None, Polarity.HIGH_IS_GOOD, NOT_COMPARED),
        (Decimal("64.5"), Decimal("61.2"), Decimal("67.9"), Decimal("61.5"), "high is good", SIMILAR),
    ],
)
def test_the_comparison_rule(value, lower, upper, england, polarity, expected):
    assert compare(value, lower, upper, england, polarity) is expected


@pytest.mark.skipif(not SHARED.exists(), reason="the public extracts in ../shared are not beside the project")
def test_our_comparison_equals_fingertips_own_label_for_healthy_life_expectancy():
    """ONS's healthy life expectancy with its intervals, compared with England's, against Fingertips 90362's labels."""

    def number(text):
        return Decimal(text) if text else None

    values = {}
    with open(SHARED / "ons_healthy_life_expectancy.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            sex = "Male" if row["indicator"].startswith("Male") else "Female"
            key = (row["areacd"], parse_period(row["period"]).label, sex)
            values[key] = (number(row["observation"]), number(row["lci_95"]), number(row["uci_95"]))
    compared = 0
    with open(SHARED / "fingertips_labels_90362.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["area_code"] == "E92000001":
                continue  # England, the reference itself
            value, lower, upper = values[(row["area_code"], row["period"], row["inequality"])]
            england = values[("E92000001", row["period"], row["inequality"])][0]
            ours = compare(value, lower, upper, england, Polarity.HIGH_IS_GOOD)
            assert ours == row["compared_to_England"], (row["area_name"], row["period"], row["inequality"])
            compared += 1
    assert compared == 144


def test_an_indicator_s_polarity_is_one_the_comparison_takes():
    from atf.models import BeaconIndicator

    assert {Polarity(value) for value in BeaconIndicator.Polarity.values} == set(Polarity)


def test_the_framework_s_indicators_carry_what_comparison_needs_where_it_is_known(framework):
    indicators = {i.number: i for i in framework.indicators.all()}
    life, healthy = indicators[1], indicators[2]
    assert (life.polarity, life.unit, life.source_identifier) == ("high is good", "years", "Fingertips 90366")
    assert (healthy.polarity, healthy.source_identifier) == ("high is good", "Fingertips 90362")
    assert indicators[10].polarity == "low is good"
    # Permanent and non-permanent employment: its own words do not say which way is better; left blank.
    assert indicators[11].polarity == ""
    assert all(i.polarity in {"", *Polarity} for i in indicators.values())
