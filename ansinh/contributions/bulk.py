"""Fast inserts of many rows: PostgreSQL ``COPY`` through psycopg 3, ``bulk_create`` elsewhere.

Used by report ingest (report lines, month rows) where a report may have a million lines;
the rows are plain tuples in the order of ``columns`` (database column names). ``chunks`` cuts
a list of keys into pieces small enough for one ``IN (…)`` lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models

BATCH = 5000
LOOKUP_CHUNK = 5000


def chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    """``values`` in pieces of at most ``size``, for lookups by ``IN (…)``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` into ``model``'s table inside the caller's transaction; returns how
    many. No signals, no ``save()``: callers pass complete, validated values."""
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows)
    # Elsewhere (SQLite): plain executemany, values adapted as Django stores them.
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - our own names
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(statement, [tuple(map(_adapt, row)) for row in batch])
            count += len(batch)
    return count


def _adapt(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _copy(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count
