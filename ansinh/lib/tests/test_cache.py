"""Redis down (docs/operations.md): rate limits keep counting in process memory — no bypass,
and no lock-out of everyone — and Redis is used again once it is back."""

from __future__ import annotations

import os
import socket

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib import cache as resilient


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "ansinh.lib.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
)
pytestmark = pytest.mark.django_db


@DOWN
def test_with_redis_unreachable_the_cache_still_works_in_memory():
    cache = caches["default"]
    assert cache.add("k", 1, 60) is True
    assert cache.incr("k") == 2
    assert cache.get("k") == 2
    assert cache.degraded


@DOWN
def test_with_redis_down_a_citizen_can_still_log_in(api, citizen):
    assert api.login("0123456789", CITIZEN_PASSWORD)["access_token"]


@DOWN
def test_with_redis_down_recovery_limits_still_apply(api, citizen, mailoutbox):
    statuses = [
        api.post(
            "/auth/recovery",
            {"username": "0123456789", "email": "an.nguyen@example.com"},
            remote_addr=f"198.51.100.{i}",
        ).status_code
        for i in range(6)
    ]
    assert statuses == [202] * 5 + [429]


@DOWN
def test_with_redis_down_login_back_off_still_applies_to_unknown_identifiers(api, db):
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            api.post("/auth/login", {"username": "0999999999", "password": "x" * 12}).status_code
            for _ in range(6)
        ]
    assert statuses == [401] * 5 + [429]


@DOWN
def test_redis_is_tried_again_after_a_while(monkeypatch):
    cache = caches["default"]
    cache.get("k")
    assert cache.degraded
    clock = [resilient.time.monotonic() + resilient.RETRY_AFTER + 1]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    assert not cache.degraded


@pytest.mark.services
def test_a_redis_outage_mid_way_falls_back_then_recovers(monkeypatch):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real Redis (make test-services)")
    cache = caches["default"]
    cache.set("shared", "from-redis", 60)
    client = cache._cache  # noqa: SLF001 - simulate the outage at the client

    def refused(*args, **kwargs):
        raise ConnectionError("Connection refused")

    monkeypatch.setattr(client, "get", refused)
    monkeypatch.setattr(client, "add", refused)
    assert cache.get("shared") is None  # memory fallback: what Redis held is not there
    assert cache.add("during", 1, 60) and cache.get("during") == 1
    monkeypatch.undo()
    monkeypatch.setattr(resilient, "RETRY_AFTER", 0.0)
    cache._down_until = 0.0  # noqa: SLF001
    assert cache.get("shared") == "from-redis"  # back on Redis


@DOWN
def test_readiness_reports_a_degraded_cache_but_stays_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == "degraded"


def test_incr_of_a_vanished_key_is_an_answer_not_an_outage():
    """A rate-limit key can vanish between django-ratelimit's ``add`` and ``incr`` (window
    expiry, a Redis restart or failover): Redis answers "no such key". That must not switch the
    process to counting in memory, which would split every limit for 5 seconds."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real Redis (make test-services)")
    cache = caches["default"]
    assert cache.add("vanishing", 1, 60)
    cache.delete("vanishing")

    with pytest.raises(ValueError):
        cache.incr("vanishing")

    assert cache.degraded is False
    assert cache.add("after", 1, 60) and cache.incr("after") == 2
