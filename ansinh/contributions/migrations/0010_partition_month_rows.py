"""Month rows partitioned by year of ``month`` on PostgreSQL (issue 16; docs/scaling.md
"Partitioning", ``ansinh/lib/partitions.py``): the table is rebuilt as a partitioned one with a
partition per year from its first row to next year + 1 and a default partition; the SQL
primary key becomes ``(id, month)`` while Django keeps ``id``. Nothing to do on SQLite."""

import datetime as dt

from django.db import migrations

from ansinh.lib import partitions

AHEAD = 2  # years after this one


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not partitions.is_partitioned(cursor, partitions.MONTH_ROWS.table):
            partitions.rebuild(
                cursor, partitions.MONTH_ROWS, today=dt.date.today(), ahead=AHEAD, partition=True
            )


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if partitions.is_partitioned(cursor, partitions.MONTH_ROWS.table):
            partitions.rebuild(
                cursor, partitions.MONTH_ROWS, today=dt.date.today(), ahead=0, partition=False
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0009_rules_2025_2026"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
