"""Partitions on PostgreSQL (issue 16; ``ansinh/lib/partitions.py``, ``ansinh/ops/partitions.py``):
the audit and data-access logs are partitioned by month, ``ansinh partitions`` creates the
partitions ahead and is idempotent, ``ansinh purge`` drops the months past the retention and
deletes rows only in the month at the boundary. On SQLite the command does nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from ansinh.audit.models import AuditEvent, DataAccess
from ansinh.lib import partitions
from ansinh.ops.partitions import ensure_partitions
from ansinh.ops.retention import purge
from ansinh.people.models import Person

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions: PostgreSQL only"
)
UTC = dt.UTC


def names(scheme: partitions.Scheme) -> set[str]:
    with connection.cursor() as cursor:
        return set(partitions.partitions(cursor, scheme))


@postgresql_only
@pytest.mark.parametrize(
    ("table", "key", "step"),
    [
        ("contributions_contributionmonth", "month", "year"),
        ("audit_auditevent", "occurred_at", "month"),
        ("audit_dataaccess", "accessed_at", "month"),
    ],
)
def test_the_tables_are_partitioned_by_range(table, key, step):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = %s::regclass",
            [table],
        )
        assert cursor.fetchall() == [("r", key)]
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [table])
        assert cursor.fetchone()[0] >= 2  # the default partition and at least one range
    scheme = next(s for s in partitions.SCHEMES if s.table == table)
    assert scheme.step == step


@postgresql_only
def test_partitions_creates_ahead_and_is_idempotent():
    with time_machine.travel(dt.datetime(2031, 6, 15, 12, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("partitions", stdout=out)
        assert "contributions_contributionmonth: 3 created" in out.getvalue()
        assert {
            "contributions_contributionmonth_y2031",
            "contributions_contributionmonth_y2032",
            "contributions_contributionmonth_y2033",
        } <= names(partitions.MONTH_ROWS)
        assert "contributions_contributionmonth_y2034" not in names(partitions.MONTH_ROWS)
        months = {f"audit_auditevent_p2031_{m:02}" for m in (6, 7, 8, 9)}
        assert months <= names(partitions.AUDIT_EVENTS)
        assert "audit_auditevent_p2031_10" not in names(partitions.AUDIT_EVENTS)
        assert {f"audit_dataaccess_p2031_{m:02}" for m in (6, 7, 8, 9)} <= names(
            partitions.DATA_ACCESS
        )
        before = {scheme.table: names(scheme) for scheme in partitions.SCHEMES}

        again = StringIO()
        call_command("partitions", stdout=again)
        assert ensure_partitions() == {scheme.table: [] for scheme in partitions.SCHEMES}
        assert {scheme.table: names(scheme) for scheme in partitions.SCHEMES} == before
        assert again.getvalue().count(": 0 created") == 3

        # An event of this month lands in this month's partition.
        event = AuditEvent.objects.create(occurred_at=dt.datetime.now(UTC), event="test")
        assert AuditEvent.objects.filter(pk=event.pk).values_list("occurred_at", flat=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk]
            )
            assert cursor.fetchone() == ("audit_auditevent_p2031_06",)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_partitions_does_nothing_on_sqlite():
    out = StringIO()
    call_command("partitions", stdout=out)
    assert out.getvalue() == "not PostgreSQL: no partitions\n"


@postgresql_only
def test_purge_drops_the_months_past_the_retention_and_keeps_the_newer_rows(settings, citizen):
    settings.RETENTION_AUDIT_DAYS = 365
    person = Person.objects.get(bhxh_code="0123456789")
    ensure_partitions(now=dt.datetime(2020, 1, 1, tzinfo=UTC))  # 2020-01 to 2020-04

    def log(day: dt.datetime) -> None:
        AuditEvent.objects.create(occurred_at=day, event="test")
        DataAccess.objects.create(person=person, accessed_at=day, what="profile")

    log(dt.datetime(2020, 1, 10, tzinfo=UTC))
    log(dt.datetime(2020, 1, 31, 23, 59, tzinfo=UTC))
    log(dt.datetime(2020, 2, 3, tzinfo=UTC))  # the boundary month: before the cutoff
    log(dt.datetime(2020, 2, 20, tzinfo=UTC))  # the boundary month: after it
    log(dt.datetime(2020, 3, 5, tzinfo=UTC))

    counts = purge(now=dt.datetime(2021, 2, 10, tzinfo=UTC))  # cutoff 2020-02-11
    assert (counts["audit_events"], counts["data_access"]) == (3, 3)
    assert "audit_auditevent_p2020_01" not in names(partitions.AUDIT_EVENTS)
    assert "audit_dataaccess_p2020_01" not in names(partitions.DATA_ACCESS)
    assert {"audit_auditevent_p2020_02", "audit_auditevent_p2020_03"} <= names(
        partitions.AUDIT_EVENTS
    )
    kept = [dt.datetime(2020, 2, 20, tzinfo=UTC), dt.datetime(2020, 3, 5, tzinfo=UTC)]
    assert (
        list(AuditEvent.objects.order_by("occurred_at").values_list("occurred_at", flat=True))
        == kept
    )
    assert (
        list(DataAccess.objects.order_by("accessed_at").values_list("accessed_at", flat=True))
        == kept
    )
