"""Benchmark: the stocktake workbook and the flat entries file, at scale, in one run.

Run with ``make bench`` (or ``DEBUG=true .venv/bin/python bench/workbook.py``).
It uses its own SQLite database under ``bench/out/bench.sqlite3`` (or
``$BENCH_DATABASE_URL``, e.g. an empty PostgreSQL database), builds a
synthetic system of 40 sub-regions and 200 boroughs, writes a workbook in the
ICS's layout at least 50 times the size of the real one, and a flat file of
50,000 entries, then prints:

- the openpyxl read-only parse time of the workbook (the floor), the time the
  database takes to insert the same entries and links with nothing else
  (executemany on SQLite, COPY on PostgreSQL), and our import time;
- openpyxl's write-only time for the same cells (the floor) and our export time;
- the csv parse time of the flat file, the database's own insert of the rows
  our flat import writes (the entries, their place links and their history
  rows, already in the database's form, by executemany or COPY), our flat
  import time against the two together, and its peak memory growth;
- django-import-export's default import of the same file (skipped with
  ``BENCH_SKIP_LIBRARY=1``).

Workbook timings are medians of ``$BENCH_REPEATS`` runs (5); the flat-file
timings are single runs (the library's default import takes minutes).
"""

from __future__ import annotations

import csv
import gc
import os
import random
import re
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atf.settings")
os.environ.setdefault("DEBUG", "true")
database = OUT / "bench.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
if database.exists() and "BENCH_DATABASE_URL" not in os.environ:
    database.unlink()

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from entry_resource import EntryResource  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402

from atf.loader import DEMO_WORKBOOK, load_framework  # noqa: E402
from atf.models import Membership, Role  # noqa: E402
from boroughs.demo import load_places  # noqa: E402
from boroughs.models import Place  # noqa: E402
from stocktake.exporter import cell_texts, write_workbook  # noqa: E402
from stocktake.flat import COLUMNS, import_flat, read_rows  # noqa: E402
from stocktake.importer import import_stocktake  # noqa: E402
from stocktake.models import Entry, Round  # noqa: E402

SUB_REGIONS = 40
BOROUGHS_PER_SUB_REGION = 5
FLAT_ROWS = int(os.environ.get("BENCH_FLAT_ROWS", "50000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
random.seed(2023)
WORDS = [
    "family",
    "hub",
    "opened",
    "in",
    "the",
    "most",
    "deprived",
    "wards",
    "with",
    "partners",
    "from",
    "NHS",
    "council",
    "and",
    "VCFSE",
    "sector",
    "to",
    "support",
    "children",
    "young",
    "people",
    "carers",
    "through",
    "early",
    "help",
    "parenting",
    "programmes",
    "outreach",
    "including",
    "fuel",
    "poverty",
    "advice",
    "warm",
    "homes",
    "grants",
    "active",
    "travel",
    "social",
    "prescribing",
]


def sentence(length: int) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(random.choice(WORDS))
    return " ".join(words).capitalize() + "."


def timed(label, function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    return value, elapsed


def median_of(function, *args, **kwargs) -> float:
    """The median of REPEATS timings: one sample on a shared machine says little."""
    return statistics.median(timed("", function, *args, **kwargs)[1] for _ in range(REPEATS))


def build_system():
    load_places()
    system = Place.objects.create(
        kind=Place.Kind.ICS,
        name="Bench ICS",
        short_name="BICS",
        slug="bench-ics",
        stocktake_heading="BICS Level Activity",
    )
    boroughs = []
    for s in range(1, SUB_REGIONS + 1):
        sub = Place.objects.create(
            kind=Place.Kind.SUB_REGION,
            name=f"Sub-region {s}",
            slug=f"bench-sub-{s}",
            parent=system,
            stocktake_heading=f"Sub-region {s} Activity",
        )
        for b in range(1, BOROUGHS_PER_SUB_REGION + 1):
            boroughs.append(
                Place.objects.create(
                    kind=Place.Kind.BOROUGH, name=f"Borough {s}-{b}", slug=f"bench-{s}-{b}", parent=sub
                )
            )
    framework = load_framework(system=system, name="Bench framework", slug="bench")
    return system, framework, boroughs


def cell_of(paragraphs_factory, limit=30_000):
    parts, size = [], 0
    while True:
        paragraph = paragraphs_factory()
        if size + len(paragraph) + 2 > limit:
            return "\n\n".join(parts)
        parts.append(paragraph)
        size += len(paragraph) + 2


def write_synthetic_workbook(path, system, framework, boroughs):
    columns = list(Place.objects.filter(system=system).exclude(stocktake_heading="").order_by("path"))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Themes")
    sheet.append([])
    sheet.append([None, "Bench Stocktake 2025"])
    sheet.append([])

    def borough_paragraph():
        place = random.choice(boroughs)
        return f"{place.name} - {sentence(180)}\n{sentence(90)}"

    def level_paragraph():
        return sentence(220)

    for header, sections in (
        ("Marmot Themes", list(framework.themes.all())),
        ("Marmot System Recommendations", list(framework.system_recommendations.all())),
    ):
        borough_header = "Borough Level Activity" if header == "Marmot Themes" else "Place Level Activity"
        sheet.append([None, header, "Beacon Indicators", *[p.stocktake_heading for p in columns], borough_header])
        for section in sections:
            sheet.append(
                [None, f"{section.number}. {section.title}", ""]
                + [cell_of(level_paragraph, 9_000) for _ in columns]
                + [cell_of(borough_paragraph, 32_000)]
            )
        sheet.append([])
    book.save(path)


def characters(path) -> int:
    book = openpyxl.load_workbook(path, read_only=True)
    total = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            total += sum(len(str(v)) for v in row if v is not None)
    book.close()
    return total


def parse_floor(path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    count = 0
    for sheet in book.worksheets:
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            count += sum(1 for v in row if v is not None)
    book.close()
    return count


def insert_floor(round_) -> float:
    """Write the round's entries and place links again, straight through the database driver.

    The same rows, already in the database's own form, into the same tables
    with the same indexes, in one transaction: what any import that stores
    the entries must pay, with none of our work around it. The copy is
    removed afterwards.
    """
    copy = Round.objects.create(framework=round_.framework, name="Bench insert floor")
    columns = ", ".join(
        ["theme_id", "system_recommendation_id", "column_place_id", "level", "lead_in", "text", "position"]
        + ["created", "updated"]
    )
    entries = f"SELECT id, {columns} FROM stocktake_entry WHERE round_id = %s ORDER BY id"  # noqa: S608
    insert = f"INSERT INTO stocktake_entry (round_id, {columns}) VALUES ({', '.join(['%s'] * 10)})"  # noqa: S608
    link = "INSERT INTO stocktake_entry_places (entry_id, place_id) VALUES (%s, %s)"
    with connection.cursor() as cursor:
        cursor.execute(entries, [round_.pk])
        originals = cursor.fetchall()
        cursor.execute(
            "SELECT entry_id, place_id FROM stocktake_entry_places JOIN stocktake_entry e ON entry_id = e.id "
            "WHERE round_id = %s",
            [round_.pk],
        )
        places = defaultdict(list)
        for entry_id, place_id in cursor.fetchall():
            places[entry_id].append(place_id)
    rows = [(copy.pk, *row[1:]) for row in originals]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        bulk_load(cursor, insert, "stocktake_entry", f"round_id, {columns}", rows)
        cursor.execute("SELECT id FROM stocktake_entry WHERE round_id = %s ORDER BY id", [copy.pk])
        new_ids = [row[0] for row in cursor.fetchall()]
        # The i-th copy gets the places of the i-th original.
        pairs = [(new, place) for new, old in zip(new_ids, originals, strict=True) for place in places[old[0]]]
        bulk_load(cursor, link, "stocktake_entry_places", "entry_id, place_id", pairs)
    elapsed = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM stocktake_entry_places WHERE entry_id IN (SELECT id FROM stocktake_entry WHERE round_id = %s)",
            [copy.pk],
        )
        cursor.execute("DELETE FROM stocktake_entry WHERE round_id = %s", [copy.pk])
        cursor.execute("DELETE FROM stocktake_round WHERE id = %s", [copy.pk])
    return elapsed


def bulk_load(cursor, insert, table, columns, rows):
    """The driver's fastest bulk load: COPY on PostgreSQL, executemany on SQLite."""
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(insert, rows)


def write_floor(path, rows):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Themes")
    for values in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def write_flat_file(path, round_name, boroughs):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for index in range(FLAT_ROWS):
            place = random.choice(boroughs)
            writer.writerow(
                ["", round_name, index % 8 + 1, "", "borough", "", place.name, f"{place.name} - ", sentence(200), index]
            )


def csv_floor(path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def measured(function, *args, **kwargs):
    """``function``'s result, its time, and how far it raised the process's resident memory at its peak, in MB.

    Linux lets the peak be reset (``/proc/self/clear_refs``), so the growth is
    measured from the memory in use just before, not from an earlier peak.
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        before = _status_kb("VmRSS")
    except OSError:  # elsewhere: the peak since the process began, which can only understate the growth
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    value = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    try:
        peak = _status_kb("VmHWM")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value, elapsed, (peak - before) / 1024


def _status_kb(name: str) -> int:
    with open("/proc/self/status") as handle:
        return int(re.search(rf"^{name}:\s+(\d+)", handle.read(), re.MULTILINE).group(1))


ENTRY_COLUMNS = [
    "version",
    "round_id",
    "theme_id",
    "system_recommendation_id",
    "level",
    "column_place_id",
    "lead_in",
    "text",
    "position",
    "created",
    "updated",
]


def flat_insert_floor(round_) -> tuple[float, float]:
    """Write the flat import's rows again, straight through the database driver: its floor.

    The import writes each entry, its place links and its history row
    (simple-history's "+", as ``bulk_create_with_history`` would). The same
    rows, read from what the import wrote, already in the database's own
    form, go into the same tables with the same indexes in one transaction,
    by executemany (COPY on PostgreSQL): what any importer that stores these
    entries with their history must pay, with none of our work around it.

    Timed twice: with the history rows sent like the others, and with them
    copied from the new entries inside the database (INSERT ... SELECT, as our
    import does), the cheaper. The copies are removed after each.
    """
    columns = ", ".join(ENTRY_COLUMNS)
    history_columns = f"id, {columns}, history_date, history_type, history_user_id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM stocktake_entry WHERE round_id = %s ORDER BY id", [round_.pk])  # noqa: S608
        originals = cursor.fetchall()
        cursor.execute(
            "SELECT entry_id, place_id FROM stocktake_entry_places JOIN stocktake_entry e ON entry_id = e.id "
            "WHERE round_id = %s",
            [round_.pk],
        )
        places = defaultdict(list)
        for entry_id, place_id in cursor.fetchall():
            places[entry_id].append(place_id)
        cursor.execute(
            "SELECT history_date, history_type, history_user_id FROM stocktake_historicalentry WHERE id = %s",
            [originals[0][0]],
        )
        stamp = cursor.fetchone()
    insert = f"INSERT INTO stocktake_entry ({columns}) VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})"  # noqa: S608
    link = "INSERT INTO stocktake_entry_places (entry_id, place_id) VALUES (%s, %s)"
    history = f"INSERT INTO stocktake_historicalentry ({history_columns}) VALUES ({', '.join(['%s'] * 15)})"  # noqa: S608
    copied = (
        f"INSERT INTO stocktake_historicalentry ({history_columns}) "  # noqa: S608
        f"SELECT id, {columns}, %s, %s, %s FROM stocktake_entry WHERE round_id = %s"
    )
    round_index = ENTRY_COLUMNS.index("round_id") + 1
    timings = []
    for in_database in (False, True):
        copy = Round.objects.create(framework=round_.framework, name="Bench flat insert floor")
        rows = [(*row[1:round_index], copy.pk, *row[round_index + 1 :]) for row in originals]
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            bulk_load(cursor, insert, "stocktake_entry", columns, rows)
            cursor.execute("SELECT id FROM stocktake_entry WHERE round_id = %s ORDER BY id", [copy.pk])
            new_ids = [row[0] for row in cursor.fetchall()]
            pairs = [(new, place) for new, old in zip(new_ids, originals, strict=True) for place in places[old[0]]]
            bulk_load(cursor, link, "stocktake_entry_places", "entry_id, place_id", pairs)
            if in_database:
                cursor.execute(copied, [*stamp, copy.pk])
            else:
                records = [(new, *row, *stamp) for new, row in zip(new_ids, rows, strict=True)]
                bulk_load(cursor, history, "stocktake_historicalentry", history_columns, records)
        timings.append(time.perf_counter() - started)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM stocktake_historicalentry WHERE id IN "
                "(SELECT id FROM stocktake_entry WHERE round_id = %s)",
                [copy.pk],
            )
            cursor.execute(
                "DELETE FROM stocktake_entry_places WHERE entry_id IN "
                "(SELECT id FROM stocktake_entry WHERE round_id = %s)",
                [copy.pk],
            )
            cursor.execute("DELETE FROM stocktake_entry WHERE round_id = %s", [copy.pk])
            cursor.execute("DELETE FROM stocktake_round WHERE id = %s", [copy.pk])
    return timings[0], timings[1]


def main():
    call_command("migrate", verbosity=0)
    system, framework, boroughs = build_system()
    synthetic = OUT / "synthetic.xlsx"
    write_synthetic_workbook(synthetic, system, framework, boroughs)
    real_chars, synthetic_chars = characters(DEMO_WORKBOOK), characters(synthetic)
    print(f"Real workbook: {DEMO_WORKBOOK.stat().st_size / 1024:.0f} kB, {real_chars:,} characters")
    print(
        f"Synthetic workbook: {synthetic.stat().st_size / 1024:.0f} kB, {synthetic_chars:,} characters "
        f"({synthetic_chars / real_chars:.0f}x the real one), {SUB_REGIONS + 2} activity columns"
    )

    parse = median_of(parse_floor, synthetic)
    imports, inserts = [], []
    for repeat in range(REPEATS):
        # Each import starts a round of its own; the insert floor copies it in the same conditions.
        name = f"Bench Stocktake {repeat + 1}"
        plan, seconds = timed("import", import_stocktake, synthetic, framework=framework, round_name=name)
        imports.append(seconds)
        inserts.append(insert_floor(Round.objects.get(name=name)))
    ours, insert = statistics.median(imports), statistics.median(inserts)
    round_ = Round.objects.get(name="Bench Stocktake 1")
    print(f"\nWorkbook import: {plan.created:,} entries (medians of {REPEATS} runs)")
    print(f"  openpyxl read-only parse (floor):   {parse:6.2f} s")
    print(f"  the same rows' database insert:     {insert:6.2f} s   ({insert / parse:.2f}x the parse floor)")
    print(f"  our import:                         {ours:6.2f} s   ({ours / parse:.2f}x the parse floor; target <= 2x)")
    print(f"                                                ({ours / (parse + insert):.2f}x parse + insert)")

    texts = cell_texts(round_)
    rows = [[None, f"row {i}"] + [texts.get(k, "") for k in list(texts)[i::15]] for i in range(15)]
    floor = median_of(write_floor, OUT / "floor.xlsx", rows)

    def export_to_file():
        with open(OUT / "export.xlsx", "wb") as stream:
            write_workbook(round_, stream)

    export = median_of(export_to_file)
    print(f"\nWorkbook export (medians of {REPEATS} runs):")
    print(f"  openpyxl write-only, same cells (floor): {floor:6.2f} s")
    print(f"  our export:                              {export:6.2f} s   ({export / floor:.2f}x; target <= 1.5x)")

    flat = OUT / "entries.csv"
    flat_round = Round.objects.create(framework=framework, name="Bench flat")
    write_flat_file(flat, flat_round.name, boroughs)
    _, csv_parse = timed("csv", csv_floor, flat)
    # As the admin's import runs it: scoped to a user, an ICS reviewer of the system.
    reviewer = User.objects.create_user("bench-reviewer", is_staff=True)
    Membership.objects.create(user=reviewer, role=Role.ICS_REVIEWER, place=system)
    result, fast, growth = measured(import_flat, read_rows(flat), user=reviewer)
    sent, copied = flat_insert_floor(flat_round)
    # The stricter floor: the cheaper way of writing the history rows.
    floor = csv_parse + min(sent, copied)
    print(f"\nFlat entries file: {FLAT_ROWS:,} rows, {flat.stat().st_size / 1024 / 1024:.1f} MB (single runs)")
    print(f"  csv parse:                              {csv_parse:6.2f} s")
    print(f"  the same rows' database insert:         {sent:6.2f} s   (entries, place links, history rows)")
    print(f"    with the history rows copied in the database: {copied:6.2f} s")
    print(f"  floor, parse + the cheaper insert:      {floor:6.2f} s")
    print(
        f"  our flat import:                        {fast:6.2f} s   ({fast / floor:.2f}x parse + insert; target <= 2x)"
    )
    print(
        f"                                                   ({result.created:,} created, as an ICS reviewer; "
        f"peak memory growth {growth:.0f} MB; target < 50 MB)"
    )

    if os.environ.get("BENCH_SKIP_LIBRARY"):
        return
    Entry.objects.filter(round=flat_round).delete()
    import tablib

    with open(flat, encoding="utf-8") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="csv")

    def library_default():
        resource_ = EntryResource()
        with transaction.atomic():
            return resource_.import_data(dataset, dry_run=False)

    library_result, library = timed("library", library_default)
    assert not library_result.has_errors(), library_result.base_errors
    print(f"  django-import-export default:   {library:6.2f} s   (ours is {library / fast:.1f}x faster; target >= 8x)")


if __name__ == "__main__":
    main()
