"""The flat entries file, fast: one row per entry, planned in full, then written in bulk, all or nothing.

The columns are ``COLUMNS`` (id, round, theme, system_recommendation, level,
column_place, places, lead_in, text, position and, optionally, version),
read from CSV (as a stream) or xlsx. Every reference is resolved from lookup
tables loaded once, each scoped by the tenant rule when a user is given.

An import is planned first (``plan_flat``): every row is read and checked,
the entries the file names are compared with what the database holds, and
nothing is kept (the tenant rule is asked of stand-in entries, rolled back
at once). The plan says what changes, field by field, for a
preview. ``import_flat`` plans again and writes the plan in one transaction,
with one statement per table rather than one per row, and history rows as
simple-history writes them.

A row whose values are those of its entry (text and lead-in compared word
for word, so white space and line ends alone are no change) leaves the
entry untouched: not written, its version and history unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from atf import access, limits, outputs
from atf.bulk import fetch_rows, insert_rows
from atf.models import SystemRecommendation, Theme
from atf.text import normalise, normalise_characters, word_diff
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
# Rows one file may hold (atf.limits). A longer file is refused as it is read, at the first row past
# the limit, before anything is written.
MAX_ROWS = limits.MAX_ENTRY_FILE_ROWS
# Changes and new entries a preview lists one by one; the rest are counted.
PREVIEW_LIMIT = 100

LEVELS = frozenset(Level.values)
# An entry's values, in this order, as the plan holds them and as they are written.
VALUE_FIELDS = ("round", "theme", "system_recommendation", "level", "column_place", "lead_in", "text", "position")
ROUND, THEME, SYSTEM, LEVEL, COLUMN, LEAD_IN, TEXT, POSITION = range(len(VALUE_FIELDS))
ENTRY_COLUMNS = (*VALUE_FIELDS, "created", "updated", "version")
FIELD_LABELS = (
    "Round",
    "Theme",
    "System recommendation",
    "Level",
    "Column",
    "Lead-in",
    "Text",
    "Position",
)
# Ids per query, within the database's limit on bound parameters (SQLite's is 999 as Django reads it).
ID_BATCH = 10_000


def _id_batch() -> int:
    limit = connection.features.max_query_params
    return min(ID_BATCH, limit - 99) if limit else ID_BATCH


class FlatImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = "\n".join(errors[:20])
        more = f"\n… and {len(errors) - 20} more." if len(errors) > 20 else ""
        super().__init__(f"Nothing was imported: {len(errors)} row(s) need correcting.\n{shown}{more}")


STALE_PREVIEW = (
    "Someone else changed entries in this file after you checked it, so nothing was imported. "
    "Upload the file again to see what it would change now."
)
CHANGED_DURING_IMPORT = (
    "Someone else changed entries in this file while it was being imported, so nothing was imported. "
    "Import the file again."
)


@dataclass
class FieldChange:
    label: str
    before: str = ""
    after: str = ""
    # For text: (kind, words) runs, kind "same", "removed" or "added".
    words: list[tuple[str, str]] | None = None


@dataclass
class EntryChange:
    row: int
    entry_id: int
    where: str
    fields: list[FieldChange]


@dataclass
class NewEntry:
    row: int
    where: str
    text: str


@dataclass
class FlatResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    # The first PREVIEW_LIMIT changes and new entries, described for a preview.
    changes: list[EntryChange] = field(default_factory=list)
    new_entries: list[NewEntry] = field(default_factory=list)
    # The entries the file names, at the versions planned against, with the counts: a later plan
    # with another fingerprint was made against other data.
    fingerprint: str = ""
    # What is written: (row, values, place ids) to create; (row, id, version, values, place ids or
    # None when the places stay) to update.
    _creates: list[tuple[int, tuple, tuple]] = field(default_factory=list, repr=False)
    _updates: list[tuple[int, int, int, tuple, tuple | None]] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)

    @property
    def changes_not_shown(self) -> int:
        return self.updated - len(self.changes)

    @property
    def new_entries_not_shown(self) -> int:
        return self.created - len(self.new_entries)


# Reading ---------------------------------------------------------------------


def read_rows(path: str | Path) -> Iterator[dict[str, str]]:
    """Rows as dicts keyed by lower-case header: a CSV file's read as they are asked for, an xlsx file's whole."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        yield from _xlsx_rows(path)
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = _header(next(reader, []))
        for values in reader:
            if not values:
                continue
            # Undo the apostrophe our CSV export puts before formula-like text; an
            # xlsx cell is typed as text and needs no such mark.
            yield {
                name: outputs.csv_value(value) if value[:1] == outputs.APOSTROPHE else value
                for name, value in zip(header, values, strict=False)
            }


def _header(names) -> list[str]:
    header = [str(name).strip().lower() for name in names]
    missing = [name for name in ("round", "text") if name not in header]
    if missing:
        raise WorkbookError(
            f"The file has no {' or '.join(f'“{m}”' for m in missing)} column. "
            f"Its first row must name the columns: {', '.join(COLUMNS)}."
        )
    return header


def _xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    """The first sheet's rows. A workbook is read within the workbook limits (``atf.limits``), rows included."""
    sheet = read_workbook(path)[0]
    rows = sheet.rows()
    if not rows:
        return
    cells = sheet.row(rows[0])
    header = dict(zip(cells, _header(cells.values()), strict=True))
    for row_number in rows[1:]:
        cells = sheet.row(row_number)
        yield {name: cells.get(column, "") for column, name in header.items()}


# Planning --------------------------------------------------------------------


class _Lookups:
    """Every reference a row can make, loaded once and scoped to the user."""

    def __init__(self, user):
        self.user = user

        def scoped(queryset, action):
            return queryset if user is None else access.restrict(queryset, user, action)

        # Rows name rounds the user may read (an export of a closed round comes back unchanged);
        # entries are added to, or moved into, open rounds the user may add to only, whoever
        # imports, the command without --as included.
        self.rounds = {r.name: r for r in scoped(Round.objects.select_related("framework"), access.VIEW)}
        self.round_by_id = {r.pk: r for r in self.rounds.values()}
        self.addable_rounds = set(
            scoped(Round.objects.filter(status=Round.Status.OPEN), access.ATTACH).values_list("pk", flat=True)
        )
        themes = list(Theme.objects.all())
        systems = list(SystemRecommendation.objects.all())
        self.themes = {(t.framework_id, t.number): t.pk for t in themes}
        self.system_recommendations = {(s.framework_id, s.number): s.pk for s in systems}
        self.section_labels = {("theme", t.pk): str(t) for t in themes} | {("system", s.pk): str(s) for s in systems}
        # Places the user may attribute entries to, and every place: a row of an entry the user may
        # read but not change names its places as they are, and may come back unchanged.
        self.places = {p.name: p.pk for p in scoped(Place.objects.all(), access.ATTACH)}
        self.place_objects = {p.pk: p for p in Place.objects.all()}
        self.every_place = {p.name: p.pk for p in self.place_objects.values()}

    def entries(self, ids: list[int], action: str) -> set[int]:
        """Which of these entries the user may act on; without a user, any not frozen for a write."""
        found = set()
        for batch in _batches(ids, _id_batch()):
            queryset = Entry.objects.filter(pk__in=batch)
            if self.user is not None:
                queryset = access.restrict(queryset, self.user, action)
            elif action != access.VIEW:
                queryset = queryset.exclude(access.frozen(Entry))
            found.update(queryset.values_list("pk", flat=True))
        return found


def plan_flat(rows: Iterable[dict], *, user=None) -> FlatResult:
    """Read and check every row and compare it with the database, writing nothing.

    Raises FlatImportError with every problem, by row, if any row is wrong,
    and at once if there are more than MAX_ROWS rows.
    """
    lookups = _Lookups(user)
    result = FlatResult()
    errors: list[tuple[int, str]] = []
    updates: dict[int, tuple] = {}
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise FlatImportError([limits.entry_file_too_many_rows()])
        parsed = _parse(row, number, lookups, errors)
        if parsed is None:
            continue
        entry_id, values, place_ids, version, outside = parsed
        if entry_id is None:
            result._creates.append((number, values, place_ids))
        elif entry_id in updates:
            errors.append((number, f"entry {entry_id} is on row {updates[entry_id][0]} too. Keep one row per entry."))
        else:
            updates[entry_id] = (number, values, place_ids, version, outside)
    described, kept_places = _compare(updates, lookups, result, errors)
    if not errors and user is not None:
        _check_results(result, kept_places, user, errors)
    if errors:
        errors.sort(key=lambda error: error[0])
        raise FlatImportError([f"Row {number}: {message}" for number, message in errors])
    result.created = len(result._creates)
    result.updated = len(result._updates)
    _describe(result, described, lookups)
    return result


def _parse(row: dict, number: int, lookups: _Lookups, errors: list):
    def fail(message):
        errors.append((number, message))

    raw_id = (row.get("id") or "").strip()
    entry_id = None
    if raw_id:
        if not _whole(raw_id, 18):
            return fail(f"entry {raw_id[:20]} is not one you may change. Leave the id blank to add a new entry.")
        entry_id = int(raw_id)
    round_name = (row.get("round") or "").strip()
    round_ = lookups.rounds.get(round_name)
    if round_ is None:
        return fail(f"“{row.get('round') or ''}” is not a round you may add entries to.")
    if entry_id is None and round_.pk not in lookups.addable_rounds:
        return fail(_not_addable(round_))
    theme = (row.get("theme") or "").strip()
    system = (row.get("system_recommendation") or "").strip()
    if bool(theme) == bool(system):
        return fail("give either a theme number or a system recommendation number.")
    theme_id = lookups.themes.get((round_.framework_id, int(theme))) if _whole(theme) else None
    system_id = lookups.system_recommendations.get((round_.framework_id, int(system))) if _whole(system) else None
    if theme and theme_id is None:
        return fail(f"there is no theme {theme[:20]} in {round_.framework}.")
    if system and system_id is None:
        return fail(f"there is no system recommendation {system[:20]} in {round_.framework}.")
    level = (row.get("level") or Level.BOROUGH).strip()
    if level not in LEVELS:
        return fail(f"“{level}” is not a level ({', '.join(Level.values)}).")
    # A place the user may not attribute entries to is refused for a new entry at once, and for a
    # row of an existing entry only if the row changes it.
    outside = None
    column_name = (row.get("column_place") or "").strip()
    column_id = None
    if column_name:
        column_id = lookups.places.get(column_name)
        if column_id is None:
            column_id = lookups.every_place.get(column_name)
            outside = f"“{column_name}” is not a place you may report for."
            if column_id is None or entry_id is None:
                return fail(outside)
    if problem := Entry.level_error(level, lookups.place_objects.get(column_id)):
        return fail(problem)
    place_ids = []
    for name in (row.get("places") or "").split(PLACE_SEPARATOR):
        name = name.strip()
        if not name:
            continue
        place_id = lookups.places.get(name)
        if place_id is None:
            place_id = lookups.every_place.get(name)
            outside = outside or f"“{name}” is not a place you may attribute entries to."
            if place_id is None or entry_id is None:
                return fail(f"“{name}” is not a place you may attribute entries to.")
        if place_id not in place_ids:
            place_ids.append(place_id)
    text = row.get("text") or ""
    if not text.strip():
        return fail("the text is empty.")
    position = (row.get("position") or "0").strip()
    if not _whole(position):
        return fail(f"position “{position[:20]}” is not a whole number.")
    version = (row.get("version") or "").strip()
    if version and not _whole(version):
        return fail(f"version “{version[:20]}” is not a whole number. Leave it as it was exported.")
    values = (
        round_.pk,
        theme_id,
        system_id,
        level,
        column_id,
        _lead_in(row.get("lead_in") or ""),
        _text(text),
        int(position),
    )
    return entry_id, values, tuple(place_ids), int(version) if version else None, outside


def _whole(text: str, digits: int = 9) -> bool:
    """A whole number ``int()`` takes: ASCII digits, and not too many."""
    return text.isascii() and text.isdigit() and len(text) <= digits


def _text(text: str) -> str:
    """``normalise(text).strip()``: at once for one line of plain printable ASCII, which it leaves as it is."""
    return text.strip() if text.isascii() and text.isprintable() else normalise(text).strip()


def _lead_in(text: str) -> str:
    return text if text.isascii() and text.isprintable() else normalise_characters(text)


def _not_addable(round_: Round) -> str:
    if not round_.is_open:
        return f"the round “{round_}” is closed. An ICS reviewer can reopen it if it needs changing."
    return f"“{round_}” is not a round you may add entries to."


def _same_words(a: str, b: str) -> bool:
    return a == b or normalise(a).split() == normalise(b).split()


# An entry's version and values as the database holds them, in the plan's order.
CURRENT_FIELDS = (
    "pk",
    "version",
    "round_id",
    "theme_id",
    "system_recommendation_id",
    "level",
    "column_place_id",
    "lead_in",
    "text",
    "position",
)


def _compare(updates: dict[int, tuple], lookups: _Lookups, result: FlatResult, errors: list):
    """Sort the rows of existing entries into unchanged and updated.

    Returns the first updates as (row, id, old values, old places, new values, new places), for a
    preview, and the places of updated entries whose places stay, for ``_check_results``.
    """
    ids = list(updates)
    current: dict[int, tuple] = {}
    places: dict[int, set[int]] = {}
    for batch in _batches(ids, _id_batch()):
        for row in fetch_rows(Entry.objects.filter(pk__in=batch).values_list(*CURRENT_FIELDS)):
            current[row[0]] = row
        for entry_id, place_id in fetch_rows(
            Entry.places.through.objects.filter(entry_id__in=batch).values_list("entry_id", "place_id")
        ):
            places.setdefault(entry_id, set()).add(place_id)
    readable = lookups.entries(list(current), access.VIEW)
    changeable = lookups.entries(list(readable), access.CHANGE)
    seen = hashlib.sha256()
    described = []
    kept_places: dict[int, set[int]] = {}
    for entry_id, (number, values, place_ids, version, outside) in updates.items():
        if entry_id not in readable:
            # The same words whether the entry does not exist or is not the user's to read.
            errors.append(
                (number, f"entry {entry_id} is not one you may change. Leave the id blank to add a new entry.")
            )
            continue
        now = current[entry_id]
        seen.update(f"{entry_id}:{now[1]};".encode())
        old = now[2:]
        old_places = places.get(entry_id, set())
        # Text is changed only where its words are: white space and line ends alone keep the stored text.
        values = list(values)
        if values[TEXT] != old[TEXT] and _same_words(values[TEXT], old[TEXT]):
            values[TEXT] = old[TEXT]
        if values[LEAD_IN] != old[LEAD_IN] and _same_words(values[LEAD_IN], old[LEAD_IN]):
            values[LEAD_IN] = old[LEAD_IN]
        values = tuple(values)
        same_places = set(place_ids) == old_places
        if values == old and same_places:
            result.unchanged += 1
            continue
        if entry_id not in changeable:
            errors.append((number, f"entry {entry_id} is not one you may change. Leave it as it is."))
            continue
        if version is not None and version != now[1]:
            errors.append(
                (
                    number,
                    f"entry {entry_id} was changed by someone else after this file was exported. "
                    "Export the entries again and make your change there.",
                )
            )
            continue
        if outside:
            errors.append((number, outside))
            continue
        if values[ROUND] != old[ROUND] and values[ROUND] not in lookups.addable_rounds:
            errors.append((number, _not_addable(lookups.round_by_id[values[ROUND]])))
            continue
        result._updates.append((number, entry_id, now[1], values, None if same_places else place_ids))
        if same_places:
            kept_places[entry_id] = old_places
        if len(described) < PREVIEW_LIMIT:
            described.append((number, entry_id, old, sorted(old_places), values, place_ids))
    seen.update(f"{len(result._creates)}:{len(result._updates)}:{result.unchanged}".encode())
    result.fingerprint = seen.hexdigest()
    return described, kept_places


def _check_results(result: FlatResult, kept_places: dict[int, set[int]], user, errors: list) -> None:
    """Every entry as written must be one the user may change, by the tenant rule, or its row is refused.

    The rule reads an entry's round, level, column place and places, nothing
    else, so it is asked once for each distinct combination of those that
    the plan would write: of a stand-in entry inserted with those values and
    rolled back at once.
    """
    rows_by_kind: dict[tuple, list[int]] = {}
    sections: dict[tuple, tuple] = {}

    def note(number, values, place_ids):
        key = (values[ROUND], values[LEVEL], values[COLUMN], frozenset(place_ids))
        rows_by_kind.setdefault(key, []).append(number)
        sections.setdefault(key, (values[THEME], values[SYSTEM]))

    for number, values, place_ids in result._creates:
        note(number, values, place_ids)
    for number, entry_id, _, values, place_ids in result._updates:
        note(number, values, place_ids if place_ids is not None else kept_places[entry_id])
    if not rows_by_kind:
        return
    kinds = list(rows_by_kind)
    with transaction.atomic():
        stand_ins = Entry.objects.bulk_create(
            [
                Entry(
                    round_id=kind[0],
                    level=kind[1],
                    column_place_id=kind[2],
                    theme_id=sections[kind][0],
                    system_recommendation_id=sections[kind][1],
                    text="",
                )
                for kind in kinds
            ]
        )
        link_places([(entry.pk, place) for entry, kind in zip(stand_ins, kinds, strict=True) for place in kind[3]])
        ids = [entry.pk for entry in stand_ins]
        allowed = set(
            access.restrict(Entry.objects.filter(pk__in=ids), user, access.CHANGE).values_list("pk", flat=True)
        )
        transaction.set_rollback(True)
    for entry_id, kind in zip(ids, kinds, strict=True):
        if entry_id not in allowed:
            errors.extend(
                (number, "the entry would be one you may not change (check its level, column place and places).")
                for number in rows_by_kind[kind]
            )


def _describe(result: FlatResult, described: list[tuple], lookups: _Lookups) -> None:
    """The first changes, field by field, and the first new entries, in words, for a preview."""
    places = lookups.place_objects

    def show(index, values, place_ids):
        value = values[index]
        if index == ROUND:
            return str(lookups.round_by_id.get(value, ""))
        if index in (THEME, SYSTEM):
            return lookups.section_labels.get(("theme" if index == THEME else "system", value), "") if value else ""
        if index == LEVEL:
            return Level(value).label if value in LEVELS else value
        if index == COLUMN:
            return places[value].label if value in places else "Borough column"
        return str(value)

    def where(values, place_ids):
        section = show(THEME, values, place_ids) or show(SYSTEM, values, place_ids)
        named = ", ".join(places[p].label for p in place_ids if p in places)
        return " · ".join(part for part in (show(ROUND, values, place_ids), section, named) if part)

    for number, entry_id, old, old_places, new, new_places in described:
        fields = []
        for index, label in enumerate(FIELD_LABELS):
            if old[index] == new[index]:
                continue
            if index == TEXT:
                fields.append(FieldChange(label, old[TEXT], new[TEXT], words=word_diff(old[TEXT], new[TEXT])))
            else:
                fields.append(FieldChange(label, show(index, old, old_places), show(index, new, new_places)))
        if sorted(old_places) != sorted(new_places):
            fields.append(
                FieldChange(
                    "Places",
                    ", ".join(places[p].label for p in old_places if p in places),
                    ", ".join(places[p].label for p in new_places if p in places),
                )
            )
        result.changes.append(EntryChange(number, entry_id, where(old, old_places), fields))
    for number, values, place_ids in result._creates[:PREVIEW_LIMIT]:
        text = values[LEAD_IN] + values[TEXT]
        result.new_entries.append(NewEntry(number, where(values, place_ids), text))


# Writing ---------------------------------------------------------------------


def import_flat(rows: Iterable[dict], *, user=None, dry_run: bool = False, expect: str | None = None) -> FlatResult:
    """Plan and write flat entry rows, in one transaction. Raises FlatImportError (nothing written) if any is wrong.

    ``dry_run`` plans only. ``expect`` is the fingerprint of an earlier plan
    (a preview): if the file now plans against other data, nothing is written.
    """
    if dry_run:
        return plan_flat(rows, user=user)
    with transaction.atomic():
        result = plan_flat(rows, user=user)
        if expect is not None and result.fingerprint != expect:
            raise FlatImportError([STALE_PREVIEW])
        _write(result, user)
    return result


def import_flat_file(path: str | Path, *, user=None, dry_run: bool = False, expect: str | None = None) -> FlatResult:
    """``import_flat`` of a file, with any reading problem (not UTF-8, not CSV, a bad xlsx) as FlatImportError."""
    try:
        return import_flat(read_rows(path), user=user, dry_run=dry_run, expect=expect)
    except WorkbookError as exc:
        raise FlatImportError([str(exc)]) from None
    except UnicodeDecodeError:
        raise FlatImportError(["The file is not UTF-8 text. Save it as “CSV UTF-8” or as an Excel workbook."]) from None
    except csv.Error as exc:
        raise FlatImportError([f"The file could not be read as CSV ({exc}). Save it as “CSV UTF-8”."]) from None


def _write(result: FlatResult, user) -> None:
    now = timezone.now()
    user_id = user.pk if user is not None else None
    if result._updates:
        _update(result._updates, now, user_id)
    if result._creates:
        _create(result._creates, now, user_id)


def _columns(model, names) -> list[str]:
    quote = connection.ops.quote_name
    return [quote(model._meta.get_field(name).column) for name in names]


def _record_history(where: str, params: list, when, history_type: str, user_id) -> None:
    """History rows, as simple-history writes them, copied in the database from the entries as they now are."""
    history = Entry.history.model
    names = [f.name for f in Entry._meta.concrete_fields]
    history_date = history._meta.get_field("history_date").get_db_prep_save(when, connection)
    sql = "INSERT INTO {} ({}) SELECT {}, %s, %s, %s FROM {} WHERE {}".format(  # noqa: S608 - names from models
        connection.ops.quote_name(history._meta.db_table),
        ", ".join(_columns(history, [*names, "history_date", "history_type", "history_user"])),
        ", ".join(_columns(Entry, names)),
        connection.ops.quote_name(Entry._meta.db_table),
        where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [history_date, history_type, user_id, *params])


def _update(updates: list[tuple], now, user_id) -> None:
    """One UPDATE per entry, sent at once; each only if the entry is still at the version planned against."""
    table = connection.ops.quote_name(Entry._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in _columns(Entry, [*VALUE_FIELDS, "updated"]))
    version, pk = _columns(Entry, ["version", "id"])
    sql = f"UPDATE {table} SET {assignments}, {version} = {version} + 1 WHERE {pk} = %s AND {version} = %s"  # noqa: S608
    updated = Entry._meta.get_field("updated").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*values, updated, entry_id, at) for _, entry_id, at, values, _ in updates])
        if cursor.rowcount != len(updates):
            raise FlatImportError([CHANGED_DURING_IMPORT])
    ids = [entry_id for _, entry_id, *_ in updates]
    for batch in _batches(ids, _id_batch()):
        _record_history(f"{pk} IN ({', '.join(['%s'] * len(batch))})", batch, now, "~", user_id)
    moved = [(entry_id, place_ids) for _, entry_id, _, _, place_ids in updates if place_ids is not None]
    for batch in _batches([entry_id for entry_id, _ in moved], _id_batch()):
        Entry.places.through.objects.filter(entry_id__in=batch).delete()
    link_places((entry_id, place_id) for entry_id, place_ids in moved for place_id in place_ids)


def _create(creates: list[tuple], now, user_id) -> None:
    """Insert the new entries in one statement, read their ids back, link their places and record them.

    Rows are inserted in the file's order, so their ids rise in it. They are
    read back as the entries newer than any before and stamped with this
    import's time; if anything else matches (someone else's import at the
    same instant), nothing is kept rather than link the wrong entries.
    """
    before = Entry.objects.aggregate(Max("pk"))["pk__max"] or 0
    stamp = Entry._meta.get_field("created").get_db_prep_save(now, connection)
    insert_rows(Entry, ENTRY_COLUMNS, ((*values, stamp, stamp, 1) for _, values, _ in creates), prepared=True)
    found = fetch_rows(
        Entry.objects.filter(pk__gt=before, created=now).order_by("pk").values_list("pk", "round_id", "position")
    )
    if len(found) != len(creates) or any(
        (row[1], row[2]) != (values[ROUND], values[POSITION])
        for row, (_, values, _) in zip(found, creates, strict=False)
    ):
        raise FlatImportError([CHANGED_DURING_IMPORT])
    pk, created = _columns(Entry, ["id", "created"])
    _record_history(f"{pk} > %s AND {created} = %s", [before, stamp], now, "+", user_id)
    link_places(
        (row[0], place_id) for row, (_, _, place_ids) in zip(found, creates, strict=True) for place_id in place_ids
    )


def _batches(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# Exporting -------------------------------------------------------------------


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


__all__ = [
    "MAX_ROWS",
    "FlatImportError",
    "FlatResult",
    "WorkbookError",
    "export_flat",
    "import_flat",
    "import_flat_file",
    "plan_flat",
    "read_rows",
]
