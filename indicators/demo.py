"""The demo's indicator figures: a small fixture of published values, in the project's own format.

``fixtures/demo_values.csv`` holds a few periods of four beacon indicators
for the nine boroughs, England and (where published) the North West: life
expectancy (1) and physically active adults (18) as OHID Fingertips gives
them, with its own comparison with England; healthy life expectancy (2) and
modelled unemployment (10, ages 16 and over: a proxy for the beacon's 16-64)
as the ONS gives them, with 95% intervals. The figures are Crown copyright,
published under the Open Government Licence v3.0; each value keeps its
publisher in ``source``, and the pages showing it say so.

Its columns are the export's (``indicators.exporting``) with a ``source``:
indicator, area_code, area_name, period_label, sex, value, lower_ci_95,
upper_ci_95, source_comparison, source. Loading goes through the importer,
so it is idempotent: a second load changes nothing.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from atf.models import Framework

from .importing import import_values
from .periods import parse_period
from .readers import PublishedValue, _number

FIXTURE = Path(__file__).parent / "fixtures" / "demo_values.csv"


def load_demo_values(framework: Framework) -> int:
    """Load the fixture into ``framework``'s indicators; the number of values created or revised."""
    batches: dict[tuple[int, str], list[PublishedValue]] = defaultdict(list)
    with FIXTURE.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            batches[int(row["indicator"]), row["source"]].append(
                PublishedValue(
                    row=number,
                    area_code=row["area_code"],
                    area_name=row["area_name"],
                    indicator_name="",
                    source_identifier="",
                    period=parse_period(row["period_label"]),
                    sex=row["sex"],
                    age="",
                    value=_number(row["value"], "value"),
                    lower_95=_number(row["lower_ci_95"], "lower 95% limit"),
                    upper_95=_number(row["upper_ci_95"], "upper 95% limit"),
                    source_comparison=row["source_comparison"],
                )
            )
    indicators = {indicator.number: indicator for indicator in framework.indicators.all()}
    changed = 0
    for (number, source), values in sorted(batches.items()):
        result = import_values(values, indicators[number], source=source)
        changed += result.created + result.updated
    return changed
