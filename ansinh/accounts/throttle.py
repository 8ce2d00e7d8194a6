"""Login throttling (DESIGN §3.2, docs/security.md).

* Per account: exponential back-off from the ``LOGIN_BACKOFF_AFTER``-th consecutive failure
  (``BASE × 2^(n − AFTER)`` seconds, capped at ``LOGIN_BACKOFF_MAX_SECONDS``); after
  ``LOGIN_MAX_FAILURES`` consecutive failures the password stops working until the person
  recovers it, so no account ever takes more than that many guesses. The counter lives on the
  ``User`` row, so it survives cache restarts.
* Unknown identifiers get exactly the same schedule, kept in the cache, so a 429 never tells
  a registered identifier from an unregistered one.
* Per client address: a fixed window of failures (``LOGIN_IP_RATE``) through django-ratelimit,
  against password spraying across many accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from django_ratelimit.core import get_usage

from ansinh.lib.actor import Actor

from .models import User


@dataclass(frozen=True)
class FailureState:
    count: int
    last_at: dt.datetime | None


def backoff_seconds(count: int) -> int:
    """How long to wait after ``count`` consecutive failures (0 = no wait)."""
    after: int = settings.LOGIN_BACKOFF_AFTER
    if count < after:
        return 0
    exponent = min(count - after, 30)
    return int(
        min(settings.LOGIN_BACKOFF_BASE_SECONDS * 2**exponent, settings.LOGIN_BACKOFF_MAX_SECONDS)
    )


def _cache_key(identifier: str) -> str:
    return "login-fail:" + hashlib.sha256(identifier.encode()).hexdigest()


def failure_state(user: User | None, identifier: str) -> FailureState:
    if user is not None:
        return FailureState(user.failed_logins, user.last_failed_login_at)
    stored = cache.get(_cache_key(identifier))
    if not stored:
        return FailureState(0, None)
    return FailureState(int(stored[0]), dt.datetime.fromtimestamp(stored[1], tz=dt.UTC))


def retry_after(state: FailureState, now: dt.datetime | None = None) -> int:
    """Seconds until the next attempt is allowed (0 = now)."""
    wait = backoff_seconds(state.count)
    if not wait or state.last_at is None:
        return 0
    remaining = (state.last_at - (now or timezone.now())).total_seconds() + wait
    return max(0, math.ceil(remaining))


def ip_retry_after(actor: Actor) -> int:
    usage = get_usage(
        None,
        group="login-ip",
        key=lambda _group, _request: actor.ip_key,
        rate=settings.LOGIN_IP_RATE,
        increment=False,
    )
    # Checked before the attempt, so the limit is reached when the count of failures equals it.
    if usage is not None and usage["count"] >= usage["limit"]:
        return max(1, int(usage["time_left"]))
    return 0


def record_failure(actor: Actor, user: User | None, identifier: str) -> int:
    """Count one failed attempt for the account (or identifier) and the address.

    Returns the account's (or identifier's) new count of consecutive failures.
    """
    now = timezone.now()
    get_usage(
        None,
        group="login-ip",
        key=lambda _group, _request: actor.ip_key,
        rate=settings.LOGIN_IP_RATE,
        increment=True,
    )
    if user is not None:
        User.objects.filter(pk=user.pk).update(
            failed_logins=F("failed_logins") + 1, last_failed_login_at=now
        )
        user.refresh_from_db(fields=["failed_logins", "last_failed_login_at"])
        return user.failed_logins
    key = _cache_key(identifier)
    count = failure_state(None, identifier).count + 1
    cache.set(key, (count, now.timestamp()), timeout=settings.LOGIN_BACKOFF_MAX_SECONDS * 2)
    return count


def record_success(user: User) -> None:
    if user.failed_logins or user.last_failed_login_at:
        User.objects.filter(pk=user.pk).update(failed_logins=0, last_failed_login_at=None)
        user.failed_logins, user.last_failed_login_at = 0, None
