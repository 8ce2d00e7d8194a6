"""Issue 11 b and n, for real: parallel logins on PostgreSQL, each thread on its own database
connection, while a recovery or a password change completes, and parallel logins with one
temporary password. Nothing minted with the old password may survive; a temporary password
signs in exactly once. (The same interleavings, replayed deterministically on both profiles:
``test_security_stamp.py``.)

The password is hashed with the production argon2id parameters so that the window between
the password check and the issue is as wide as in production."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from ansinh.accounts.models import User
from ansinh.conftest import CITIZEN_PASSWORD, Api
from ansinh.portal.tests.helpers import PORTAL_HOME, PORTAL_PASSWORD, is_signed_in, post_login
from ansinh.recovery.tests.helpers import (
    NEW_PASSWORD,
    last_code,
    start_id,
    temporary_password,
    verify,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BHXH = "0123456789"
CHANGED_PASSWORD = "Doi-Mat-Khau-Giua-Chung-2026"
API_WORKERS, PORTAL_WORKERS = 4, 2
MAX_ROUNDS = 25  # logins per worker at most (bounded even if the other side never finishes)


@pytest.fixture(autouse=True)
def _postgresql_and_argon2(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    settings.PASSWORD_HASHERS = ["ansinh.lib.hashers.Argon2idHasher"]


def _with_argon2(user: User) -> None:
    user.set_password(CITIZEN_PASSWORD)
    user.save(update_fields=["password"])


class _Login:
    """One login of one worker: the API's token pair, or the portal browser it signed in."""

    def __init__(self, tokens: dict[str, Any] | None = None, browser: Client | None = None):
        self.tokens, self.browser = tokens, browser


def _race(change: Callable[[], None]) -> tuple[list[_Login], int]:
    """API and portal workers log in with the old password again and again; once one of them
    succeeded, ``change`` runs (in its own thread); each worker stops at its first failure or
    after the change finished. Returns every successful login and how many logins were tried."""
    started = threading.Event()
    changed = threading.Event()
    barrier = threading.Barrier(API_WORKERS + PORTAL_WORKERS + 1)
    attempts = [0]
    lock = threading.Lock()

    def api_worker(_n: int) -> list[_Login]:
        got: list[_Login] = []
        try:
            barrier.wait(timeout=30)
            for _ in range(MAX_ROUNDS):
                with lock:
                    attempts[0] += 1
                done_before = changed.is_set()
                response = Client().post(
                    "/api/v1/auth/login",
                    data={"username": BHXH, "password": CITIZEN_PASSWORD},
                    content_type="application/json",
                    REMOTE_ADDR=f"198.51.100.{_n + 1}",
                )
                if response.status_code != 200:
                    break
                got.append(_Login(tokens=response.json()))
                started.set()
                if done_before:
                    break
            return got
        finally:
            connections.close_all()

    def portal_worker(_n: int) -> list[_Login]:
        got: list[_Login] = []
        try:
            barrier.wait(timeout=30)
            for _ in range(MAX_ROUNDS):
                with lock:
                    attempts[0] += 1
                done_before = changed.is_set()
                browser = Client()
                response = post_login(
                    browser, BHXH, CITIZEN_PASSWORD, REMOTE_ADDR=f"198.51.100.{_n + 101}"
                )
                if response.status_code != 302:
                    break
                got.append(_Login(browser=browser))
                started.set()
                if done_before:
                    break
            return got
        finally:
            connections.close_all()

    def changer() -> list[_Login]:
        try:
            barrier.wait(timeout=30)
            assert started.wait(timeout=60), "no login succeeded before the change"
            change()
            changed.set()
            return []
        finally:
            changed.set()
            connections.close_all()

    with ThreadPoolExecutor(max_workers=API_WORKERS + PORTAL_WORKERS + 1) as pool:
        futures = [pool.submit(api_worker, n) for n in range(API_WORKERS)]
        futures += [pool.submit(portal_worker, n) for n in range(PORTAL_WORKERS)]
        futures.append(pool.submit(changer))
        logins = [login for future in futures for login in future.result()]
    return logins, attempts[0]


def _survivors(logins: list[_Login]) -> list[str]:
    """What still works of the logins made with the old password."""
    api = Api(Client())
    alive = []
    for login in logins:
        if login.tokens is not None:
            if api.get("/me", token=login.tokens["access_token"]).status_code != 401:
                alive.append("access token")
            refreshed = api.post("/auth/refresh", {"refresh_token": login.tokens["refresh_token"]})
            if refreshed.status_code != 401:
                alive.append("refresh token")
        if login.browser is not None:
            response = login.browser.get(PORTAL_HOME)
            if response.status_code == 200 or is_signed_in(login.browser):
                alive.append("web session")
    return alive


def test_parallel_logins_during_a_recovery_leave_no_live_token_or_session(citizen, mailoutbox):
    _with_argon2(citizen)
    api = Api(Client())
    recovery_id = start_id(api)
    code = last_code(mailoutbox)

    def reset() -> None:
        response = verify(Api(Client()), recovery_id, code, NEW_PASSWORD)
        assert response.status_code == 200, response.content

    logins, tried = _race(reset)

    assert logins and tried > len(logins)
    assert _survivors(logins) == []
    assert User.objects.get(pk=citizen.pk).check_password(NEW_PASSWORD)


def test_parallel_logins_during_a_password_change_leave_no_live_token_or_session(citizen):
    _with_argon2(citizen)
    api = Api(Client())
    owner = api.login(BHXH, CITIZEN_PASSWORD, remote_addr="192.0.2.9")

    def change() -> None:
        response = Api(Client()).post(
            "/auth/password",
            {"current_password": CITIZEN_PASSWORD, "new_password": CHANGED_PASSWORD},
            token=owner["access_token"],
            remote_addr="192.0.2.9",
        )
        assert response.status_code == 204, response.content

    logins, tried = _race(change)

    assert logins and tried > len(logins)
    assert _survivors(logins) == []
    # The device that changed the password stays signed in.
    assert api.get("/me", token=owner["access_token"]).status_code == 200


def test_parallel_logins_with_a_temporary_password_have_exactly_one_winner(citizen, mailoutbox):
    api = Api(Client())
    assert verify(api, start_id(api), last_code(mailoutbox)).status_code == 200
    temporary = temporary_password(mailoutbox)
    parallel = 8
    barrier = threading.Barrier(parallel)

    def attempt(n: int) -> str:
        try:
            barrier.wait(timeout=30)
            if n % 2:
                browser = Client()
                response = post_login(browser, BHXH, temporary, REMOTE_ADDR=f"198.51.100.{n}")
                won = response.status_code == 302 and response["Location"] == PORTAL_PASSWORD
                return "portal" if won else str(response.status_code)
            response = Client().post(
                "/api/v1/auth/login",
                data={"username": BHXH, "password": temporary},
                content_type="application/json",
                REMOTE_ADDR=f"198.51.100.{n}",
            )
            return "api" if response.status_code == 200 else str(response.status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        outcomes = list(pool.map(attempt, range(parallel)))

    winners = [o for o in outcomes if o in ("api", "portal")]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes if o not in winners) == ["401"] * (parallel - 1)
