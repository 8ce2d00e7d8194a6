# ruff: noqa: S608 - table, column and partition names and bounds come from our own constants
# and from dates; never from a request
"""PostgreSQL declarative range partitioning (docs/scaling.md "Partitioning"): the month rows
by year of ``month``, the audit log and the data-access log by calendar month (UTC) of their
timestamp.

Django keeps ``id`` as each model's primary key; at the SQL level the primary key is
``(id, <partition key>)`` because PostgreSQL wants the partition key in every primary key and
unique constraint (the month rows' unique ``(person, month, unit)`` already holds it). Ids stay
unique: they all come from the one identity sequence.

Every partitioned table has a **default partition** (``<table>_default``): a row whose
partition does not exist yet (a month row of 1995 from a report's correction, a clock far
ahead) is stored there instead of failing the insert. ``ansinh partitions`` (daily) creates the
partitions ahead of time and moves any rows waiting in the default partition into partitions of
their own, so the default partition stays empty in normal operation.

Partitions are named ``<table>_y2026`` (years) and ``<table>_p2026_12`` (months); only the
partitions named so are dropped by ``ansinh purge`` (``drop_before``).

The functions take a database cursor and run inside the caller's transaction; on SQLite there
is nothing to do and callers check ``connection.vendor`` first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

YEAR = "year"
MONTH = "month"


@dataclass(frozen=True)
class Scheme:
    """How one table is partitioned: by ``step`` ("year" or "month") of the column ``key``,
    which is a ``date`` or (``timestamp=True``) a ``timestamp with time zone`` cut at UTC."""

    table: str
    key: str
    step: str
    timestamp: bool = False

    @property
    def default(self) -> str:
        return f"{self.table}_default"

    def floor(self, day: dt.date) -> dt.date:
        """The first day of the partition holding ``day``."""
        return dt.date(day.year, 1, 1) if self.step == YEAR else day.replace(day=1)

    def after(self, start: dt.date, steps: int = 1) -> dt.date:
        """The first day ``steps`` partitions after the one starting on ``start``."""
        if self.step == YEAR:
            return dt.date(start.year + steps, 1, 1)
        months = start.year * 12 + start.month - 1 + steps
        return dt.date(months // 12, months % 12 + 1, 1)

    def name(self, start: dt.date) -> str:
        if self.step == YEAR:
            return f"{self.table}_y{start.year}"
        return f"{self.table}_p{start.year}_{start.month:02}"

    def start_of(self, name: str) -> dt.date | None:
        """The first day of the partition called ``name``; None for the default partition and
        any table not named by ``name``."""
        prefix = re.escape(self.table)
        if match := re.fullmatch(rf"{prefix}_y(\d{{4}})", name):
            return dt.date(int(match[1]), 1, 1) if self.step == YEAR else None
        if match := re.fullmatch(rf"{prefix}_p(\d{{4}})_(\d\d)", name):
            return dt.date(int(match[1]), int(match[2]), 1) if self.step == MONTH else None
        return None

    def literal(self, day: dt.date) -> str:
        """A bound as an SQL literal (UTC midnight for timestamps)."""
        return f"'{day.isoformat()} 00:00:00+00'" if self.timestamp else f"'{day.isoformat()}'"

    def bucket(self) -> str:
        """SQL: the first day of the partition of each row."""
        key = f"{self.key} AT TIME ZONE 'UTC'" if self.timestamp else self.key
        return f"date_trunc('{self.step}', {key})::date"


MONTH_ROWS = Scheme("contributions_contributionmonth", "month", YEAR)
AUDIT_EVENTS = Scheme("audit_auditevent", "occurred_at", MONTH, timestamp=True)
DATA_ACCESS = Scheme("audit_dataaccess", "accessed_at", MONTH, timestamp=True)
SCHEMES = (MONTH_ROWS, AUDIT_EVENTS, DATA_ACCESS)


def is_partitioned(cursor: Any, table: str) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
        [table],
    )
    return bool(cursor.fetchone()[0])


def partitions(cursor: Any, scheme: Scheme) -> dict[str, dt.date | None]:
    """The partitions of ``scheme.table``: name → first day (None: default or foreign)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [scheme.table],
    )
    return {name: scheme.start_of(name) for (name,) in cursor.fetchall()}


def _create(cursor: Any, scheme: Scheme, parent: str, start: dt.date) -> None:
    cursor.execute(
        f"CREATE TABLE {scheme.name(start)} PARTITION OF {parent} FOR VALUES "
        f"FROM ({scheme.literal(start)}) TO ({scheme.literal(scheme.after(start))})"
    )


def _definitions(cursor: Any, table: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """The primary key's name, the unique and foreign-key constraints (name, definition) and
    the other indexes (``CREATE INDEX`` statements) of ``table``."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY conname",
        [table],
    )
    primary = ""
    constraints = []
    for name, kind, definition in cursor.fetchall():
        if kind == "p":
            primary = name
        else:
            constraints.append((name, definition))
    cursor.execute(
        "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "  WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    return primary, constraints, [row[0] for row in cursor.fetchall()]


def rebuild(cursor: Any, scheme: Scheme, *, today: dt.date, ahead: int, partition: bool) -> None:
    """Turn ``scheme.table`` into a partitioned table (``partition=True``) or back into a plain
    one, keeping its rows, ids, columns, checks, constraints and index names.

    Partitioned: partitions from the first row's (or ``today``'s) to ``ahead`` after today's,
    contiguous, and the default partition. The table is locked and copied in one transaction:
    for a large table this is a maintenance window (docs/operations.md)."""
    table = scheme.table
    new = f"{table}__new"
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    primary, constraints, indexes = _definitions(cursor, table)
    like = (
        f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
        "INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)"
    )
    if partition:
        cursor.execute(f"{like} PARTITION BY RANGE ({scheme.key})")
        cursor.execute(f"SELECT min({scheme.bucket()}), max({scheme.bucket()}) FROM {table}")
        first, last = cursor.fetchone()
        start = scheme.floor(min(first or today, today))
        end = scheme.after(scheme.floor(max(last or today, today)), ahead + 1)
        while start < end:
            _create(cursor, scheme, new, start)
            start = scheme.after(start)
        cursor.execute(f"CREATE TABLE {scheme.default} PARTITION OF {new} DEFAULT")
    else:
        cursor.execute(like)
    cursor.execute(f"INSERT INTO {new} OVERRIDING SYSTEM VALUE SELECT * FROM {table}")
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [new])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT setval(%s, coalesce(max(id), 0) + 1, false) FROM {new}", [sequence])
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")
    columns = f"id, {scheme.key}" if partition else "id"
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {primary} PRIMARY KEY ({columns})")
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for statement in indexes:
        cursor.execute(statement)
    # Autovacuum analyzes the partitions, never a partitioned table itself.
    cursor.execute(f"ANALYZE {table}")


def ensure(cursor: Any, scheme: Scheme, *, today: dt.date, ahead: int) -> list[str]:
    """Create the partitions from ``today``'s to ``ahead`` after it, and one for every row
    waiting in the default partition (its rows moved in); return the names created.
    Idempotent; does nothing if the table is not partitioned."""
    if not is_partitioned(cursor, scheme.table):
        return []
    existing = {start for start in partitions(cursor, scheme).values() if start}
    wanted = {scheme.after(scheme.floor(today), step) for step in range(ahead + 1)}
    cursor.execute(f"SELECT DISTINCT {scheme.bucket()} FROM {scheme.default}")
    waiting = {row[0] for row in cursor.fetchall()}
    created = []
    for start in sorted((wanted | waiting) - existing):
        name = scheme.name(start)
        if start not in waiting:
            _create(cursor, scheme, scheme.table, start)
        else:
            # Rows in the default partition for this range: PostgreSQL refuses a new
            # partition they would belong to, so move them into a table attached after.
            lower, upper = scheme.literal(start), scheme.literal(scheme.after(start))
            cursor.execute(
                f"CREATE TABLE {name} (LIKE {scheme.table} INCLUDING DEFAULTS "
                "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            )
            cursor.execute(
                f"WITH moved AS (DELETE FROM {scheme.default} WHERE {scheme.key} >= {lower} "
                f"AND {scheme.key} < {upper} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
            )
            cursor.execute(
                f"ALTER TABLE {scheme.table} ATTACH PARTITION {name} "
                f"FOR VALUES FROM ({lower}) TO ({upper})"
            )
        created.append(name)
    return created


def drop_before(cursor: Any, scheme: Scheme, cutoff: dt.datetime) -> int:
    """Drop the partitions whose every row is older than ``cutoff`` (their end ≤ cutoff);
    return how many rows they held. Rows of the partition holding ``cutoff`` and of the
    default partition are the caller's to delete."""
    if not is_partitioned(cursor, scheme.table):
        return 0
    dropped = 0
    for name, start in partitions(cursor, scheme).items():
        if start is None:
            continue
        end = scheme.after(start)
        if dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC) > cutoff:
            continue
        cursor.execute(f"SELECT count(*) FROM {name}")
        dropped += cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {name}")
    return dropped
