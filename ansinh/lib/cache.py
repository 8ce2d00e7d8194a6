"""The caches of security counters: a Redis cache that degrades to this process's memory while
Redis is unreachable, and a bounded in-memory store that never evicts a live counter.

Rate limits and back-off counters live in their own cache alias, ``ratelimit`` (settings
``CACHES``), never in the general-purpose ``default`` cache: a least-recently-used store that
anything else can fill would let a client push somebody else's counter out (issue 11 e).


What the cache holds here is short-lived counters (rate limits, login back-off of unknown
identifiers) and throw-away values. If Redis goes away, failing every request would lock
everybody out, and treating every counter as zero ("fail open") would switch the limits off.
Instead each process keeps counting in its own memory: limits still apply, per process (so
at most ``processes ×`` the configured rate gets through), nobody is locked out by the outage,
and Redis is tried again after ``RETRY_AFTER`` seconds. Counts made during the outage are not
copied back. Documented in docs/operations.md ("Redis down").
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_AFTER = 5.0


class CounterStoreFull(Exception):  # noqa: N818 - a state of the store, not a bug
    """A ``CounterCache`` holds ``MAX_ENTRIES`` live counters: no new one can be made."""


class CounterCache(LocMemCache):
    """This process's memory, for counters that must not be lost early: a full store never
    evicts a live entry to make room (Django's ``LocMemCache`` drops the least recently used
    third). Expired entries are purged when room is needed; if every entry is still live,
    making a new one raises ``CounterStoreFull`` and ``lib.ratelimit`` refuses the request that
    needed it (fail closed for new keys, every existing counter intact). ``MAX_ENTRIES``
    (``OPTIONS``, default 200,000, roughly 60 MB) bounds the memory.

    The embedded profile's ``ratelimit`` cache, and the per-process fallback of
    ``ResilientRedisCache`` while Redis is down.
    """

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("MAX_ENTRIES", 200_000)
        super().__init__(name, {**params, "OPTIONS": options})
        # Until this time (``time.time()``) no entry can have expired since the last full scan,
        # so scanning again would be wasted work under the lock.
        self._no_expiry_before = 0.0

    def _cull(self) -> None:
        """Called with the lock held when the store is full: drop expired entries only."""
        store: Any = self  # LocMemCache's private state is not in Django's type stubs
        now = time.time()
        if now < self._no_expiry_before:
            return
        soonest = float("inf")
        for key, expires in list(store._expire_info.items()):
            if expires is None:
                continue
            if expires <= now:
                store._delete(key)
            else:
                soonest = min(soonest, expires)
        self._no_expiry_before = soonest if len(store._cache) >= store._max_entries else 0.0

    def _set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        store: Any = self
        if key not in store._cache and len(store._cache) >= store._max_entries:
            self._cull()
            if len(store._cache) >= store._max_entries:
                raise CounterStoreFull(f"{len(store._cache)} live counters")
        super()._set(key, value, timeout)  # type: ignore[misc]  # private, not in the stubs
        expires = store._expire_info.get(key)
        if expires is not None:
            self._no_expiry_before = min(self._no_expiry_before, expires)

    def clear(self) -> None:
        super().clear()
        self._no_expiry_before = 0.0


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client makes a new ``redis.Redis`` object for every cache operation, and
    redis-py builds its table of response callbacks (some 170 entries) each time: half a
    millisecond of CPU per rate-limit check (bench/RESULTS.md). A ``redis.Redis`` is safe to
    share between threads (it takes a connection from the pool per command), so keep one per
    pool."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # Django's private helpers are not in its type stubs
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # Fail fast: an unreachable Redis must not add seconds to every request.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._fallback = CounterCache(f"ansinh-fallback-{id(self)}", {})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _try(self, primary: Callable[[], T], fallback: Callable[[], T]) -> T:
        if self.degraded:
            return fallback()
        try:
            return primary()
        except ValueError:
            # Redis answered: ``incr`` of a key that is not there (it expired or Redis lost it
            # between django-ratelimit's ``add`` and ``incr``). Not an outage.
            raise
        except Exception as exc:  # redis.ConnectionError, TimeoutError, OSError…
            with self._lock:
                if not self.degraded:
                    logger.error(
                        "cache unreachable (%s: %s); counting in process memory for %.0f s",
                        type(exc).__name__,
                        exc,
                        RETRY_AFTER,
                    )
                self._down_until = time.monotonic() + RETRY_AFTER
            return fallback()

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: self._fallback.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._try(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: self._fallback.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._try(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: self._fallback.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: self._fallback.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: self._fallback.delete(key, version),
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._try(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self._fallback.get_many(keys, version),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: self._fallback.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._try(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda: self._fallback.incr(key, delta, version),
        )

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._try(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: self._fallback.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._try(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: self._fallback.delete_many(keys, version),
        )

    def clear(self) -> None:
        """Delete this cache's keys (its ``KEY_PREFIX``) only: Django's ``RedisCache.clear``
        flushes the whole Redis database, other caches' and other processes' keys included
        (the rate limits of another alias, another test worker's counters)."""
        self._fallback.clear()
        self._try(self._delete_own_keys, lambda: None)

    def _delete_own_keys(self) -> None:
        django_cache: Any = self  # Django's private helpers are not in its type stubs
        client = django_cache._cache.get_client(write=True)
        prefix = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix)
        batch: list[Any] = []
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
