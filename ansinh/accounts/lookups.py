"""The two look-ups on the hot path of every login and every API request, as SQL built once.

``access_device``: the live device session of an access token (every API request);
``citizen_by``/``staff_by``: the account an identifier names (every login). Both load the user
with its person and office, as ``select_related`` would. The ORM compiles such a join anew on
every call, which costs more CPU than running it (about 1 ms: bench/RESULTS.md); the SQL and
the column converters depend only on the database, so they are built once per connection
alias and the rows are turned into model instances the way the ORM does (``Model.from_db``,
the backend's and the fields' converters).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections
from django.db.models import Field, Model
from django.db.models.expressions import Col

from ansinh.people.models import Office, Person

from .models import AppToken, DeviceSession, Role, TokenKind, User

_USER_JOINS: tuple[tuple[str, type[Model]], ...] = (("u", User), ("p", Person), ("o", Office))
_DEVICE_JOINS: tuple[tuple[str, type[Model]], ...] = (("d", DeviceSession), *_USER_JOINS)


@dataclass(frozen=True)
class _Columns:
    model: type[Model]
    attnames: list[str]
    columns: list[Col]
    converters: list[list[Any]]
    pk_index: int


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # noqa: S101 - a concrete column
    return _quote(field.column)


def _table(model: type[Model]) -> str:
    return _quote(model._meta.db_table)


@functools.cache
def _select(alias: str, joins: tuple[tuple[str, type[Model]], ...]) -> tuple[str, list[_Columns]]:
    """``SELECT <every column of every model> FROM … <joins>`` (no WHERE) and how to read a row."""
    conn = connections[alias]
    parts = []
    for table_alias, model in joins:
        fields = model._meta.concrete_fields
        columns = [field.get_col(table_alias) for field in fields]
        attnames = [field.attname for field in fields]
        parts.append(
            _Columns(
                model=model,
                attnames=attnames,
                columns=columns,
                converters=[
                    conn.ops.get_db_converters(col) + col.get_db_converters(conn) for col in columns
                ],
                pk_index=attnames.index(model._meta.pk.attname),
            )
        )
    select = ", ".join(
        f"{table_alias}.{_quote(field.column)}"
        for table_alias, model in joins
        for field in model._meta.concrete_fields
    )
    people = (
        f"LEFT JOIN {_table(Person)} p ON p.{_column(Person, 'id')} = u.{_column(User, 'person')} "
        f"LEFT JOIN {_table(Office)} o ON o.{_column(Office, 'id')} = u.{_column(User, 'office')}"
    )
    if joins == _DEVICE_JOINS:
        source = (
            f"{_table(AppToken)} t "
            f"JOIN {_table(DeviceSession)} d "
            f"ON d.{_column(DeviceSession, 'id')} = t.{_column(AppToken, 'device')} "
            f"JOIN {_table(User)} u ON u.{_column(User, 'id')} = d.{_column(DeviceSession, 'user')}"
        )
    else:
        source = f"{_table(User)} u"
    # Identifiers come from the models' metadata, quoted; the values are always parameters.
    return f"SELECT {select} FROM {source} {people}", parts  # noqa: S608


def _fetch(
    joins: tuple[tuple[str, type[Model]], ...], where: str, params: list[Any]
) -> list[Model | None] | None:
    """The first row of the join that matches ``where``, as model instances (``None`` for a
    LEFT JOIN that found nothing), linked to each other as ``select_related`` links them."""
    sql, parts = _select(connection.alias, joins)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} WHERE {where} ORDER BY u.{_column(User, 'id')}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    loaded: list[Model | None] = []
    start = 0
    for part in parts:
        values = list(row[start : start + len(part.attnames)])
        start += len(part.attnames)
        for i, converters in enumerate(part.converters):
            for converter in converters:
                values[i] = converter(values[i], part.columns[i], connection)
        loaded.append(
            None
            if values[part.pk_index] is None
            else part.model.from_db(connection.alias, part.attnames, values)
        )
    user, person, office = loaded[-3:]
    assert isinstance(user, User)  # noqa: S101 - the users table is joined, not left-joined
    person_field = User._meta.get_field("person")
    person_field.set_cached_value(user, person)
    if person is not None:
        person_field.remote_field.set_cached_value(person, user)
    User._meta.get_field("office").set_cached_value(user, office)
    if joins == _DEVICE_JOINS:
        device = loaded[0]
        assert isinstance(device, DeviceSession)  # noqa: S101 - joined, not left-joined
        DeviceSession._meta.get_field("user").set_cached_value(device, user)
    return loaded


@functools.cache
def _access_where(alias: str) -> str:
    """``access_device``'s condition, built once per database (every API request)."""
    return (
        f"t.{_column(AppToken, 'digest')} = %s AND t.{_column(AppToken, 'kind')} = %s "
        f"AND t.{_column(AppToken, 'revoked_at')} IS NULL "
        f"AND t.{_column(AppToken, 'expires_at')} > %s "
        f"AND d.{_column(DeviceSession, 'revoked_at')} IS NULL "
        f"AND d.{_column(DeviceSession, 'security_stamp')} = u.{_column(User, 'security_stamp')}"
    )


def access_device(digest: str, now: dt.datetime) -> DeviceSession | None:
    """The unrevoked device of the unrevoked, unexpired access token with ``digest``, with its
    user and the user's person and office loaded; only while the device carries the account's
    current security stamp (a reset, password change or logout-all rotates it: issue 11 b)."""
    params = [digest, TokenKind.ACCESS.value, connection.ops.adapt_datetimefield_value(now)]
    loaded = _fetch(_DEVICE_JOINS, _access_where(connection.alias), params)
    if loaded is None:
        return None
    device = loaded[0]
    assert isinstance(device, DeviceSession)  # noqa: S101
    return device


def citizen_by(field: str, value: str) -> User | None:
    """The citizen account whose person has ``field`` (``bhxh_code`` or ``cccd``) = ``value``."""
    assert field in ("bhxh_code", "cccd")  # noqa: S101 - never from the request
    where = f"u.{_column(User, 'role')} = %s AND p.{_column(Person, field)} = %s"
    loaded = _fetch(_USER_JOINS, where, [Role.CITIZEN.value, value])
    return None if loaded is None else _user(loaded)


def staff_by(username: str) -> User | None:
    """The staff account (any role but citizen) with this username."""
    where = f"u.{_column(User, 'role')} <> %s AND u.{_column(User, 'username')} = %s"
    loaded = _fetch(_USER_JOINS, where, [Role.CITIZEN.value, username])
    return None if loaded is None else _user(loaded)


def _user(loaded: list[Model | None]) -> User:
    user = loaded[0]
    assert isinstance(user, User)  # noqa: S101
    return user


@functools.cache
def _claim_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    return (
        f"UPDATE {quote(User._meta.db_table)} SET {quote('last_login')} = %s "  # noqa: S608 - identifiers from the model, quoted
        f"WHERE {quote(User._meta.pk.column)} = %s AND {quote('is_active')} = %s "
        f"AND {quote('security_stamp')} = %s"
    )


def claim_login(user_pk: int, security_stamp: str, now: dt.datetime) -> int:
    """``record_login``'s claim of a password or passkey login (no temporary password spent):
    stamp ``last_login`` while the account is active and still has ``security_stamp``; returns
    the rows updated (0 or 1). The same UPDATE as the ORM's, built once (every login)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(connection.alias),
            [connection.ops.adapt_datetimefield_value(now), user_pk, True, security_stamp],
        )
        return int(cursor.rowcount)
