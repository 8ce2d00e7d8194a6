"""PostgreSQL only: ``NOTIFY ansinh_tasks`` for every task row that is (again) ready, sent by
PostgreSQL at the commit of the transaction that queued it, so that ``ansinh worker`` wakes at
once instead of at its next poll (ansinh/ops/wakeup.py). Nothing on SQLite."""

from django.db import migrations

CREATE = (
    """
    CREATE OR REPLACE FUNCTION ansinh_task_wakeup() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('ansinh_tasks', NEW.queue_name);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ansinh_task_wakeup
        AFTER INSERT OR UPDATE OF status ON django_tasks_database_dbtaskresult
        FOR EACH ROW WHEN (NEW.status = 'READY') EXECUTE FUNCTION ansinh_task_wakeup()
    """,
)
DROP = (
    "DROP TRIGGER IF EXISTS ansinh_task_wakeup ON django_tasks_database_dbtaskresult",
    "DROP FUNCTION IF EXISTS ansinh_task_wakeup()",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
