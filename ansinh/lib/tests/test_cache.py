"""Redis down (docs/operations.md): rate limits keep counting in process memory — no bypass,
and no lock-out of everyone — and Redis is used again once it is back."""

from __future__ import annotations

import os
import socket
import threading
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD, clear_caches
from ansinh.lib import cache as resilient


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_DEAD_REDIS = f"redis://127.0.0.1:{_closed_port()}/0"
DOWN = override_settings(
    CACHES={
        alias: {"BACKEND": "ansinh.lib.cache.ResilientRedisCache", "LOCATION": _DEAD_REDIS}
        for alias in ("default", "ratelimit")
    }
)
pytestmark = pytest.mark.django_db


@DOWN
def test_with_redis_unreachable_the_cache_still_works_in_memory():
    cache = cast(resilient.ResilientRedisCache, caches["default"])
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
    cache = cast(resilient.ResilientRedisCache, caches["default"])
    cache.get("k")
    assert cache.degraded
    clock = [resilient.time.monotonic() + resilient.RETRY_AFTER + 1]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    assert not cache.degraded


@pytest.mark.services
def test_a_redis_outage_mid_way_falls_back_then_recovers(monkeypatch):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real Redis (make test-services)")
    cache = cast(resilient.ResilientRedisCache, caches["default"])
    cache.set("shared", "from-redis", 60)
    client = cast(Any, cache)._cache  # noqa: SLF001 - simulate the outage at the client

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


# --- Redis going away for real, mid-run ----------------------------------------------------------


class TcpProxy:
    """A TCP relay on loopback to the real Redis: ``stop()`` closes the listener and every
    open connection (Redis has gone away: connections reset, new ones refused); ``start()``
    brings it back on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self._track(listener)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.target)
            self._track(client)
            self._track(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _recover(api, i: int):
    return api.post(
        "/auth/recovery",
        {"username": "0123456789", "email": "an.nguyen@example.com"},
        remote_addr=f"198.51.100.{i}",
    ).status_code


@pytest.mark.services
def test_redis_going_away_mid_run_keeps_limits_per_process_and_readiness_degraded(
    api, citizen, client, monkeypatch
):
    """The recovery limit is 5 an hour per account. Three requests count in Redis; Redis goes
    away: this process counts afresh in memory — five more pass, the sixth is refused (the limit
    still applies, nobody is locked out) and readiness says "degraded"; Redis comes back: its
    count (three) is used again, so two more pass."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs the real Redis (make test-services)")
    real = urlsplit(redis_url)
    proxy = TcpProxy((real.hostname or "127.0.0.1", real.port or 6379))
    proxy.start()
    location = f"redis://127.0.0.1:{proxy.port}{real.path or '/0'}"
    settings_override = override_settings(
        CACHES={
            alias: {
                "BACKEND": "ansinh.lib.cache.ResilientRedisCache",
                "LOCATION": location,
                # Its own keys only: other test processes share this Redis database.
                "KEY_PREFIX": f"test-cache-{os.getpid()}-{alias}",
            }
            for alias in ("default", "ratelimit")
        }
    )
    try:
        with settings_override:
            cache = cast(resilient.ResilientRedisCache, caches["ratelimit"])  # recovery limits
            clear_caches()
            assert [_recover(api, i) for i in range(3)] == [202] * 3
            assert not cache.degraded

            proxy.stop()  # Redis goes away mid-run

            assert [_recover(api, i) for i in range(3, 9)] == [202] * 5 + [429]
            assert cache.degraded
            ready = client.get("/readyz")
            assert (ready.status_code, ready.json()["checks"]["cache"]) == (200, "degraded")

            proxy.start()  # back, on the same address
            monkeypatch.setattr(resilient, "RETRY_AFTER", 0.0)
            for alias in ("default", "ratelimit"):
                caches[alias]._down_until = 0.0  # noqa: SLF001 - the retry pause has passed
            assert [_recover(api, i) for i in range(9, 12)] == [202] * 2 + [429]
            assert not cache.degraded
            assert client.get("/readyz").json()["checks"]["cache"] == "ok"
            clear_caches()
    finally:
        proxy.stop()


def test_the_cache_keeps_one_redis_client_per_server():
    import redis

    client = resilient.ReusingRedisCacheClient(["redis://127.0.0.1:1/0"])  # never connects
    first = client.get_client("a")
    assert isinstance(first, redis.Redis)
    assert client.get_client("b") is first
    assert client.get_client("c", write=True) is first  # one server: reads and writes share it
    if os.environ.get("REDIS_URL"):  # the production cache uses it
        assert isinstance(cast(Any, caches["default"])._cache, resilient.ReusingRedisCacheClient)  # noqa: SLF001


def test_incr_of_a_vanished_key_is_an_answer_not_an_outage():
    """A rate-limit key can vanish between django-ratelimit's ``add`` and ``incr`` (window
    expiry, a Redis restart or failover): Redis answers "no such key". That must not switch the
    process to counting in memory, which would split every limit for 5 seconds."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real Redis (make test-services)")
    cache = cast(resilient.ResilientRedisCache, caches["default"])
    assert cache.add("vanishing", 1, 60)
    cache.delete("vanishing")

    with pytest.raises(ValueError):
        cache.incr("vanishing")

    assert cache.degraded is False
    assert cache.add("after", 1, 60) and cache.incr("after") == 2
