"""Fixed-window rate limits keyed by values the caller chooses (an account, an email digest, a
client address); docs/security.md.

Counters live in the ``ratelimit`` cache alias and nowhere else (settings ``CACHES``): Redis
when ``REDIS_URL`` is set, so every web process shares them; otherwise a bounded in-process
store that never evicts a live counter (``lib.cache.CounterCache``). Two rules keep a client
from flushing or flooding them (issue 11 e):

* **Looking does not create.** ``peek`` and the check half of ``hit_all`` only read; a counter
  is made by the first *counted* event, never by a refused one.
* **Full means refused, not forgotten.** When the store cannot make a new counter
  (``CounterStoreFull``, or any cache error), the event is refused with the window's length as
  the wait: an existing counter is never dropped to make room.

Window arithmetic follows django-ratelimit's fixed windows (rate ``"N/period"``, e.g. ``5/h``,
``60/15m``); ``who`` is accepted for the callers' convenience (an ``HttpRequest`` or an
``Actor``) and is not looked at: the key says whose counter it is.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

from .cache import CounterStoreFull

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$", re.ASCII)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def digest(kind: str, value: str) -> str:
    """A keyed digest of personal data (an identifier, an email) for use as a counter key, so
    the cache never holds the value itself."""
    return salted_hmac(f"ansinh.ratelimit.{kind}", value, algorithm="sha256").hexdigest()[:40]


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/15m"`` → (60, 900): events allowed per window, window length in seconds."""
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"not a rate: {rate!r} (expected e.g. '5/h' or '60/15m')")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def _store() -> Any:
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "ratelimit")]


def _window(key: str, period: int, now: float) -> tuple[str, int]:
    """The counter's cache key and its window's end. Windows are staggered per key (as in
    django-ratelimit), so keys do not all roll over at once."""
    offset = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % period
    start = int((now - offset) // period) * period + offset
    return f"rl:{period}:{start}:{key}", start + period


def _wait(end: int, now: float) -> int:
    return max(1, int(end - now + 0.999))


def peek(*, group: str, key: str, rate: str) -> int:
    """Seconds until one more event of ``key`` in ``group`` would be counted again (0: it
    would be allowed now). Reads only: never creates a counter."""
    limit, period = parse_rate(rate)
    now = time.time()
    cache_key, end = _window(f"{group}:{key}", period, now)
    try:
        count = int(_store().get(cache_key) or 0)
    except Exception:  # noqa: BLE001 - a broken store refuses rather than lets through
        logger.exception("rate-limit store unreadable")
        return _wait(end, now)
    return _wait(end, now) if count >= limit else 0


def count(*, group: str, key: str, rate: str, amount: int = 1) -> int:
    """Count one event (``amount`` events) of ``key`` in ``group`` whatever the count; return
    the new count (the caller decided already that the event happens, e.g. a failed login).
    Returns the limit plus ``amount`` if the store cannot make the counter."""
    limit, period = parse_rate(rate)
    now = time.time()
    cache_key, end = _window(f"{group}:{key}", period, now)
    store = _store()
    # The counter outlives its window by a little, so a clock step does not revive it.
    timeout = int(end - now) + 60
    try:
        if store.add(cache_key, amount, timeout):
            return amount
        return int(store.incr(cache_key, amount))
    except ValueError:
        # Expired between ``add`` and ``incr``: this event starts the new window.
        try:
            if store.add(cache_key, amount, timeout):
                return amount
            return int(store.incr(cache_key, amount))
        except (ValueError, CounterStoreFull):
            return limit + amount
    except CounterStoreFull:
        logger.error("rate-limit store full: refusing new counters (%s)", group)
        return limit + amount


def hit_all(buckets: list[tuple[str, str, str]]) -> int:
    """One event counted in every bucket ``(group, key, rate)``, or in none.

    Every bucket is checked first (reads only); if any is at its limit the event is refused
    and nothing is counted or created, so refused requests neither make new counters nor
    push the others further. Otherwise every bucket counts the event. Returns the seconds to
    wait (0: allowed and counted).
    """
    wait = max((peek(group=g, key=k, rate=r) for g, k, r in buckets), default=0)
    if wait:
        return wait
    for group, key, rate in buckets:
        limit, period = parse_rate(rate)
        if count(group=group, key=key, rate=rate) > limit:
            # Lost a race with concurrent events (or the store is full): refused, but counted,
            # so the concurrent ones cannot all slip through.
            wait = max(wait, _wait(_window(f"{group}:{key}", period, time.time())[1], time.time()))
    return wait


def hit(who: object, *, group: str, key: str, rate: str, increment: bool = True) -> int:
    """Count one event for ``key`` in ``group`` (unless ``increment`` is false) and return how
    many seconds the caller must wait: 0 while the count is within ``rate`` (e.g. ``"5/h"``).
    A refused event is not counted and creates no counter (``hit_all``). ``who`` (the request
    or the ``Actor``) is not used; it stays for the callers written before ``hit_all``."""
    if not increment:
        return peek(group=group, key=key, rate=rate)
    return hit_all([(group, key, rate)])
