"""Fixed-window rate limits on top of django-ratelimit, keyed by values the caller chooses
(an account, an email digest, a client address). Counters live in the default cache: Redis
when ``REDIS_URL`` is set, so every web process shares them."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage


def digest(kind: str, value: str) -> str:
    """A keyed digest of personal data (an identifier, an email) for use as a counter key, so
    the cache never holds the value itself."""
    return salted_hmac(f"ansinh.ratelimit.{kind}", value, algorithm="sha256").hexdigest()[:40]


def hit(
    request: HttpRequest | None, *, group: str, key: str, rate: str, increment: bool = True
) -> int:
    """Count one event for ``key`` in ``group`` (unless ``increment`` is false) and return how
    many seconds the caller must wait: 0 while the count is within ``rate`` (e.g. ``"5/h"``).
    ``request`` may be ``None``: services that receive an ``Actor`` have no request, and the
    key is the caller's anyway."""
    usage = get_usage(request, group=group, key=lambda _g, _r: key, rate=rate, increment=increment)
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, int(usage["time_left"]))
