"""The flat entries file, fast: one row per entry, in bulk, all or nothing.

The same columns as ``resources.EntryResource`` (id, round, theme,
system_recommendation, level, column_place, places, lead_in, text,
position), read from CSV or xlsx as a stream. Every reference is resolved
from lookup tables loaded once, each scoped by the tenant rule when a user
is given; rows are validated first and written only if every row is good,
with bulk inserts and updates rather than a query per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from atf import access, outputs
from atf.models import SystemRecommendation, Theme
from atf.text import normalise, normalise_characters
from boroughs.models import Place

from .models import Entry, Level, Round, link_places
from .xlsx import WorkbookError, read_workbook

COLUMNS = (
    "id",
    "round",
    "theme",
    "system_recommendation",
    "level",
    "column_place",
    "places",
    "lead_in",
    "text",
    "position",
    # The entry's version when exported: a row changed since is refused rather than written over. Optional.
    "version",
)
PLACE_SEPARATOR = ";"


class FlatImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = "\n".join(errors[:20])
        more = f"\n… and {len(errors) - 20} more." if len(errors) > 20 else ""
        super().__init__(f"Nothing was imported: {len(errors)} row(s) need correcting.\n{shown}{more}")


@dataclass
class FlatResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def read_rows(path: str | Path) -> Iterator[dict[str, str]]:
    """Rows as dicts keyed by lower-case header, from a CSV or an xlsx file."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        sheet = read_workbook(path)[0]
        rows = sheet.rows()
        if not rows:
            return
        header = {column: text.strip().lower() for column, text in sheet.row(rows[0]).items()}
        for row_number in rows[1:]:
            cells = sheet.row(row_number)
            yield {name: cells.get(column, "") for column, name in header.items()}
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in ("round", "text") if name not in reader.fieldnames]
        if missing:
            raise WorkbookError(
                f"The file has no {' or '.join(f'“{m}”' for m in missing)} column. "
                f"Its first row must name the columns: {', '.join(COLUMNS)}."
            )
        for row in reader:
            # Undo the apostrophe our CSV export puts before formula-like text; an
            # xlsx cell is typed as text and needs no such mark.
            yield {name: outputs.csv_value(value) if isinstance(value, str) else value for name, value in row.items()}


def import_flat_file(path: str | Path, *, user=None, dry_run: bool = False) -> FlatResult:
    """``import_flat`` of a file, with any reading problem (not UTF-8, not CSV, a bad xlsx) as FlatImportError."""
    try:
        return import_flat(read_rows(path), user=user, dry_run=dry_run)
    except WorkbookError as exc:
        raise FlatImportError([str(exc)]) from None
    except UnicodeDecodeError:
        raise FlatImportError(["The file is not UTF-8 text. Save it as “CSV UTF-8” or as an Excel workbook."]) from None
    except csv.Error as exc:
        raise FlatImportError([f"The file could not be read as CSV ({exc}). Save it as “CSV UTF-8”."]) from None


class _Lookups:
    """Every reference a row can make, loaded once and scoped to the user."""

    def __init__(self, user):
        def scoped(queryset, action):
            return queryset if user is None else access.restrict(queryset, user, action)

        # Rows name rounds the user may read (an export of a closed round comes back unchanged);
        # entries are added to, or moved into, open rounds the user may add to only, whoever
        # imports, the command without --as included.
        self.rounds = {r.name: r for r in scoped(Round.objects.all(), access.VIEW)}
        self.round_names = {r.pk: r for r in self.rounds.values()}
        self.addable_rounds = set(
            scoped(Round.objects.filter(status=Round.Status.OPEN), access.ATTACH).values_list("pk", flat=True)
        )
        self.themes = {(t.framework_id, t.number): t.pk for t in Theme.objects.all()}
        self.system_recommendations = {(s.framework_id, s.number): s.pk for s in SystemRecommendation.objects.all()}
        self.place_objects = {p.pk: p for p in scoped(Place.objects.all(), access.ATTACH)}
        self.places = {p.name: p.pk for p in self.place_objects.values()}
        # An entry the user may read but not change is compared with every place it names.
        self.every_place_object = {p.pk: p for p in Place.objects.all()}
        self.every_place = {p.name: p.pk for p in self.every_place_object.values()}
        self.changeable = set(
            scoped(Entry.objects.exclude(access.frozen(Entry)), access.CHANGE).values_list("pk", flat=True)
        )
        # Rows the user may read come back unchanged in a re-imported export; only a change needs the right.
        self.readable = set(scoped(Entry.objects.all(), access.VIEW).values_list("pk", flat=True))


CHUNK = 2000


@transaction.atomic
def import_flat(rows, *, user=None, dry_run: bool = False) -> FlatResult:
    """Import flat entry rows. Raises FlatImportError (nothing written) if any row is wrong.

    Rows are read and written a chunk at a time inside one transaction, so
    memory stays flat however long the file; an error anywhere stops the
    writing, the rest is still checked so that every problem is reported,
    and the transaction is rolled back.
    """
    lookups = _Lookups(user)
    result = FlatResult()
    written: list[int] = []
    for chunk in _chunks(enumerate(rows, start=2), CHUNK):
        creates: list[tuple[Entry, list[int]]] = []
        updates: dict[int, tuple[dict, list[int]]] = {}
        for number, row in chunk:
            parsed = _parse(row, number, lookups, result.errors)
            if parsed is None:
                continue
            entry_id, values, place_ids, version = parsed
            if entry_id is None:
                creates.append((Entry(**values), place_ids))
            else:
                updates[entry_id] = (values, place_ids, number, version)
        if not result.errors:
            written += _write_chunk(creates, updates, user, result, lookups)
    if result.errors:
        raise FlatImportError(result.errors)
    if user is not None:
        # The rows must still be the user's to change once written (a lead
        # cannot create an ICS-level entry, say); otherwise all is undone.
        allowed = sum(
            access.restrict(Entry.objects.filter(pk__in=written[i : i + 5000]), user, access.CHANGE).count()
            for i in range(0, len(written), 5000)
        )
        if allowed != len(written):
            raise FlatImportError(
                [f"{len(written) - allowed} row(s) would make entries you may not change (check level and places)."]
            )
    if dry_run:
        transaction.set_rollback(True)
    return result


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _not_addable(round_: Round) -> str:
    if not round_.is_open:
        return f"the round “{round_}” is closed. An ICS reviewer can reopen it if it needs changing."
    return f"“{round_}” is not a round you may add entries to."


def _write_chunk(creates, updates, user, result: FlatResult, lookups: _Lookups) -> list[int]:
    now = timezone.now()
    changed: list[Entry] = []
    changed_places: dict[int, list[int]] = {}
    for entry in Entry.objects.filter(pk__in=list(updates)).prefetch_related("places"):
        values, place_ids, number, version = updates[entry.pk]
        places_before = sorted(p.pk for p in entry.places.all())
        if all(getattr(entry, name) == value for name, value in values.items()) and places_before == sorted(place_ids):
            result.unchanged += 1
            continue
        if entry.pk not in lookups.changeable:
            result.errors.append(f"Row {number}: entry {entry.pk} is not one you may change. Leave it as it is.")
            continue
        if version is not None and version != entry.version:
            result.errors.append(
                f"Row {number}: entry {entry.pk} was changed by someone else after this file was exported. "
                "Export the entries again and make your change there."
            )
            continue
        if values["round_id"] != entry.round_id and values["round_id"] not in lookups.addable_rounds:
            result.errors.append(f"Row {number}: {_not_addable(lookups.round_names[values['round_id']])}")
            continue
        for name, value in values.items():
            setattr(entry, name, value)
        entry.updated = now
        entry.version += 1
        changed.append(entry)
        if places_before != sorted(place_ids):
            changed_places[entry.pk] = place_ids
    if result.errors:
        return []
    result.updated += len(changed)
    result.created += len(creates)
    if changed:
        bulk_update_with_history(
            changed, Entry, [*_VALUE_FIELDS, "updated", "version"], batch_size=1000, default_user=user
        )
        Entry.places.through.objects.filter(entry_id__in=list(changed_places)).delete()
    created = (
        bulk_create_with_history([e for e, _ in creates], Entry, batch_size=1000, default_user=user) if creates else []
    )
    link_places(
        [(entry.pk, place_id) for entry, (_, ids) in zip(created, creates, strict=True) for place_id in ids]
        + [(entry_id, place_id) for entry_id, ids in changed_places.items() for place_id in ids]
    )
    return [e.pk for e in changed] + [e.pk for e in created]


_VALUE_FIELDS = (
    "round_id",
    "theme_id",
    "system_recommendation_id",
    "level",
    "column_place_id",
    "lead_in",
    "text",
    "position",
)


def _parse(row: dict, number: int, lookups: _Lookups, errors: list[str]):
    def fail(message):
        errors.append(f"Row {number}: {message}")

    raw_id = (row.get("id") or "").strip()
    entry_id = None
    if raw_id:
        if not raw_id.isdigit() or int(raw_id) not in lookups.readable:
            return fail(f"entry {raw_id} is not one you may change. Leave the id blank to add a new entry.")
        entry_id = int(raw_id)
    round_name = (row.get("round") or "").strip()
    round_ = lookups.rounds.get(round_name)
    if round_ is None:
        return fail(f"“{row.get('round', '')}” is not a round you may add entries to.")
    if entry_id is None and round_.pk not in lookups.addable_rounds:
        return fail(_not_addable(round_))
    theme = (row.get("theme") or "").strip()
    system = (row.get("system_recommendation") or "").strip()
    if bool(theme) == bool(system):
        return fail("give either a theme number or a system recommendation number.")
    theme_id = lookups.themes.get((round_.framework_id, int(theme))) if theme.isdigit() else None
    system_id = lookups.system_recommendations.get((round_.framework_id, int(system))) if system.isdigit() else None
    if theme and theme_id is None:
        return fail(f"there is no theme {theme} in {round_.framework}.")
    if system and system_id is None:
        return fail(f"there is no system recommendation {system} in {round_.framework}.")
    level = (row.get("level") or Level.BOROUGH).strip()
    if level not in Level.values:
        return fail(f"“{level}” is not a level ({', '.join(Level.values)}).")
    column_name = (row.get("column_place") or "").strip()
    read_only = entry_id is not None and entry_id not in lookups.changeable
    places, place_objects = (
        (lookups.every_place, lookups.every_place_object) if read_only else (lookups.places, lookups.place_objects)
    )
    column_id = places.get(column_name) if column_name else None
    if column_name and column_id is None:
        return fail(f"“{column_name}” is not a place you may report for.")
    if problem := Entry.level_error(level, place_objects.get(column_id)):
        return fail(problem)
    place_ids = []
    for name in (row.get("places") or "").split(PLACE_SEPARATOR):
        name = name.strip()
        if not name:
            continue
        if name not in places:
            return fail(f"“{name}” is not a place you may attribute entries to.")
        place_ids.append(places[name])
    text = row.get("text") or ""
    if not text.strip():
        return fail("the text is empty.")
    position = (row.get("position") or "0").strip()
    if not position.isdigit():
        return fail(f"position “{position}” is not a whole number.")
    version = (row.get("version") or "").strip()
    if version and not (version.isdigit() and len(version) < 10):
        return fail(f"version “{version[:20]}” is not a whole number. Leave it as it was exported.")
    values = {
        "round_id": round_.pk,
        "theme_id": theme_id,
        "system_recommendation_id": system_id,
        "level": level,
        "column_place_id": column_id,
        "lead_in": normalise_characters(row.get("lead_in") or ""),
        "text": normalise(text).strip(),
        "position": int(position),
    }
    return entry_id, values, place_ids, int(version) if version else None


def export_flat(queryset, stream: io.TextIOBase) -> int:
    """Write entries as CSV, streaming, through the output guard. Returns the number of rows."""
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    count = 0
    for row in flat_rows(queryset):
        writer.writerow([outputs.csv_text(value) for value in row])
        count += 1
    return count


def flat_rows(queryset) -> Iterator[list]:
    """The entries of ``queryset`` as rows of the flat file's columns, streaming."""
    rows = queryset.select_related("round", "column_place").prefetch_related("places").order_by("pk")
    themes = dict(Theme.objects.values_list("pk", "number"))
    systems = dict(SystemRecommendation.objects.values_list("pk", "number"))
    for entry in rows.iterator(chunk_size=2000):
        yield (
            [
                entry.pk,
                entry.round.name,
                themes.get(entry.theme_id, ""),
                systems.get(entry.system_recommendation_id, ""),
                entry.level,
                entry.column_place.name if entry.column_place else "",
                PLACE_SEPARATOR.join(p.name for p in entry.places.all()),
                entry.lead_in,
                entry.text,
                entry.position,
                entry.version,
            ]
        )


__all__ = ["FlatImportError", "FlatResult", "WorkbookError", "export_flat", "import_flat", "read_rows"]
