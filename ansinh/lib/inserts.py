"""Row INSERTs without the ORM's per-call compilation, for the writes of every login
(bench/RESULTS.md, issue 16).

``Model.objects.create`` and ``bulk_create`` build and compile a new INSERT on every call, which
on a login cost more CPU than running the statements. The SQL depends only on the model, the
database and the number of rows, so it is built once per (model, connection alias, rows); the
values go through each field's ``pre_save`` and ``get_db_prep_save`` exactly as the ORM's
INSERT does (defaults, ``auto_now_add``, JSON, UUIDs, time zones). No ``pre_save`` /
``post_save`` signals are sent: use these only for models nobody listens to.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TypeVar

from django.db import connections, router
from django.db.models import Field, Model

_M = TypeVar("_M", bound=Model)


@functools.cache
def _insert_sql(model: type[Model], alias: str, rows: int) -> tuple[str, list[Field]]:
    conn = connections[alias]
    quote = conn.ops.quote_name
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608 - identifiers from the model, quoted
        f"({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join([one] * rows)} "
        f"RETURNING {quote(pk.column)}"
    )
    return sql, fields


def insert(objs: Sequence[_M]) -> Sequence[_M]:
    """INSERT ``objs`` (new instances of one model, primary keys unset) in one statement and
    set their primary keys; returns them."""
    model = type(objs[0])
    alias = router.db_for_write(model)
    conn = connections[alias]
    sql, fields = _insert_sql(model, alias, len(objs))
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection=conn)
        for obj in objs
        for field in fields
    ]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = alias
    return objs
