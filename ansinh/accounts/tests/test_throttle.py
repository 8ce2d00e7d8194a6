"""Login back-off, per-address limits and their counters (issue 11: e, g, k, l;
docs/security.md). Through the endpoints, API and portal, with the shared personas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.portal.tests.helpers import PORTAL_HOME, post_login

pytestmark = pytest.mark.django_db

WRONG = "Khong-Phai-Mat-Khau-2026"
ADDRESS = "203.0.113.7"  # the Api helper's default client address


def _fingerprint(response: Any) -> tuple[Any, ...]:
    """What a client sees of a login answer, less the clock- and request-derived headers."""
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in {"date", "expires", "x-request-id"}
    }
    return response.status_code, response.content, headers


def _login(api: Any, username: str, password: str = WRONG, **kwargs: Any) -> Any:
    return api.post("/auth/login", {"username": username, "password": password}, **kwargs)


# --- e. counters cannot be flushed by a client ---------------------------------------------


@override_settings(LOGIN_IP_RATE="3/15m")
def test_a_flood_of_recovery_requests_does_not_evict_an_address_login_counter(api, citizen):
    for i in range(3):
        assert _login(api, f"099999999{i}").status_code == 401
    # Cheap requests, each making counters of its own (address, identifier, email).
    for i in range(400):
        api.post(
            "/auth/recovery",
            {"username": f"0{i:09d}", "email": f"flood{i}@example.org"},
            remote_addr=f"10.{i // 250}.{i % 250}.1",
        )

    response = _login(api, "0999999998")

    assert response.status_code == 429


def _count_new_buckets(monkeypatch: Any) -> list[str]:
    """Record every counter created (a successful ``add``) in any configured cache."""
    from django.conf import settings

    created: list[str] = []
    for alias in settings.CACHES:
        store = caches[alias]
        original = store.add

        def add(key: Any, *args: Any, _original: Any = original, **kwargs: Any) -> bool:
            added = bool(_original(key, *args, **kwargs))
            if added:
                created.append(str(key))
            return added

        monkeypatch.setattr(store, "add", add)
    return created


@override_settings(RECOVERY_IP_RATE_API="2/h")
def test_refused_recovery_requests_create_no_new_counters(api, db, monkeypatch):
    for i in range(2):
        assert (
            api.post(
                "/auth/recovery", {"username": f"012345678{i}", "email": f"a{i}@example.org"}
            ).status_code
            == 202
        )
    created = _count_new_buckets(monkeypatch)

    statuses = {
        api.post(
            "/auth/recovery", {"username": f"01234567{i:02d}", "email": f"b{i}@example.org"}
        ).status_code
        for i in range(20, 40)
    }

    assert statuses == {429}
    assert created == []


@override_settings(LOGIN_IP_RATE="3/15m")
def test_login_refused_at_an_address_over_its_allowance_creates_no_counter(api, db, monkeypatch):
    for i in range(3):
        _login(api, f"099999999{i}")
    created = _count_new_buckets(monkeypatch)

    statuses = {_login(api, f"09999999{i:02d}").status_code for i in range(10, 30)}

    assert statuses == {429}
    # Each refusal carries a CAPTCHA challenge, and minting one is counted per address (one
    # counter for the address, issue 11 q); no refused login creates a counter of its own.
    assert [key for key in created if ":captcha.mint:" not in key] == []
    assert len(created) <= 1


def test_a_full_counter_store_keeps_every_live_counter_and_refuses_new_ones():
    from ansinh.lib.cache import CounterCache, CounterStoreFull

    store = CounterCache("test-counter-store-full", {"OPTIONS": {"MAX_ENTRIES": 3}})
    store.clear()
    for key in ("a", "b", "c"):
        assert store.add(key, 1, 60)
    with pytest.raises(CounterStoreFull):
        store.add("d", 1, 60)
    assert [store.get(k) for k in ("a", "b", "c", "d")] == [1, 1, 1, None]
    # Expired entries make room; live ones are never pushed out.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert store.add("d", 1, 60)
        assert store.get("d") == 1


# --- g. back-off tells nothing about who is registered -------------------------------------


def _timeline(api: Any, identifiers: tuple[str, str]) -> list[tuple[Any, ...]]:
    """Fail the same way with both identifiers through hours, a day and a month; collect
    both answers of each step."""
    steps = []
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for shift in [0] * 6 + [2 * 3600 + 60, 0, 24 * 3600, 0, 0, 7 * 24 * 3600, 0, 0]:
            traveller.shift(dt.timedelta(seconds=shift))
            steps.append(tuple(_fingerprint(_login(api, ident)) for ident in identifiers))
    return steps


def test_unknown_identifier_follows_the_registered_schedule_past_two_hours_a_day_and_a_week(
    api, citizen
):
    steps = _timeline(api, ("0123456789", "0999999999"))

    assert [known[0] for known, _ in steps][:6] == [401] * 5 + [429]
    for known, unknown in steps:
        assert known == unknown


def test_cccd_after_the_bhxh_code_behaves_like_another_persons_cccd(api, citizen, outsider):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(5):
            _login(api, "0123456789")
        own = _login(api, citizen.person.cccd)
        other = _login(api, outsider.person.cccd)

    assert _fingerprint(own) == _fingerprint(other)
    assert own.status_code == 401


def test_portal_cccd_after_the_bhxh_code_behaves_like_another_persons_cccd(
    client, citizen, outsider
):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(5):
            post_login(client, "0123456789", WRONG)
        own = post_login(client, citizen.person.cccd, WRONG)
        other = post_login(client, outsider.person.cccd, WRONG)

    assert own.status_code == other.status_code == 401


@override_settings(LOGIN_BACKOFF_AFTER=2, LOGIN_MAX_FAILURES=4, LOGIN_BACKOFF_MAX_SECONDS=60)
def test_failures_through_bhxh_code_and_cccd_together_lock_the_account_at_the_cap(api, citizen):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for ident in ("0123456789", citizen.person.cccd) * 2:
            traveller.shift(dt.timedelta(minutes=2))
            assert _login(api, ident).status_code == 401
        traveller.shift(dt.timedelta(minutes=2))
        response = _login(api, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 401
    # The refused right password is one more failure of the locked account.
    assert citizen.failed_logins == 5


# --- k. a wrong password costs what an unknown identifier costs ----------------------------

_LITERAL = re.compile(r"'[^']*'|\bNULL\b|\"s\d+_x\d+\"|\b\d+\b|%s|\?")  # values, savepoint names


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run, with every literal and parameter blanked out."""
    return [_LITERAL.sub("_", q["sql"]) for q in queries.captured_queries]


def _one_failure(api: Any, username: str, monkeypatch: Any) -> tuple[list[str], list[str], int]:
    from django.contrib.auth.hashers import get_hasher

    hasher = type(get_hasher())
    verified: list[int] = []
    original_verify = hasher.verify

    def counting_verify(self, password, encoded):
        verified.append(1)
        return original_verify(self, password, encoded)

    monkeypatch.setattr(hasher, "verify", counting_verify)
    operations: list[str] = []
    from django.conf import settings

    for alias in settings.CACHES:
        store = caches[alias]
        for name in ("get", "add", "set", "incr", "delete", "get_many"):
            original = getattr(store, name)

            def spy(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
                operations.append(_name)
                return _original(*args, **kw)

            monkeypatch.setattr(store, name, spy)
    with CaptureQueriesContext(connection) as queries:
        response = _login(api, username)
    monkeypatch.undo()
    assert response.status_code == 401
    return _statements(queries), operations, len(verified)


@pytest.mark.parametrize("earlier_failures", [0, 3])
def test_wrong_password_and_unknown_identifier_run_the_same_queries_cache_calls_and_hashes(
    api, citizen, monkeypatch, earlier_failures
):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(earlier_failures):
            _login(api, "0123456789", remote_addr="198.51.100.1")
            _login(api, "0999999999", remote_addr="198.51.100.1")
        # Both measured failures find the address's counter already made.
        _login(api, "0999999998")
        known = _one_failure(api, "0123456789", monkeypatch)
        unknown = _one_failure(api, "0999999999", monkeypatch)

    statements, operations, hashes = known
    assert len(statements) == len(unknown[0])
    for mine, theirs in zip(statements, unknown[0], strict=True):
        assert mine == theirs
    assert (operations, hashes) == unknown[1:]
    assert hashes == 1


# --- l. one busy address does not lock out the people behind it ----------------------------


@override_settings(LOGIN_IP_RATE="3/15m")
def test_a_right_password_from_a_busy_address_gets_in_after_the_captcha_step_up(api, citizen):
    for i in range(3):
        assert _login(api, f"099999999{i}").status_code == 401

    step_up = _login(api, "0123456789", CITIZEN_PASSWORD)

    assert step_up.status_code == 429
    error = step_up.json()["error"]
    assert error["code"] == "captcha_required"
    assert error["captcha"]["image_url"].startswith("/captcha/image/")
    response = api.post(
        "/auth/login",
        {
            "username": "0123456789",
            "password": CITIZEN_PASSWORD,
            "captcha_key": error["captcha"]["key"],
            "captcha_answer": "PASSED",
        },
    )
    assert response.status_code == 200
    assert response.json()["access_token"]


@override_settings(LOGIN_IP_RATE="3/15m")
def test_a_busy_address_without_the_captcha_cannot_guess_at_all(api, citizen):
    for i in range(3):
        _login(api, f"099999999{i}")

    response = _login(api, "0123456789")
    wrong_captcha = api.post(
        "/auth/login",
        {
            "username": "0123456789",
            "password": WRONG,
            "captcha_key": "0" * 40,
            "captcha_answer": "x",
        },
    )

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "captcha_required"
    assert wrong_captcha.status_code == 429
    assert wrong_captcha.json()["error"]["code"] == "captcha_required"
    citizen.refresh_from_db()
    assert citizen.failed_logins == 0  # the password was not even tried


@override_settings(LOGIN_IP_RATE="3/15m")
def test_other_addresses_are_not_stepped_up(api, citizen):
    for i in range(3):
        _login(api, f"099999999{i}")

    assert (
        _login(api, "0123456789", CITIZEN_PASSWORD, remote_addr="198.51.100.9").status_code == 200
    )


@override_settings(LOGIN_IP_RATE="3/15m")
def test_a_right_password_from_a_busy_address_gets_in_on_the_portal(api, client, citizen):
    for i in range(3):
        _login(api, f"099999999{i}", remote_addr="127.0.0.1")
    for i in range(3):
        post_login(client, f"09999999{i}9", WRONG)

    response = post_login(client, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_HOME


@override_settings(LOGIN_IP_RATE="3/15m")
def test_portal_failures_count_towards_the_address_allowance_of_the_api(api, client, db):
    for i in range(3):
        assert post_login(client, f"09999999{i}9", WRONG).status_code == 401

    response = _login(api, "0999999990", remote_addr="127.0.0.1")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "captcha_required"


@override_settings(LOGIN_IP_RATE="3/15m", CAPTCHA_TEST_MODE=False)
def test_the_app_captcha_answer_is_checked_and_works_once(api, citizen):
    from captcha.models import CaptchaStore

    for i in range(3):
        _login(api, f"099999999{i}")
    challenge = _login(api, "0123456789", CITIZEN_PASSWORD).json()["error"]["captcha"]
    answer = CaptchaStore.objects.get(hashkey=challenge["key"]).response

    def with_captcha(key: str, typed: str) -> Any:
        return api.post(
            "/auth/login",
            {
                "username": "0123456789",
                "password": CITIZEN_PASSWORD,
                "captcha_key": key,
                "captcha_answer": typed,
            },
        )

    wrong = with_captcha(challenge["key"], answer + "x")
    again = with_captcha(challenge["key"], answer)  # spent by the wrong answer
    fresh = wrong.json()["error"]["captcha"]
    right = with_captcha(fresh["key"], CaptchaStore.objects.get(hashkey=fresh["key"]).response)

    assert (wrong.status_code, wrong.json()["error"]["code"]) == (429, "captcha_required")
    assert (again.status_code, again.json()["error"]["code"]) == (429, "captcha_required")
    assert right.status_code == 200


@override_settings(LOGIN_IP_RATE="3/15m", CAPTCHA_TEST_MODE=False)
def test_a_person_who_cannot_read_the_captcha_gets_another_and_it_works_once(api, citizen):
    from captcha.models import CaptchaStore

    for i in range(3):
        _login(api, f"099999999{i}")
    given = _login(api, "0123456789", CITIZEN_PASSWORD).json()["error"]["captcha"]

    another = api.post("/auth/captcha", {})

    assert another.status_code == 201
    fresh = another.json()
    assert set(fresh) == {"key", "image_url", "audio_url"} and fresh["key"] != given["key"]
    answer = CaptchaStore.objects.get(hashkey=fresh["key"]).response
    body = {"username": "0123456789", "password": CITIZEN_PASSWORD, "captcha_key": fresh["key"]}
    assert api.post("/auth/login", {**body, "captcha_answer": answer}).status_code == 200
    # Used once, right or wrong: the same answer again is a new step-up.
    again = api.post("/auth/login", {**body, "captcha_answer": answer})
    assert again.json()["error"]["code"] == "captcha_required"
