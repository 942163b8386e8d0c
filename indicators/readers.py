"""Reading indicator values from the layouts they are really published in, into one form.

- OHID Fingertips' "all data" CSV (26 columns in older files, 27 with "Time
  period range" in newer ones; column 23 is named for the comparison with
  the region, the subnational parent or percentiles, by file);
- ONS "Explore local statistics" CSV (periods as ISO intervals, the sex in
  the indicator's name where there is one: "Male healthy life expectancy");
- tidy CSVs (area_code, area_name, period, value, the source's comparison in
  ``compared_to_England`` or ``significance``, the sex in ``inequality`` or
  ``sex``), as data teams republish Fingertips figures;
- the application's own template for indicators with no national source
  (``TEMPLATE``: a tidy file with sex, intervals, count, denominator and
  note), as CSV or xlsx; its rows left blank (no period, no figures) are
  counted and passed over, so a template sent back half filled imports.

Any of these may come as an .xlsx workbook too: the first sheet whose first
row names a layout's columns is read, with the workbook's guards
(``stocktake.xlsx``: the zip checked before openpyxl opens it, openpyxl
read-only, rows and cells bounded by ``atf.limits``). A file is told to be
a workbook by its content, not its name.

Every layout gives ``PublishedValue`` rows: the area by its ONS code (names
vary: "St. Helens"), the period as published (``indicators.periods``), the
sex (Persons when the source has none), the value and its intervals as
decimals, a suppressed or missing value as None (never zero), and the
source's own comparison label, if any. Fingertips rows with a category type
are breakdowns (deprivation deciles, say), marked so that they stay out of
the headline series. A file that is none of these, or has a row that cannot
be read, is refused whole with the rows named.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .periods import Period, PeriodError, parse_period

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an .xlsx saved with a password

# Refused past this many rows: far above any indicator's extract for one system (a few thousand).
MAX_ROWS = 200_000
SEXES = {"male": "Male", "female": "Female", "persons": "Persons", "na": "Persons", "": "Persons"}
COMPARISONS = {
    "better": "Better",
    "similar": "Similar",
    "worse": "Worse",
    "not compared": "Not compared",
    "higher": "Higher",
    "lower": "Lower",
    "na": "",
    "": "",
}


class ReadError(ValueError):
    """A file that cannot be read as indicator values; nothing of it is used."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"Nothing was imported: {shown}.")

    @classmethod
    def whole(cls, message: str) -> ReadError:
        """A refusal said in a sentence of its own (a workbook's, say), not as a list of problems."""
        error = cls([message.rstrip(".")])
        error.args = (message,)
        return error


@dataclass(frozen=True)
class PublishedValue:
    row: int  # the row of the file, the header being row 1
    area_code: str
    area_name: str
    indicator_name: str
    source_identifier: str  # the publisher's own id of the indicator, where the layout carries one
    period: Period
    sex: str
    age: str
    value: Decimal | None
    lower_95: Decimal | None = None
    upper_95: Decimal | None = None
    lower_998: Decimal | None = None
    upper_998: Decimal | None = None
    count: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""
    source_comparison: str = ""
    breakdown: str = ""  # a Fingertips category ("Most deprived decile"), blank for the headline series


FINGERTIPS = (
    "Indicator ID",
    "Indicator Name",
    "Area Code",
    "Area Name",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
)
ONS = ("areacd", "areanm", "indicator", "period", "observation", "lci_95", "uci_95")
TIDY = ("area_code", "period", "value")
# The template the application offers for indicators reported locally (``indicators.uploads.template_rows``).
TEMPLATE = (
    "area_code",
    "area_name",
    "period",
    "sex",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "count",
    "denominator",
    "note",
)
# What a template row holds besides its area: all of them blank is a row left unfilled.
TEMPLATE_FILLED = ("period", "value", "lower_ci_95", "upper_ci_95", "count", "denominator", "note")
LAYOUT_NAMES = {
    "fingertips": "OHID Fingertips “all data” download",
    "ons": "ONS “Explore local statistics” file",
    "tidy": "tidy file (area_code, area_name, period, value)",
    "template": "this application's template for locally reported values",
}


@dataclass
class Reading:
    """What a file holds: its values, the layout they were read in, and the template rows left blank."""

    values: list[PublishedValue]
    layout: str
    blank_rows: int = 0
    workbook: bool = False
    # The figures and texts the file has columns for: a revision changes only those, so a file without
    # intervals (a publisher's labels, say) never blanks the intervals another file brought.
    carried: frozenset[str] = frozenset()

    @property
    def layout_name(self) -> str:
        return LAYOUT_NAMES[self.layout] + (", as an Excel workbook" if self.workbook else "")


def read_values(path: str | Path) -> list[PublishedValue]:
    """Every value in the file at ``path``, or ReadError naming what is wrong."""
    return read_file(path).values


def read_file(path: str | Path) -> Reading:
    """The file at ``path``, a CSV or (by its content) an xlsx workbook; ReadError naming what is wrong."""
    data = Path(path).read_bytes()
    if data.startswith(ZIP_SIGNATURE) or data.startswith(OLE_SIGNATURE):
        return read_workbook_values(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(
            [
                "the file is not a CSV saved as UTF-8 text. In Excel, use File > Save As and choose "
                "“CSV UTF-8 (Comma delimited)”, or upload the .xlsx workbook itself"
            ]
        ) from exc
    if "\x00" in text:
        raise ReadError(["the file is not a CSV: it holds binary data. Choose the .csv or .xlsx file itself"])
    return read_csv_text(text)


def read_text(text: str) -> list[PublishedValue]:
    return read_csv_text(text).values


def read_csv_text(text: str) -> Reading:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ReadError(["the file is empty or not CSV"]) from exc

    try:
        return _read_rows(header, enumerate(reader, start=2))
    except csv.Error as exc:
        raise ReadError([f"the file is not CSV: {exc}"]) from exc


def read_workbook_values(path: str | Path) -> Reading:
    """The values of an xlsx workbook: its first sheet whose first row is a layout's header.

    Read with the stocktake workbook's guards (``stocktake.xlsx.read_workbook``): a zip bomb, a sheet of
    too many rows or cells, XML entity tricks or a file that is not a workbook are refused before or
    while openpyxl reads it, in read-only mode, formulas kept as their text (and so refused as numbers).
    """
    from stocktake.xlsx import WorkbookError, read_workbook

    try:
        sheets = read_workbook(path)
    except WorkbookError as exc:
        message = str(exc)
        said = message if "nothing was" in message.lower() else f"{message} Nothing was imported."
        raise ReadError.whole(said) from exc
    refusals = []
    for sheet in sheets:
        numbers = sheet.rows()
        if not numbers:
            continue
        first = sheet.row(numbers[0])
        width = max(first)
        header = [first.get(column, "").strip() for column in range(1, width + 1)]
        try:
            _layout(header)
        except ReadError as exc:
            refusals.append(f"sheet “{sheet.title}”: {exc.problems[0]}")
            continue
        rows = (
            (number, [sheet.row(number).get(column, "") for column in range(1, width + 1)]) for number in numbers[1:]
        )
        return _read_rows(header, rows, workbook=True)
    raise ReadError(refusals or ["the workbook is empty"])


def _read_rows(header: list[str], rows, *, workbook: bool = False) -> Reading:
    """``rows`` (row number, cells) of a file whose first row is ``header``, in the layout it names."""
    layout, read_row = _layout(header)
    values, problems, blank = [], [], 0
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise ReadError([f"the file has more than {MAX_ROWS:,} rows; split it by indicator or by period"])
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            if not workbook:  # a CSV row short of the header's columns: a file cut off, or a line broken
                problems.append(
                    f"row {number} has {len(cells)} of the header's {len(header)} columns: the file may have been "
                    "cut short or a line broken; save the whole file again"
                )
                continue
            cells = [*cells, *[""] * (len(header) - len(cells))]  # a sheet leaves trailing empty cells out
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        if layout == "template" and not any(row.get(name) for name in TEMPLATE_FILLED):
            blank += 1  # an area's row of the template left as it came: nothing reported for it
            continue
        try:
            values.append(read_row(number, row))
        except (ValueError, PeriodError) as exc:
            problems.append(f"row {number}: {exc}")
    if problems:
        raise ReadError(problems)
    return Reading(values, layout, blank, workbook, carried_fields(layout, header))


# Per layout, the columns each figure and text may come from.
_TIDY_COLUMNS = {
    "value": ("value",),
    "lower_95": ("lower_ci_95", "lci_95"),
    "upper_95": ("upper_ci_95", "uci_95"),
    "count": ("count",),
    "denominator": ("denominator",),
    "note": ("note", "notes"),
    "source_comparison": ("compared_to_England", "significance"),
}
COLUMNS_OF = {
    "fingertips": {
        "value": ("Value",),
        "lower_95": ("Lower CI 95.0 limit",),
        "upper_95": ("Upper CI 95.0 limit",),
        "lower_998": ("Lower CI 99.8 limit",),
        "upper_998": ("Upper CI 99.8 limit",),
        "count": ("Count",),
        "denominator": ("Denominator",),
        "note": ("Value note",),
        "source_comparison": ("Compared to England value or percentiles",),
    },
    "ons": {"value": ("observation",), "lower_95": ("lci_95",), "upper_95": ("uci_95",), "note": ("status", "notes")},
    "tidy": _TIDY_COLUMNS,
    "template": _TIDY_COLUMNS,
}


def carried_fields(layout: str, header: list[str]) -> frozenset[str]:
    names = set(header)
    return frozenset(field for field, columns in COLUMNS_OF[layout].items() if names.intersection(columns))


def _layout(header: list[str]):
    names = set(header)
    if names.issuperset(FINGERTIPS):
        if len(header) < 26:
            raise ReadError([f"a Fingertips file has 26 or 27 columns; this one has {len(header)}"])
        return "fingertips", _fingertips_row
    if names.issuperset(ONS):
        return "ons", _ons_row
    if names.issuperset(TEMPLATE):
        return "template", _tidy_row
    if names.issuperset(TIDY):
        return "tidy", _tidy_row
    raise ReadError(
        [
            "the columns are not those of a Fingertips “all data” download, an ONS “Explore local statistics” "
            "file or a tidy file (area_code, area_name, period, value)"
        ]
    )


def _number(text: str, what: str) -> Decimal | None:
    """A published number: blank, "-", ":", "x" or "NA" (suppressed or missing) is None, never zero."""
    cleaned = text.replace(",", "").strip()
    if cleaned.lower() in {"", "-", ":", "x", "na", "n/a", ".", "*", "[x]", "[c]", "[z]"}:
        return None
    if cleaned.startswith("="):
        raise ValueError(
            f"the {what} “{text[:40]}” is a formula: copy the cells and paste them back as values "
            "(Paste Special, Values), then save and upload again"
        )
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"the {what} “{text[:40]}” is not a number") from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValueError(f"the {what} “{text[:40]}” is not a number a publisher would give")
    return number


def _sex(text: str) -> str:
    try:
        return SEXES[text.strip().lower()]
    except KeyError:
        raise ValueError(f"the sex “{text[:40]}” is not Female, Male or Persons") from None


def _age(text: str) -> str:
    """A publisher's age band; "All ages" is the headline series, as a file that gives no age means it."""
    text = text.strip()
    return "" if text.lower() in {"all ages", "all"} else text[:60]


def _comparison(text: str) -> str:
    return COMPARISONS.get(text.strip().lower(), text.strip()[:60])


def _area(row: dict, code_column: str, name_column: str) -> tuple[str, str]:
    code = row.get(code_column, "")
    if not re.fullmatch(r"[EWSNK]\d{8}", code):
        raise ValueError(f"the area code “{code[:20]}” is not an ONS code (such as E08000011)")
    return code, row.get(name_column, "")


def _fingertips_row(number: int, row: dict) -> PublishedValue:
    code, name = _area(row, "Area Code", "Area Name")
    return PublishedValue(
        row=number,
        area_code=code,
        area_name=name,
        indicator_name=row["Indicator Name"],
        source_identifier=f"Fingertips {row['Indicator ID']}" if row["Indicator ID"] else "",
        period=parse_period(row["Time period"]),
        sex=_sex(row["Sex"]),
        age=_age(row.get("Age", "")),
        value=_number(row["Value"], "value"),
        lower_95=_number(row["Lower CI 95.0 limit"], "lower 95% limit"),
        upper_95=_number(row["Upper CI 95.0 limit"], "upper 95% limit"),
        lower_998=_number(row.get("Lower CI 99.8 limit", ""), "lower 99.8% limit"),
        upper_998=_number(row.get("Upper CI 99.8 limit", ""), "upper 99.8% limit"),
        count=_number(row.get("Count", ""), "count"),
        denominator=_number(row.get("Denominator", ""), "denominator"),
        note=row.get("Value note", ""),
        source_comparison=_comparison(row.get("Compared to England value or percentiles", "")),
        breakdown=row["Category"] if row["Category Type"] else "",
    )


SEX_IN_NAME = re.compile(r"^(?P<sex>male|female)\s+", re.IGNORECASE)


def _ons_row(number: int, row: dict) -> PublishedValue:
    code, name = _area(row, "areacd", "areanm")
    indicator = row["indicator"]
    sex = "Persons"
    if match := SEX_IN_NAME.match(indicator):
        sex = match["sex"].title()
        indicator = indicator[match.end() :]
        indicator = indicator[:1].upper() + indicator[1:]
    return PublishedValue(
        row=number,
        area_code=code,
        area_name=name,
        indicator_name=indicator,
        source_identifier="",
        period=parse_period(row["period"]),
        sex=sex,
        age="",
        value=_number(row["observation"], "observation"),
        lower_95=_number(row["lci_95"], "lower 95% limit"),
        upper_95=_number(row["uci_95"], "upper 95% limit"),
        note=" ".join(part for part in (row.get("status", ""), row.get("notes", "")) if part),
    )


def _tidy_row(number: int, row: dict) -> PublishedValue:
    code, name = _area(row, "area_code", "area_name")
    comparison = row.get("compared_to_England", row.get("significance", ""))
    return PublishedValue(
        row=number,
        area_code=code,
        area_name=name,
        indicator_name=row.get("indicator", ""),
        source_identifier="",
        period=parse_period(row["period"]),
        sex=_sex(row.get("inequality", row.get("sex", ""))),
        age=_age(row.get("age", "")),
        value=_number(row["value"], "value"),
        lower_95=_number(row.get("lower_ci_95", row.get("lci_95", "")), "lower 95% limit"),
        upper_95=_number(row.get("upper_ci_95", row.get("uci_95", "")), "upper 95% limit"),
        count=_number(row.get("count", ""), "count"),
        denominator=_number(row.get("denominator", ""), "denominator"),
        note=row.get("note", row.get("notes", ""))[:2000],
        source_comparison=_comparison(comparison),
    )
