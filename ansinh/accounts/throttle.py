"""Login throttling (DESIGN §3.2, docs/security.md; issue 11 e, g, k, l).

Three counters, each decided before the password is looked at:

* **Per typed identifier: the back-off.** Exponential from the ``LOGIN_BACKOFF_AFTER``-th
  consecutive failure (``BASE × 2^(n − AFTER)`` seconds, capped at
  ``LOGIN_BACKOFF_MAX_SECONDS``), keyed by a keyed digest of the identifier string as typed
  (normalised: stripped, lower-case) — for a registered identifier and an unknown one alike,
  in the same table (``LoginFailureCounter``), with the same expiry (``LOGIN_FAILURE_MEMORY_
  SECONDS`` after the last failure). So at every point in time an unknown identifier answers
  exactly as a registered one with the same history would, and a person's BHXH code and CCCD
  have separate schedules: typing the CCCD after failing with the BHXH code behaves like typing
  anybody else's identifier, and the back-off never links the two.
* **Per account: the cap.** Every failure through any of the account's identifiers also counts
  on the account's row; at ``LOGIN_MAX_FAILURES`` consecutive failures its password stops
  working until the person recovers it (a new password resets it), so an account never takes
  more than that many guesses however its identifiers are mixed. The cap shows only as "wrong
  password" (401), even to the right password, so it tells an outsider nothing. An unknown
  identifier gets a stand-in account row (``x:`` + digest) written by the same statement, so a
  wrong password and an unknown identifier do the same work: one read of two rows, one hash,
  one upsert of two rows, one audit row, one address count (issue 11 k).
* **Per client address: the step-up.** Failures only (never successes) count in a fixed window
  (``LOGIN_IP_RATE``) in the ``ratelimit`` cache. Past it, a login from that address is not
  evaluated without a solved CAPTCHA (``CaptchaRequired``: the app API answers 429
  ``captcha_required`` with a challenge; the portal and back-office forms always carry one), so
  a sprayer from a busy address pays a CAPTCHA per guess while the thousands of people behind
  the same carrier or office address still get in with their right password (issue 11 l).

Both database rows live in the database, not a cache, so no client can flush them; refused
attempts count nowhere and create nothing (issue 11 e).

A passkey sign-in (``passkey_login``) is throttled the same way with the credential it names
in place of the typed identifier (``credential_state``: the same back-off, a keyed digest of
the credential id, known and unknown alike) and the same address allowance and CAPTCHA, but
no account row: a passkey's failures never lock the account's password.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from ansinh.lib import ratelimit
from ansinh.lib.actor import Actor

from .models import LoginFailureCounter, User


class Throttled(Exception):  # noqa: N818 - a domain outcome, not a bug
    """Not now: the typed identifier is in its back-off. ``retry_after`` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class CaptchaRequired(Throttled):
    """The client address is past its failure allowance: the attempt needs a solved CAPTCHA
    (``retry_after``: when the address's window ends, for clients that cannot show one)."""


@dataclass(frozen=True)
class LoginState:
    """What the counters say about one login attempt, read in one query."""

    identifier_key: str
    account_key: str
    failures: int  # consecutive failures of the typed identifier
    last_failed_at: dt.datetime | None
    account_failures: int  # consecutive failures of the account (stand-in row if unknown)


def identifier_key(identifier: str) -> str:
    return "i:" + ratelimit.digest("login-identifier", identifier)


def account_key(user: User | None, identifier: str) -> str:
    """The account's row, or for an identifier that names nobody a stand-in row of the same
    shape, so both paths write two rows."""
    if user is not None:
        return f"a:{user.pk}"
    return "x:" + ratelimit.digest("login-unknown-account", identifier)


def _memory() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS)


def backoff_seconds(count: int) -> int:
    """How long to wait after ``count`` consecutive failures (0 = no wait)."""
    after: int = settings.LOGIN_BACKOFF_AFTER
    if count < after:
        return 0
    exponent = min(count - after, 30)
    return int(
        min(settings.LOGIN_BACKOFF_BASE_SECONDS * 2**exponent, settings.LOGIN_BACKOFF_MAX_SECONDS)
    )


def load(user: User | None, identifier: str, now: dt.datetime | None = None) -> LoginState:
    """Both counters of an attempt with the (normalised) ``identifier`` naming ``user`` (or
    nobody), in one query. A typed identifier's row, and a stand-in row, count as empty once
    ``LOGIN_FAILURE_MEMORY_SECONDS`` have passed since its last failure; an account's never
    does (the cap holds until a success or a new password)."""
    now = now or timezone.now()
    ikey, akey = identifier_key(identifier), account_key(user, identifier)
    rows = _counters(ikey, akey)
    failures, last_at = rows.get(ikey, (0, None))
    if last_at is not None and last_at <= now - _memory():
        failures, last_at = 0, None
    account_failures, account_last_at = rows.get(akey, (0, None))
    if akey.startswith("x:") and account_last_at is not None and account_last_at <= now - _memory():
        account_failures = 0
    return LoginState(ikey, akey, failures, last_at, account_failures)


@functools.cache
def _load_sql(alias: str) -> tuple[str, list[Any]]:
    """The SELECT of ``load`` and the converters of its time column, built once: it runs on
    every login, where compiling the ORM query cost more than running it (bench/RESULTS.md)."""
    conn = connections[alias]
    quote = conn.ops.quote_name
    table = LoginFailureCounter._meta.db_table
    column = LoginFailureCounter._meta.get_field("last_failed_at").get_col(table)
    sql = (
        f"SELECT {quote('key')}, {quote('failures')}, {quote('last_failed_at')} "  # noqa: S608 - identifiers from the model, quoted
        f"FROM {quote(table)} WHERE {quote('key')} IN (%s, %s)"
    )
    converters = conn.ops.get_db_converters(column) + column.get_db_converters(conn)
    return sql, [functools.partial(_convert, c, column, conn) for c in converters]


def _convert(converter: Any, column: Any, conn: Any, value: Any) -> Any:
    return converter(value, column, conn)


def _counters(*keys: str) -> dict[str, tuple[int, dt.datetime | None]]:
    sql, converters = _load_sql(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(keys))
        rows = cursor.fetchall()
    found = {}
    for key, failures, last_at in rows:
        for convert in converters:
            last_at = convert(last_at)
        found[key] = (int(failures), last_at)
    return found


def retry_after(state: LoginState, now: dt.datetime | None = None) -> int:
    """Seconds until the typed identifier may be tried again (0 = now)."""
    wait = backoff_seconds(state.failures)
    if not wait or state.last_failed_at is None:
        return 0
    remaining = (state.last_failed_at - (now or timezone.now())).total_seconds() + wait
    return max(0, math.ceil(remaining))


def locked(state: LoginState) -> bool:
    """The account has had ``LOGIN_MAX_FAILURES`` consecutive failures: its password no longer
    works (answered like a wrong one)."""
    return state.account_failures >= settings.LOGIN_MAX_FAILURES


def _address(who: Actor) -> str:
    return who.ip_key


def address_retry_after(who: Actor) -> int:
    """Seconds until the client address is back within its failure allowance (0: it is now).
    Reads only: asking creates no counter."""
    return ratelimit.peek(group="login-ip", key=_address(who), rate=settings.LOGIN_IP_RATE)


def refuse_if_throttled(state: LoginState, who: Actor, *, captcha_passed: bool) -> None:
    """Raise ``Throttled`` while the typed identifier backs off, else ``CaptchaRequired`` when
    the address is past its allowance and no CAPTCHA was solved. Both checks always run, so a
    refusal costs the same whatever the reason."""
    identifier_wait = retry_after(state)
    address_wait = address_retry_after(who)
    if identifier_wait:
        raise Throttled(identifier_wait)
    if address_wait and not captcha_passed:
        raise CaptchaRequired(address_wait)


_UPSERT = """
INSERT INTO {table} ({key}, {failures}, {last}) VALUES (%s, 1, %s), (%s, 1, %s)
ON CONFLICT ({key}) DO UPDATE SET
    {failures} = CASE
        WHEN {table}.{last} <= %s AND substr({table}.{key}, 1, 2) <> 'a:' THEN 1
        ELSE {table}.{failures} + 1
    END,
    {last} = excluded.{last}
RETURNING {key}, {failures}
"""


def record_failure(who: Actor, state: LoginState) -> tuple[int, int]:
    """Count one failed attempt on the typed identifier, the account (or its stand-in) and the
    client address. Atomic (one statement for both rows, concurrent failures all count).
    Returns the new consecutive failures of (identifier, account)."""
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = _UPSERT.format(
        table=quote(LoginFailureCounter._meta.db_table),
        key=quote("key"),
        failures=quote("failures"),
        last=quote("last_failed_at"),
    )
    at = connection.ops.adapt_datetimefield_value(now)
    cutoff = connection.ops.adapt_datetimefield_value(now - _memory())
    with connection.cursor() as cursor:
        cursor.execute(sql, [state.identifier_key, at, state.account_key, at, cutoff])
        counts = dict(cursor.fetchall())
    ratelimit.count(group="login-ip", key=_address(who), rate=settings.LOGIN_IP_RATE)
    return int(counts[state.identifier_key]), int(counts[state.account_key])


def credential_state(credential_id: str, now: dt.datetime | None = None) -> LoginState:
    """The back-off of a passkey sign-in, keyed by the credential it names (registered or
    not, alike), on the same schedule as a typed identifier's. It has no account row: a
    passkey's failures never count towards the account's password cap (``locked``), so
    nobody can lock a person's password by sending bad passkey answers."""
    now = now or timezone.now()
    key = "i:" + ratelimit.digest("passkey-credential", credential_id)
    row = LoginFailureCounter.objects.filter(key=key).values_list("failures", "last_failed_at")
    failures, last_at = row.first() or (0, None)
    if last_at is not None and last_at <= now - _memory():
        failures, last_at = 0, None
    return LoginState(key, "", failures, last_at, 0)


_UPSERT_ONE = """
INSERT INTO {table} ({key}, {failures}, {last}) VALUES (%s, 1, %s)
ON CONFLICT ({key}) DO UPDATE SET
    {failures} = CASE WHEN {table}.{last} <= %s THEN 1 ELSE {table}.{failures} + 1 END,
    {last} = excluded.{last}
RETURNING {failures}
"""


def record_credential_failure(who: Actor, state: LoginState) -> int:
    """Count one failed passkey sign-in on its credential's row (``credential_state``) and on
    the client address, like ``record_failure``; returns the credential's consecutive
    failures."""
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = _UPSERT_ONE.format(
        table=quote(LoginFailureCounter._meta.db_table),
        key=quote("key"),
        failures=quote("failures"),
        last=quote("last_failed_at"),
    )
    at = connection.ops.adapt_datetimefield_value(now)
    cutoff = connection.ops.adapt_datetimefield_value(now - _memory())
    with connection.cursor() as cursor:
        cursor.execute(sql, [state.identifier_key, at, cutoff])
        (failures,) = cursor.fetchone()
    ratelimit.count(group="login-ip", key=_address(who), rate=settings.LOGIN_IP_RATE)
    return int(failures)


def record_success(state: LoginState) -> None:
    """A right password: the typed identifier's and the account's failures are forgotten (the
    account's other identifier keeps its own back-off, so nothing links the two)."""
    if state.failures or state.account_failures or state.last_failed_at:
        keys = [key for key in (state.identifier_key, state.account_key) if key]
        LoginFailureCounter.objects.filter(key__in=keys).delete()


def account_failures(user: User) -> int:
    row = LoginFailureCounter.objects.filter(key=account_key(user, "")).first()
    return row.failures if row is not None else 0


def forget_account(user: User) -> None:
    """A new password (recovery, change, registration): the account's cap and the back-off of
    each of its identifiers start afresh, so a person who recovered signs in at once with
    either identifier. (Like a successful login, this is the owner's doing, never the
    outsider's: an outsider's own history of attempts still meets the same schedule for a
    registered identifier as for an unknown one.)"""
    identifiers = {user.username.strip().lower()}
    person = user.person if user.person_id else None
    if person is not None:
        identifiers |= {person.bhxh_code, person.cccd or ""}
    keys = [account_key(user, "")] + [identifier_key(i) for i in identifiers if i]
    LoginFailureCounter.objects.filter(key__in=keys).delete()


def expired(now: dt.datetime | None = None) -> QuerySet[LoginFailureCounter]:
    """Rows that ``load`` already treats as empty (retention purge, ops/retention.py)."""
    cutoff = (now or timezone.now()) - _memory()
    return LoginFailureCounter.objects.filter(last_failed_at__lte=cutoff).filter(
        Q(key__startswith="i:") | Q(key__startswith="x:")
    )
