"""The audit log and the data-access log partitioned by calendar month (UTC) of
``occurred_at`` / ``accessed_at`` on PostgreSQL (issue 16; docs/scaling.md "Partitioning",
``ansinh/lib/partitions.py``): each table is rebuilt as a partitioned one with a partition per
month from its first row to 3 months ahead and a default partition; the SQL primary key becomes
``(id, <timestamp>)`` while Django keeps ``id``. ``ansinh purge`` then drops whole months.
Nothing to do on SQLite."""

import datetime as dt

from django.db import migrations

from ansinh.lib import partitions

AHEAD = 3  # months after this one
SCHEMES = [partitions.AUDIT_EVENTS, partitions.DATA_ACCESS]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    today = dt.datetime.now(dt.UTC).date()
    with schema_editor.connection.cursor() as cursor:
        for scheme in SCHEMES:
            if not partitions.is_partitioned(cursor, scheme.table):
                partitions.rebuild(cursor, scheme, today=today, ahead=AHEAD, partition=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    today = dt.datetime.now(dt.UTC).date()
    with schema_editor.connection.cursor() as cursor:
        for scheme in SCHEMES:
            if partitions.is_partitioned(cursor, scheme.table):
                partitions.rebuild(cursor, scheme, today=today, ahead=0, partition=False)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_access_names_what"),
    ]

    operations = [migrations.RunPython(partition, unpartition)]
