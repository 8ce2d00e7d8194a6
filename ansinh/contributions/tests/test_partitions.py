"""Month rows are partitioned by year on PostgreSQL (issue 16; ``ansinh/lib/partitions.py``):
rows land in their year's partition through both ingest paths (the unit API's generic path and
the SQL path), a month no partition holds yet waits in the default partition and ``ansinh
partitions`` moves it into a partition of its own. PostgreSQL only (SQLite has no partitions).
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from ansinh.contributions.models import ContributionMonth
from ansinh.lib import partitions

from .conftest import line, send

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions: PostgreSQL only"),
    pytest.mark.django_db,
]
TABLE = partitions.MONTH_ROWS.table


def where_rows_are() -> dict[str, int]:
    """Partition name → how many month rows it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM contributions_contributionmonth "
            "GROUP BY 1"
        )
        return dict(cursor.fetchall())


def test_the_month_rows_table_is_partitioned_by_range_of_month_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = %s::regclass",
            [TABLE],
        )
        assert cursor.fetchall() == [("r", "month")]
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype",
            [TABLE],
        )
        assert cursor.fetchall() == [
            ("PRIMARY KEY (id, month)",),
            ("UNIQUE (person_id, month, unit_id)",),
        ]
        assert f"{TABLE}_default" in partitions.partitions(cursor, partitions.MONTH_ROWS)


@pytest.mark.parametrize("sql_path", [True, False], ids=["sql ingest", "generic ingest"])
def test_a_report_writes_its_month_rows_into_their_years_partition(
    api, citizen, unit_key, settings, sql_path
):
    settings.REPORT_INGEST_SQL = sql_path
    call_command("partitions", stdout=StringIO())
    response = send(
        api,
        unit_key,
        "D02-2026-10",
        "2026-10",
        [line("0123456789", "hire", "2026-08", salary=10_000_000)],
    )
    assert response.status_code == 201, response.content
    assert where_rows_are() == {f"{TABLE}_y2026": 3}
    assert ContributionMonth.objects.filter(month__year=2026).count() == 3


@pytest.mark.parametrize("sql_path", [True, False], ids=["sql ingest", "generic ingest"])
def test_a_month_without_a_partition_waits_in_the_default_one_until_partitions_runs(
    api, citizen, unit_key, settings, sql_path
):
    settings.REPORT_INGEST_SQL = sql_path
    call_command("partitions", stdout=StringIO())
    hired = send(
        api,
        unit_key,
        "D02-2026-10",
        "2026-10",
        [line("0123456789", "hire", "2026-10", salary=10_000_000)],
    )
    assert hired.status_code == 201, hired.content
    # A correction of 2016 (no partition for 2016 exists): stored, in the default partition.
    corrected = send(
        api,
        unit_key,
        "D02-2026-10-B",
        "2026-10",
        [line("0123456789", "correct_period", "2016-11", to_month="2016-12", salary=4_000_000)],
    )
    assert corrected.status_code == 201, corrected.content
    assert where_rows_are() == {f"{TABLE}_y2026": 1, f"{TABLE}_default": 2}
    ids = sorted(ContributionMonth.objects.filter(month__year=2016).values_list("id", flat=True))

    out = StringIO()
    call_command("partitions", stdout=out)
    assert f"{TABLE}: 1 created: {TABLE}_y2016" in out.getvalue()
    assert where_rows_are() == {f"{TABLE}_y2026": 1, f"{TABLE}_y2016": 2}
    moved = ContributionMonth.objects.filter(month__year=2016).order_by("id")
    assert [(row.id, row.salary) for row in moved] == [(pk, 4_000_000) for pk in ids]
    # The sequence goes on after the moved rows' ids.
    row = ContributionMonth.objects.create(
        person_id=moved[0].person_id, unit_id=moved[0].unit_id, month="2027-01-01", salary=1
    )
    assert row.id > max(ids)
    assert where_rows_are()[f"{TABLE}_y2027"] == 1


def test_the_migration_turns_a_plain_table_with_rows_into_a_partitioned_one_and_back():
    """``rebuild`` (migration 0010 and its reverse) keeps the rows, their ids, the sequence,
    the constraints and the index names."""
    scheme = partitions.MONTH_ROWS
    for month in ("2016-03-01", "2026-10-01"):
        ContributionMonth.objects.create(person_id=7, unit_id=3, month=month, salary=5_000_000)
    rows = list(ContributionMonth.objects.order_by("id").values_list("id", "month", "salary"))

    def shape() -> tuple[bool, list[tuple[str, str]]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass ORDER BY 1",
                [TABLE],
            )
            indexes = [(name, definition.split(" USING ")[1]) for name, definition in cursor]
            return partitions.is_partitioned(cursor, TABLE), indexes

    with connection.cursor() as cursor:
        partitions.rebuild(cursor, scheme, today=dt.date(2026, 11, 15), ahead=0, partition=False)
    plain, indexes = shape()
    assert not plain
    assert indexes == [
        ("contrib_month_unique", "btree (person_id, month, unit_id)"),
        ("contributio_unit_id_4c539c_idx", "btree (unit_id, month)"),
        (f"{TABLE}_pkey", "btree (id)"),
    ]
    assert (
        list(ContributionMonth.objects.order_by("id").values_list("id", "month", "salary")) == rows
    )

    with connection.cursor() as cursor:
        partitions.rebuild(cursor, scheme, today=dt.date(2026, 11, 15), ahead=2, partition=True)
    partitioned, indexes = shape()
    assert partitioned
    assert indexes == [
        ("contrib_month_unique", "btree (person_id, month, unit_id)"),
        ("contributio_unit_id_4c539c_idx", "btree (unit_id, month)"),
        (f"{TABLE}_pkey", "btree (id, month)"),
    ]
    assert (
        list(ContributionMonth.objects.order_by("id").values_list("id", "month", "salary")) == rows
    )
    # One partition a year from the first row's to next year + 1, and the default one.
    with connection.cursor() as cursor:
        assert sorted(partitions.partitions(cursor, scheme)) == sorted(
            [f"{TABLE}_y{year}" for year in range(2016, 2029)] + [f"{TABLE}_default"]
        )
    assert where_rows_are() == {f"{TABLE}_y2016": 1, f"{TABLE}_y2026": 1}
    added = ContributionMonth.objects.create(person_id=7, unit_id=3, month="2027-01-01", salary=1)
    assert added.id > rows[-1][0]
