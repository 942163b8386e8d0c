"""Importing published indicator values: all or nothing, matched by ONS code, revisions kept in history.

Each value read (``indicators.readers``) is matched to an area by its ONS
code: England and the North West, or one of the indicator's system's places
(its ``ons_code``). Rows for any other area, another system's places
included, are skipped and named in the result, never dropped without a
word. A value already held (same indicator, area, period, sex, age and
breakdown) that the file brings unchanged is left alone; one it brings
revised is updated, the earlier figures staying in its history, so what was
published when can be told. The whole file is written in one transaction,
or nothing is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from atf.bulk import insert_rows
from atf.models import BeaconIndicator
from boroughs.models import Place

from .models import Area, IndicatorValue
from .readers import PublishedValue, ReadError, read_file

COMPARATOR_AREAS = {"E92000001": ("England", Area.Kind.COUNTRY), "E12000002": ("North West", Area.Kind.REGION)}
FIGURES = ("value", "lower_95", "upper_95", "lower_998", "upper_998", "count", "denominator")
TEXTS = ("note", "source_comparison")
# Rows of the file kept in the result for a preview to show: its first rows, and its first revisions.
SHOWN = 200


@dataclass
class PlannedValue:
    """One row of the file as the import takes it: new, revised (with the figures held before) or unchanged."""

    kind: str  # "new", "revised" or "unchanged"
    value: PublishedValue
    area: Area
    before: dict | None = None  # FIGURES and TEXTS as held, for a revision


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Areas outside the system, by code: (name, rows skipped).
    skipped: dict[str, tuple[str, int]] = field(default_factory=dict)
    dry_run: bool = False
    # The first SHOWN rows taken, and the first SHOWN revisions, for a preview.
    sample: list[PlannedValue] = field(default_factory=list)
    revisions: list[PlannedValue] = field(default_factory=list)
    # Rows of other indicators in the file (a Fingertips download of several), by the publisher's identifier:
    # (their name, rows skipped).
    other_indicators: dict[str, tuple[str, int]] = field(default_factory=dict)
    # What the file calls its indicator, where it says: shown beside the one chosen, to be checked.
    file_indicators: list[str] = field(default_factory=list)
    # Revisions of a value by more than a fifth: rare for a publisher's revision, usual for the wrong file.
    large_revisions: int = 0
    large_example: str = ""

    @property
    def warning(self) -> str:
        if not self.large_revisions:
            return ""
        return (
            f"{self.large_revisions} value{'' if self.large_revisions == 1 else 's'} would change by more than a "
            f"fifth (such as {self.large_example}): a publisher's revision is rarely that large. Check the file "
            "is for this indicator"
        )

    def summary(self) -> str:
        text = f"{self.created} created, {self.updated} revised, {self.unchanged} unchanged"
        if self.skipped:
            areas = ", ".join(
                f"{name} ({code}, {rows} row{'' if rows == 1 else 's'})"
                for code, (name, rows) in sorted(self.skipped.items())
            )
            text += f"; skipped, as outside the system: {areas}"
        if self.other_indicators:
            others = ", ".join(
                f"{identifier} {name} ({rows} row{'' if rows == 1 else 's'})"
                for identifier, (name, rows) in sorted(self.other_indicators.items())
            )
            text += f"; skipped, as other indicators: {others}"
        return text + (" (dry run: nothing was saved)" if self.dry_run else "")


def _areas(codes: set[str], system: Place | None) -> dict[str, Area]:
    """The areas of ``codes`` we hold figures for in ``system``; an area is made for a place on its first figure.

    Comparators (England, the region) are every system's; a place is only its own system's, so a file with
    another system's boroughs in it skips them as outside, like any other area.
    """
    held = Area.objects.filter(code__in=codes)
    places = Place.objects.filter(ons_code__in=codes)
    if system is not None:
        held = held.filter(Q(place__isnull=True) | Q(place__path__startswith=system.path))
        places = places.within(system)
    areas = {area.code: area for area in held}
    # The comparators every database holds (migration 0002), made again should a flushed test database lack them.
    for code, (name, kind) in COMPARATOR_AREAS.items():
        if code in codes and code not in areas:
            areas[code] = Area.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0]
    for place in places.exclude(ons_code__in=set(areas)):
        areas[place.ons_code] = Area.objects.create(
            code=place.ons_code, name=place.name, kind=Area.Kind.PLACE, place=place
        )
    return areas


def _key(indicator_id: int, area_id: int, value: PublishedValue | IndicatorValue) -> tuple:
    if isinstance(value, IndicatorValue):
        return (indicator_id, area_id, value.period_label, value.sex, value.age, value.breakdown)
    return (indicator_id, area_id, value.period.label, value.sex, value.age, value.breakdown)


def of_indicator(values: list[PublishedValue], indicator: BeaconIndicator) -> tuple[list, dict[str, tuple[str, int]]]:
    """The rows of ``values`` for ``indicator``, and the others by the publisher's identifier.

    A file that names its indicators (Fingertips' Indicator ID) is matched to the beacon indicator's own
    identifier where it has one: a download of several indicators gives up the rows of this one, and the
    rest are named; a file of one other indicator is refused, as the wrong file or the wrong choice. A beacon
    indicator with no identifier takes a file of one indicator, and refuses a file of several.
    """
    named: dict[str, list[PublishedValue]] = {}
    for value in values:
        named.setdefault(value.source_identifier, []).append(value)
    identifiers = [identifier for identifier in named if identifier]
    if not identifiers:
        return values, {}
    ours = indicator.source_identifier
    others = {i: (named[i][0].indicator_name[:80], len(named[i])) for i in identifiers if i != ours}
    described = "; ".join(f"{i} ({name})" for i, (name, _) in sorted(others.items())[:5])
    if ours and ours in named:
        return named[ours] + named.get("", []), others
    if ours:
        raise ReadError(
            [
                f"the file holds {described}, but indicator {indicator.number} is {ours}: choose the beacon "
                "indicator the file is for, or the file for this one"
            ]
        )
    if len(identifiers) > 1:
        raise ReadError(
            [
                f"the file holds several indicators ({described}) and indicator {indicator.number} names none "
                "of its publisher's: import a file of one indicator, or give the indicator its identifier"
            ]
        )
    return values, {}


def import_values(
    values: list[PublishedValue],
    indicator: BeaconIndicator,
    *,
    source: str = "",
    dry_run: bool = False,
    carried: frozenset[str] | None = None,
    user=None,
) -> ImportResult:
    """Import ``values`` into ``indicator``; ``carried``, the fields the file has columns for (all, if None)."""
    result = ImportResult(dry_run=dry_run)
    values, result.other_indicators = of_indicator(values, indicator)
    result.file_indicators = sorted({value.indicator_name for value in values if value.indicator_name})[:5]
    compared = [name for name in FIGURES + TEXTS if carried is None or name in carried]
    with transaction.atomic():
        # One import of an indicator at a time: the rows it inserts are then told by their ids alone.
        BeaconIndicator.objects.select_for_update().filter(pk=indicator.pk).exists()
        areas = _areas({value.area_code for value in values}, indicator.framework.system)
        held = {
            _key(indicator.pk, row.area_id, row): row
            for row in IndicatorValue.objects.filter(indicator=indicator, area__in=areas.values())
        }
        outside: Counter = Counter()
        names: dict[str, str] = {}
        new, revised, seen, conflicts = [], [], {}, []
        for value in values:
            area = areas.get(value.area_code)
            if area is None:
                outside[value.area_code] += 1
                names.setdefault(value.area_code, value.area_name)
                continue
            key = _key(indicator.pk, area.pk, value)
            figures = {name: getattr(value, name) for name in FIGURES + TEXTS}
            if key in seen:
                # England can appear twice in a Fingertips file: once is enough, if both rows say the same.
                first_row, first_figures = seen[key]
                if first_figures != figures:
                    conflicts.append(
                        f"rows {first_row} and {value.row} give {area.name}, {value.period.label}, {value.sex}"
                        f"{', ' + value.breakdown if value.breakdown else ''} different figures"
                    )
                continue
            seen[key] = (value.row, figures)
            row = held.get(key)
            if row is None:
                _show(result.sample, PlannedValue("new", value, area))
                new.append(
                    (
                        indicator.pk,
                        area.pk,
                        value.period.label,
                        value.period.start_year,
                        value.period.years,
                        value.period.kind,
                        value.sex,
                        value.age,
                        value.breakdown,
                        source,
                        *(figures[name] for name in FIGURES + TEXTS),
                    )
                )
            elif any(getattr(row, name) != figures[name] for name in compared):
                planned = PlannedValue("revised", value, area, {name: getattr(row, name) for name in figures})
                _show(result.sample, planned)
                _show(result.revisions, planned)
                if "value" in compared and _far_apart(row.value, value.value):
                    result.large_revisions += 1
                    result.large_example = result.large_example or (
                        f"{area.name}, {value.period.label}, {value.sex}: "
                        f"{row.value.normalize():f} to {value.value.normalize():f}"
                    )
                for name in compared:
                    setattr(row, name, figures[name])
                row.source = source or row.source
                revised.append(row)
            else:
                _show(result.sample, PlannedValue("unchanged", value, area))
                result.unchanged += 1
        if conflicts:
            raise ReadError(conflicts)
        _insert(indicator, new, user)
        for row in revised:
            row._history_user = user
            row.save()  # one at a time, so that each revision is in the value's history
        result.created, result.updated = len(new), len(revised)
        result.skipped = {code: (names[code], rows) for code, rows in outside.items()}
        if dry_run:
            transaction.set_rollback(True)
    return result


def _far_apart(held, new) -> bool:
    """Do two values of one area and period differ by more than a fifth of the held one?"""
    if held is None or new is None:
        return False
    return abs(new - held) > abs(held) / 5


NEW_COLUMNS = (
    "indicator",
    "area",
    "period_label",
    "period_start",
    "period_years",
    "period_kind",
    "sex",
    "age",
    "breakdown",
    "source",
    *FIGURES,
    *TEXTS,
)


def _insert(indicator: BeaconIndicator, rows: list[tuple], user) -> None:
    """Insert the new values in one statement (COPY on PostgreSQL), and their history rows from them.

    Tens of thousands of values come in one file: a model instance per row, and simple-history's bulk
    helper, took nine tenths of the import. The history rows, one "+" each as simple-history writes, are
    copied inside the database from the rows just inserted (those of this indicator past the highest id
    before them; the indicator is locked for the import).
    """
    if not rows:
        return
    before = IndicatorValue.objects.aggregate(highest=Max("pk"))["highest"] or 0
    insert_rows(IndicatorValue, NEW_COLUMNS, rows)
    history = IndicatorValue.history.model
    names = [field.name for field in IndicatorValue._meta.concrete_fields]
    quote = connection.ops.quote_name

    def columns(model, fields):
        return ", ".join(quote(model._meta.get_field(name).column) for name in fields)

    when = history._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection)
    sql = "INSERT INTO {} ({}) SELECT {}, %s, %s, %s FROM {} WHERE {} = %s AND {} > %s".format(  # noqa: S608
        quote(history._meta.db_table),
        columns(history, [*names, "history_date", "history_type", "history_user"]),
        columns(IndicatorValue, names),
        quote(IndicatorValue._meta.db_table),
        quote(IndicatorValue._meta.get_field("indicator").column),
        quote(IndicatorValue._meta.get_field("id").column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [when, "+", getattr(user, "pk", None), indicator.pk, before])


def _show(shown: list, planned: PlannedValue) -> None:
    if len(shown) < SHOWN:
        shown.append(planned)


def import_file(
    path: str | Path, indicator: BeaconIndicator, *, dry_run: bool = False, source: str = ""
) -> ImportResult:
    reading = read_file(path)
    return import_values(
        reading.values,
        indicator,
        source=source or describe_source(reading.layout, Path(path).name),
        dry_run=dry_run,
        carried=reading.carried,
    )


PUBLISHERS = {"fingertips": "OHID Fingertips", "ons": "ONS, Explore local statistics", "template": "Reported locally"}


def describe_source(layout: str, file_name: str) -> str:
    """Where a value came from, as the pages say it: the publisher the layout is, and the file."""
    publisher = PUBLISHERS.get(layout)
    return (f"{publisher} (file {file_name})" if publisher else f"File {file_name}")[:200]
