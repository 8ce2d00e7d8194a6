"""One challenge, many answers at once (issue 13): real parallel requests, each thread on its
own database connection, released together by a barrier. Of the answers racing with one
sign-in or registration challenge at most one is evaluated and wins; the others find the
challenge used up (410), or, once the losers' failures put the credential in its back-off,
429.

On PostgreSQL exactly one wins. The suite's SQLite database is in memory, shared between
threads with table locks that answer "locked" at once instead of waiting (the embedded
profile's file database waits, WAL): there a request may also get 503 (nothing changed), the
winner's included, so the threads check only that no two win; the interleaving itself is
replayed deterministically on both profiles below, where exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from ansinh.accounts.models import DeviceSession, Passkey, PasskeyChallenge
from ansinh.conftest import CITIZEN_PASSWORD, Api

from .authenticator import SoftAuthenticator
from .passkey_helpers import BHXH, add_passkey, registration_options, sign_in_options

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 8


def _winners(statuses: list[int], won: int) -> int:
    """How many won; every other answer is a refusal (503 only on the in-memory SQLite)."""
    refusals = {410, 429} | ({503} if connection.vendor == "sqlite" else set())
    assert all(status == won or status in refusals for status in statuses), statuses
    winners = statuses.count(won)
    assert winners == 1 if connection.vendor == "postgresql" else winners <= 1, statuses
    return winners


def _race(call: Callable[[Client], Any]) -> list[int]:
    barrier = threading.Barrier(PARALLEL)

    def attempt(_n: int) -> int:
        try:
            barrier.wait(timeout=30)
            return int(call(Client()).status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(attempt, range(PARALLEL)))


def test_parallel_answers_to_one_sign_in_challenge_sign_in_once(citizen):
    api = Api(Client())
    phone = add_passkey(api, api.login(BHXH, CITIZEN_PASSWORD), SoftAuthenticator(counts=False))
    answer = phone.get(sign_in_options(api))
    devices = DeviceSession.objects.count()

    statuses = _race(
        lambda client: client.post(
            "/api/v1/auth/passkey",
            {"credential": answer},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.7",
        )
    )

    assert DeviceSession.objects.count() == devices + _winners(statuses, 200)
    assert PasskeyChallenge.objects.count() == 0


def test_parallel_answers_to_one_registration_challenge_add_one_passkey(citizen):
    api = Api(Client())
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    options = registration_options(api, tokens).json()
    answers = [SoftAuthenticator().create(options) for _ in range(PARALLEL)]
    turn = iter(range(PARALLEL))
    lock = threading.Lock()

    def register(client: Client) -> Any:
        with lock:
            answer = answers[next(turn)]
        return client.post(
            "/api/v1/me/passkeys",
            {"name": "Điện thoại", "credential": answer},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}",
        )

    statuses = _race(register)

    assert Passkey.objects.count() == _winners(statuses, 201)


# --- The same interleaving, replayed: a second answer arrives while the first is verified ------


def test_an_answer_arriving_while_another_is_verified_finds_the_challenge_used(
    citizen, monkeypatch
):
    from ansinh.accounts import passkey_login

    api = Api(Client())
    phone = add_passkey(api, api.login(BHXH, CITIZEN_PASSWORD), SoftAuthenticator(counts=False))
    answer = phone.get(sign_in_options(api))
    second: list[int] = []
    verify = passkey_login._verify

    def verify_while_another_arrives(*args: Any) -> tuple[str, int]:
        if not second:
            second.append(api.post("/auth/passkey", {"credential": answer}).status_code)
        return verify(*args)

    monkeypatch.setattr(passkey_login, "_verify", verify_while_another_arrives)

    first = api.post("/auth/passkey", {"credential": answer})

    assert (first.status_code, second) == (200, [410])
