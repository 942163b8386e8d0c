"""Benchmark: importing indicator values, and building the tartan rug, against their floors.

Run with ``make bench`` (or ``DEBUG=true .venv/bin/python bench/indicators.py``). It
uses its own SQLite database under ``bench/out/indicators.sqlite3`` (or
``$BENCH_DATABASE_URL``, an empty PostgreSQL database), loads the places and the
framework, writes a Fingertips "all data" CSV of 50,000 rows for one indicator
(England, the North West and the ten places of Cheshire and Merseyside, three
sexes, twenty periods, headline and deprivation-decile rows, many ages), then
prints, as medians of ``$BENCH_REPEATS`` runs (3):

- importing it into an empty indicator (``import_file``) against the floor: the
  csv module's parse of the same file plus the database's own insert of the
  same value rows and their history rows (``atf.bulk.insert_rows``: executemany
  on SQLite, COPY on PostgreSQL), with Django's ``bulk_create`` and
  simple-history's bulk helper beside it for reference;
- building the rug on 22 indicators' values for every period, against the floor
  of reading the same value rows from the database.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
os.environ.setdefault("DEBUG", "true")
database = OUT / "indicators.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
if database.exists() and "BENCH_DATABASE_URL" not in os.environ:
    database.unlink()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from atf.bulk import insert_rows  # noqa: E402
from atf.reference import load_reference_data  # noqa: E402
from boroughs.models import Place  # noqa: E402
from indicators.importing import NEW_COLUMNS, import_file  # noqa: E402
from indicators.models import Area, IndicatorValue  # noqa: E402
from indicators.periods import parse_period  # noqa: E402
from indicators.rug import build_rug  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
NOW = timezone.now()
ROWS = 50_000
HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]


class Rollback(Exception):
    pass


def areas() -> list[tuple[str, str]]:
    ours = Place.objects.filter(system__slug="cheshire-and-merseyside", kind__in=["ics", "borough"])
    return [("E92000001", "England"), ("E12000002", "North West")] + [(p.ons_code, p.name) for p in ours]


def write_file(path: Path) -> int:
    places = areas()
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        age = 0
        while rows < ROWS:
            for year in range(2001, 2021):
                for sex in ("Female", "Male", "Persons"):
                    for decile in ["", *(f"Decile {d}" for d in range(1, 11))]:
                        for code, name in places:
                            value = 50 + (year - 2000) * 0.3 + len(name) % 7
                            writer.writerow(
                                [
                                    "90362",
                                    "Healthy life expectancy at birth",
                                    "E12000002",
                                    "North West region",
                                    code,
                                    name,
                                    "Counties & UAs",
                                    sex,
                                    f"{age}-{age + 4} yrs",
                                    "Deprivation deciles" if decile else "",
                                    decile,
                                    f"{year} - {str(year + 2)[-2:]}",
                                    f"{value:.1f}",
                                    f"{value - 2:.1f}",
                                    f"{value + 2:.1f}",
                                    "",
                                    "",
                                    "",
                                    "",
                                    "",
                                    "",
                                    "Similar",
                                    "",
                                    f"{year}0000",
                                    "",
                                    "",
                                    "3y",
                                ]
                            )
                            rows += 1
            age += 5
    return rows


def timed(function, *args, **kwargs) -> tuple[object, float]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def import_once(path, indicator) -> float:
    """Our import into an empty indicator, rolled back afterwards so each run starts alike."""
    elapsed = 0.0
    try:
        with transaction.atomic():
            result, elapsed = timed(import_file, path, indicator)
            assert result.created > 0
            raise Rollback
    except Rollback:
        pass
    return elapsed


def _parsed(path, indicator):
    """The file's rows as the value table's columns, and as the history table's: built outside any timing."""
    by_code = {area.code: area.pk for area in Area.objects.all()}
    values = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            period = parse_period(row[11])
            values.append(
                (indicator.pk, by_code[row[4]], period.label, period.start_year, period.years, period.kind)
                + (row[7], row[8], row[10], "x", Decimal(row[12]), Decimal(row[13]), Decimal(row[14]))
                + (None, None, None, None, "", row[21])
            )
    return values


def csv_parse(path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - started


def insert_floor(path, indicator) -> float:
    """The database's own insert of the same value rows and their history rows, alone (rolled back)."""
    values = _parsed(path, indicator)
    history_rows = [(100_000_000 + n, *row, NOW, "+", None) for n, row in enumerate(values)]
    elapsed = 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            insert_rows(IndicatorValue, NEW_COLUMNS, values)
            insert_rows(
                IndicatorValue.history.model,
                ("id", *NEW_COLUMNS, "history_date", "history_type", "history_user"),
                history_rows,
            )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def orm_once(path, indicator) -> float:
    """For reference: Django's bulk_create of the same rows as models, with simple-history's bulk helper."""
    by_code = {area.code: area for area in Area.objects.all()}
    started = time.perf_counter()
    try:
        with transaction.atomic():
            values = [
                IndicatorValue(
                    indicator=indicator,
                    area=by_code[row[4]],
                    period_label=parse_period(row[11]).label,
                    period_start=parse_period(row[11]).start_year,
                    period_years=3,
                    period_kind="calendar",
                    sex=row[7],
                    age=row[8],
                    breakdown=row[10],
                    value=Decimal(row[12]),
                    lower_95=Decimal(row[13]),
                    upper_95=Decimal(row[14]),
                    source_comparison=row[21],
                )
                for row in list(csv.reader(path.open(newline="", encoding="utf-8")))[1:]
            ]
            bulk_create_with_history(values, IndicatorValue, batch_size=1000)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def rug_values(framework):
    """22 indicators, every area of the rug, twenty periods, three sexes: the rug's data at its fullest."""
    rows = []
    places = {a.code: a for a in Area.objects.all()}
    for indicator in framework.indicators.all():
        for year in range(2001, 2021):
            for sex in ("Female", "Male", "Persons"):
                for _code, area in places.items():
                    rows.append(
                        IndicatorValue(
                            indicator=indicator,
                            area=area,
                            period_label=f"{year}",
                            period_start=year,
                            period_years=1,
                            period_kind="calendar",
                            sex=sex,
                            value=Decimal(50 + year % 7),
                            lower_95=Decimal(49 + year % 7),
                            upper_95=Decimal(51 + year % 7),
                        )
                    )
    IndicatorValue.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def main():
    call_command("migrate", verbosity=0)
    framework, _ = load_reference_data()
    # Areas for our places, as a first import makes them.
    for place in Place.objects.filter(system=framework.system, kind__in=["ics", "borough"]):
        Area.objects.get_or_create(code=place.ons_code, defaults={"name": place.name, "kind": "place", "place": place})
    path = OUT / "fingertips_all_data.csv"
    rows = write_file(path)
    print(f"Indicator values: a Fingertips “all data” file of {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
    indicator = framework.indicators.get(number=2)
    ours = statistics.median(import_once(path, indicator) for _ in range(REPEATS))
    parse = statistics.median(csv_parse(path) for _ in range(REPEATS))
    insert = statistics.median(insert_floor(path, indicator) for _ in range(REPEATS))
    orm = orm_once(path, indicator)
    floor = parse + insert
    print(f"  csv parse:                                     {parse:6.2f} s")
    print(f"  the database's insert of the same rows:        {insert:6.2f} s   (values and history rows)")
    print(f"  floor, parse + insert:                         {floor:6.2f} s")
    print(f"  our import (read, match, plan, write):         {ours:6.2f} s   ({ours / floor:.2f}x the floor)")
    print(f"  Django bulk_create with simple-history:        {orm:6.2f} s   (one run; {orm / ours:.1f}x ours)")

    held = rug_values(framework)
    user = User.objects.create_superuser("bench", password="bench-password-1")  # noqa: S106 (a throwaway database)
    values = IndicatorValue.objects.filter(indicator__framework=framework, breakdown="")
    read = statistics.median(timed(lambda: list(values.values_list()))[1] for _ in range(REPEATS))
    rug = statistics.median(timed(build_rug, user, framework)[1] for _ in range(REPEATS))
    print(f"\nThe tartan rug over {held:,} values (22 indicators, 13 areas, 20 periods, 3 sexes)")
    print(f"  floor (reading the same value rows):           {read:6.2f} s")
    print(f"  building the rug:                              {rug:6.2f} s   ({rug / read:.2f}x the floor)")


if __name__ == "__main__":
    main()
