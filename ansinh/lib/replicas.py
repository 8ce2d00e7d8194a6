"""Read replicas (docs/scaling.md "Read replicas"): which database a query goes to.

Explicit, never magic: only code wrapped in :func:`reads_from_replica` (the pure-read views:
participation history, card, notices) reads from a replica; everything else — every write,
every read of a request without the decorator, every read inside a transaction — goes to the
primary (``default``). With no replica configured (``DATABASE_REPLICAS`` empty, the embedded
default) the router answers nothing and Django uses ``default`` as always.

Read-your-own-writes, the LSN way: after a request that wrote (an unsafe method, or any ORM
write during it), :class:`ReplicaMiddleware` stores the primary's ``pg_current_wal_lsn()``
under the principal that wrote (the signed-in user, else the unit's API key, else the session)
in the cache for at most ``REPLICA_READ_YOUR_WRITES_SECONDS``. That principal's replica reads go
to the primary until a replica's replayed LSN (``pg_last_wal_replay_lsn()``) has passed it.

A replica that lags or is down is survived: each process probes each replica at most every
``REPLICA_CHECK_SECONDS`` (its replay LSN and its lag); one that does not answer is left alone
for ``REPLICA_RETRY_SECONDS``, one that lags more than ``REPLICA_MAX_LAG_SECONDS`` gets no
reads, and a read that fails on a replica with a connection error is run again on the primary
(it only read, so repeating it is safe).
"""

from __future__ import annotations

import functools
import inspect
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from .faults import DATABASE_UNAVAILABLE

F = TypeVar("F", bound=Callable[..., Any])

# The alias reads go to in this context (None: the router does not choose, i.e. ``default``).
_reads: ContextVar[str | None] = ContextVar("ansinh_replica_reads", default=None)
# The running request's write flag (set by the router's db_for_write), if a request is running.
_request_writes: ContextVar[list[bool] | None] = ContextVar("ansinh_request_writes", default=None)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_KEY = "replica-ryw:{}"
# Works on a hot standby and on a server that is not one (then its own LSN, no lag). The lag is
# 0 while the standby has replayed all it received (an idle primary sends nothing: the time
# since the last replayed transaction is no lag then), else the age of its last replayed
# transaction; NULL (unknown, treated as too much) if it replayed none since it started.
_PROBE_SQL = """
SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn()
       END - '0/0'::pg_lsn,
       CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
            THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_aliases() -> list[str]:
    """The configured replicas' database aliases (settings ``DATABASE_REPLICAS``)."""
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads to the replica chosen by :func:`reads_from_replica`, unless
    the primary is inside a transaction; writes always to the primary; migrations only there."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = _reads.get()
        if alias is None:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        wrote = _request_writes.get()
        # Saving the web session (every portal request does) is not a write later reads need:
        # the session is always read from the primary.
        if wrote is not None and model._meta.app_label != "sessions":  # type: ignore[attr-defined]
            wrote[0] = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replicas hold the primary's very rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None if db == DEFAULT_DB_ALIAS else False


def reading_from_replica() -> bool:
    """Whether this context's reads go to a replica (a service may then avoid deriving stored
    data from what may be a moment old: ``contributions.participation``)."""
    return _reads.get() is not None and not connections[DEFAULT_DB_ALIAS].in_atomic_block


@contextmanager
def reads_from_primary() -> Iterator[None]:
    """Reads inside go to the primary, even within :func:`reads_from_replica`."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


# --- Health -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """What this process last learnt of a replica (monotonic ``checked`` time)."""

    checked: float
    up: bool
    replay_lsn: int | None = None
    lag_seconds: float | None = None


_health: dict[str, Health] = {}
_health_lock = threading.Lock()


def forget_health() -> None:
    """Probe every replica again at its next use (tests; after a failover)."""
    with _health_lock:
        _health.clear()


def mark_down(alias: str) -> None:
    """No reads go to ``alias`` for ``REPLICA_RETRY_SECONDS``; its connection is dropped."""
    with _health_lock:
        _health[alias] = Health(checked=time.monotonic(), up=False)
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def _probe(alias: str) -> Health:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_PROBE_SQL)
            lsn, lag = cursor.fetchone()
    except DATABASE_UNAVAILABLE:
        mark_down(alias)
        return _health[alias]
    health = Health(
        checked=time.monotonic(),
        up=True,
        replay_lsn=int(lsn) if lsn is not None else None,
        lag_seconds=float(lag) if lag is not None else None,
    )
    with _health_lock:
        _health[alias] = health
    return health


def health_of(alias: str) -> Health:
    """The replica's health, probed at most every ``REPLICA_CHECK_SECONDS`` while it answers
    and every ``REPLICA_RETRY_SECONDS`` while it does not."""
    known = _health.get(alias)
    if known is not None:
        wait = settings.REPLICA_CHECK_SECONDS if known.up else settings.REPLICA_RETRY_SECONDS
        if time.monotonic() - known.checked < wait:
            return known
    return _probe(alias)


def _usable(health: Health, floor: int | None) -> bool:
    if not health.up or health.lag_seconds is None:
        return False
    if health.lag_seconds > settings.REPLICA_MAX_LAG_SECONDS:
        return False
    return floor is None or (health.replay_lsn is not None and health.replay_lsn >= floor)


def replica_for(principal: str | None) -> str | None:
    """A replica that answers, lags at most ``REPLICA_MAX_LAG_SECONDS`` and has replayed the
    principal's last write; None (the primary) if there is none."""
    aliases = replica_aliases()
    if not aliases or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    floor = _written_lsn(principal)
    if floor == 0:
        return None  # a write whose LSN we could not learn: the primary until the mark expires
    for alias in random.sample(aliases, len(aliases)):
        if _usable(health_of(alias), floor):
            return alias
    return None


# --- Read-your-own-writes -----------------------------------------------------------------


def principal_of(request: HttpRequest) -> str | None:
    """Whose writes a request's reads must see: the signed-in user, else the unit or
    organisation of the API key, else the web session."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    key = getattr(request, "auth", None)
    for field in ("unit_id", "organisation_id"):
        owner = getattr(key, field, None)
        if owner is not None:
            return f"{field}:{owner}"
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    return f"session:{session_key}" if session_key else None


def _written_lsn(principal: str | None) -> int | None:
    if principal is None:
        return None
    value = cache.get(_KEY.format(principal))
    return int(value) if value is not None else None


def remember_write(principal: str) -> None:
    """Send ``principal``'s replica reads to the primary until a replica has replayed the
    primary's WAL up to now (at most ``REPLICA_READ_YOUR_WRITES_SECONDS``)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
            lsn = int(cursor.fetchone()[0])
    except DatabaseError:
        lsn = 0  # unknown: the primary for the whole period
    cache.set(_KEY.format(principal), lsn, timeout=settings.REPLICA_READ_YOUR_WRITES_SECONDS)


class ReplicaMiddleware:
    """Notes whether a request wrote, and if so, the primary's LSN under its principal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        wrote = [False]
        token = _request_writes.set(wrote)
        try:
            response = self.get_response(request)
        finally:
            _request_writes.reset(token)
        if wrote[0] or request.method not in _SAFE_METHODS:
            principal = principal_of(request)
            if principal is not None:
                remember_write(principal)
        return response


# --- The views' decorator -----------------------------------------------------------------


def reads_from_replica(view: F) -> F:
    """The view's reads go to a replica when one is fit (:func:`replica_for`); a connection
    error on the replica marks it down and runs the view again on the primary. Only for views
    that do not write (they may, through ``reads_from_primary`` or a transaction, which both
    go to the primary). Goes under ``@router.get`` and under the page's access decorators, so
    that authentication and the session are read from the primary."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        alias = replica_for(principal_of(request))
        if alias is None:
            return view(request, *args, **kwargs)
        token = _reads.set(alias)
        try:
            return view(request, *args, **kwargs)
        except DATABASE_UNAVAILABLE:
            if not connections[alias].errors_occurred:
                raise  # the primary's error: the caller's 503
            mark_down(alias)
        finally:
            _reads.reset(token)
        return view(request, *args, **kwargs)

    # django-ninja reads the parameters' annotations with the wrapper's module globals: hand
    # it the view's own, resolved signature.
    try:
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    except NameError:
        pass
    return wrapper  # type: ignore[return-value]
