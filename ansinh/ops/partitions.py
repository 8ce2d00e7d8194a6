"""Partition upkeep on PostgreSQL (docs/scaling.md "Partitioning"; ``ansinh/lib/partitions.py``):
``ansinh partitions`` creates the partitions ahead of time, ``ansinh purge`` drops whole months
of the audit and data-access logs past their retention.

Ahead: the month rows through next year + 1 (a report for December, a correction reaching
into next year, all land in a partition of their own), the logs through 3 months from now. Run
``ansinh partitions`` daily (docs/operations.md, scheduled jobs): a missed run costs nothing
but rows parked in the default partition until the next one moves them out.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from ansinh.lib import partitions

MONTH_ROWS_YEARS_AHEAD = 2
LOG_MONTHS_AHEAD = 3
AHEAD = {
    partitions.MONTH_ROWS: MONTH_ROWS_YEARS_AHEAD,
    partitions.AUDIT_EVENTS: LOG_MONTHS_AHEAD,
    partitions.DATA_ACCESS: LOG_MONTHS_AHEAD,
}
# A partition is dropped under a lock on its parent table: give up rather than queue every
# insert of the log behind a long-running read (the next daily run tries again).
LOCK_TIMEOUT = "5s"


def ensure_partitions(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Create the partitions ahead (idempotent); returns the names created per table. Nothing
    to do on SQLite."""
    if connection.vendor != "postgresql":
        return {}
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    created = {}
    for scheme, ahead in AHEAD.items():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            created[scheme.table] = partitions.ensure(cursor, scheme, today=today, ahead=ahead)
    return created


def drop_log_partitions(scheme: partitions.Scheme, cutoff: dt.datetime) -> int:
    """Drop the partitions of a log entirely older than ``cutoff``; returns their rows. 0 on
    SQLite (the purge deletes rows there)."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # Rows written earlier in the caller's transaction (a test's) hold deferred
        # foreign-key checks, which PostgreSQL will not let a DROP TABLE skip: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return partitions.drop_before(cursor, scheme, cutoff)
