"""Inserting many rows with one prepared statement.

``bulk_create`` prepares every value of every row through its field, and on
SQLite sends at most 999 values a statement. For the tens of thousands of
rows of a large import, that preparation costs several times the insert
itself. ``insert_rows`` builds the statement once from the model's own
table and columns and runs it with ``executemany``. Text, numbers and ids
go to the driver as they are; any other value (dates and times) is
converted by its field, as ``bulk_create`` would, once per distinct value.

It writes rows only: no ``save()``, no signals, no history. Callers that
need history write it themselves, and ids are read back by the caller
from something the rows are known to be unique on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connections, models

# Fields whose Python values the database drivers take as they are.
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)
BATCH = 5000


def insert_rows(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Iterable[Sequence],
    *,
    using: str = "default",
    prepared: bool = False,
) -> int:
    """Insert ``rows`` (values in the order of ``field_names``) into ``model``'s table. Returns the count.

    With ``prepared``, every value is already in the database's form (a time
    converted once by its field's ``get_db_prep_save``) and none is converted.
    """
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names come from the model, values are bound
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    converters = [
        (index, _Converter(field, connection))
        for index, field in enumerate(fields)
        if not prepared and field.get_internal_type() not in PLAIN_TYPES
    ]
    rows = iter(rows)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk load: several times faster than even a pipelined executemany.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(_convert(row, converters) if converters else row)
                    count += 1
            return count
        while batch := list(islice(rows, BATCH)):
            if converters:
                batch = [_convert(row, converters) for row in batch]
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _convert(row: Sequence, converters) -> list:
    row = list(row)
    for index, converter in converters:
        row[index] = converter(row[index])
    return row


class _Converter:
    """A field's database preparation, remembering the last value: an import stamps every row with one time."""

    def __init__(self, field: models.Field, connection):
        self.field = field
        self.connection = connection
        self.last_in = self.last_out = object()

    def __call__(self, value):
        if value is not self.last_in:
            self.last_in, self.last_out = value, self.field.get_db_prep_save(value, self.connection)
        return self.last_out


def fetch_rows(queryset: models.QuerySet) -> list[tuple]:
    """A ``values_list`` queryset's rows as the driver returns them, without the ORM's per-row work.

    For ids, numbers and text: values are not passed through the fields'
    ``from_db_value`` (a date comes back as the driver gives it).
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def collection_paused():
    """Pause Python's cycle collector for one bulk job of a single-threaded process.

    The collector is the whole process's: paused, it is paused for every
    thread. So this is for jobs that have the process to themselves (the
    ``import_stocktake`` command and the benchmark), never for a request's
    path; called from any thread but the main one (a threaded server's
    request) it leaves the collector alone. A workbook import allocates
    hundreds of thousands of short-lived objects, none of them in reference
    cycles, and each burst would otherwise set off collections that walk the
    whole heap. Collection resumes afterwards, whatever happens.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
