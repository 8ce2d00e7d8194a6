"""POST /auth/login: identifiers, identical failures, throttling, audit (DESIGN §3.2, §4)."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from ansinh.accounts.models import LoginFailureCounter, User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Khong-Phai-Mat-Khau-2026"


def _failure_fingerprint(response):
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in {"date", "expires", "x-request-id"}
    }  # clock-derived
    return response.status_code, response.content, headers


def test_citizen_logs_in_with_bhxh_code(api, citizen):
    response = api.post(
        "/auth/login",
        {"username": "0123456789", "password": CITIZEN_PASSWORD, "device_name": "Pixel 8"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["password_change_required"] is False
    assert body["access_token"] != body["refresh_token"]
    assert api.get("/me", token=body["access_token"]).json()["bhxh_code"] == "0123456789"


def test_citizen_logs_in_with_cccd(api, citizen):
    tokens = api.login("001090012345", CITIZEN_PASSWORD)
    assert api.get("/me", token=tokens["access_token"]).json()["bhxh_code"] == "0123456789"


def test_identifier_surrounding_spaces_are_ignored(api, citizen):
    assert (
        api.post(
            "/auth/login", {"username": " 0123456789 ", "password": CITIZEN_PASSWORD}
        ).status_code
        == 200
    )


def test_staff_logs_in_through_the_same_endpoint(api, clerk):
    tokens = api.login("canbo1", STAFF_PASSWORD)
    me = api.get("/me", token=tokens["access_token"]).json()
    assert me["kind"] == "staff"
    assert me["role"] == "clerk"
    assert me["office"] == {"code": "01001", "name": "BHXH quận Ba Đình"}


def test_wrong_password_and_unknown_user_get_byte_identical_401(api, citizen):
    wrong = api.post("/auth/login", {"username": "0123456789", "password": WRONG})
    unknown = api.post("/auth/login", {"username": "0999999999", "password": WRONG})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert _failure_fingerprint(wrong) == _failure_fingerprint(unknown)


def test_disabled_and_locked_accounts_answer_like_a_wrong_password(
    api, citizen, outsider, settings
):
    reference = api.post("/auth/login", {"username": "0999999998", "password": CITIZEN_PASSWORD})
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    disabled = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    LoginFailureCounter.objects.create(
        key=f"a:{outsider.pk}", failures=settings.LOGIN_MAX_FAILURES, last_failed_at=timezone.now()
    )
    from ansinh.conftest import OTHER_PASSWORD

    locked = api.post("/auth/login", {"username": "7912345678", "password": OTHER_PASSWORD})
    assert _failure_fingerprint(disabled) == _failure_fingerprint(reference)
    assert _failure_fingerprint(locked) == _failure_fingerprint(reference)


def test_staff_username_cannot_be_used_as_a_citizen_identifier(api, citizen, clerk):
    # A citizen's BHXH code is their username; staff names never look like one.
    assert (
        api.post("/auth/login", {"username": "canbo1", "password": CITIZEN_PASSWORD}).status_code
        == 401
    )


def test_non_ascii_digits_name_nobody(api, citizen):
    # Full-width digits are what a Vietnamese IME types: issue 12 folds them (see
    # accounts/tests/test_typed_identifiers.py). Every other Unicode digit still names nobody.
    arabic = "".join(chr(0x0660 + int(d)) for d in "0123456789")
    devanagari = "".join(chr(0x0966 + int(d)) for d in "0123456789")
    for username in (arabic, devanagari):
        response = api.post("/auth/login", {"username": username, "password": CITIZEN_PASSWORD})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"


def test_fifth_failure_starts_back_off_with_retry_after(api, citizen):
    for _ in range(5):
        assert (
            api.post("/auth/login", {"username": "0123456789", "password": WRONG}).status_code
            == 401
        )
    throttled = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_attempts"
    assert int(throttled["Retry-After"]) >= 1


def test_back_off_grows_exponentially_and_ends(api, citizen):
    start = timezone.now()
    waits = []
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            api.post("/auth/login", {"username": "0123456789", "password": WRONG})
        for _ in range(3):
            response = api.post("/auth/login", {"username": "0123456789", "password": WRONG})
            assert response.status_code == 429
            wait = int(response["Retry-After"])
            waits.append(wait)
            traveller.shift(dt.timedelta(seconds=wait))
            assert (
                api.post("/auth/login", {"username": "0123456789", "password": WRONG}).status_code
                == 401
            )
        assert waits == [2, 4, 8]
        response = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
        assert response.status_code == 429
        traveller.shift(dt.timedelta(seconds=int(response["Retry-After"])))
        assert (
            api.post(
                "/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD}
            ).status_code
            == 200
        )
    citizen.refresh_from_db()
    assert citizen.failed_logins == 0


def test_unknown_identifier_is_throttled_on_the_same_schedule(api, citizen):
    known, unknown = [], []
    # Frozen clock: a slow machine must not let the back-off run out between two attempts.
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(6):
            known.append(api.post("/auth/login", {"username": "0123456789", "password": WRONG}))
            unknown.append(api.post("/auth/login", {"username": "0999999999", "password": WRONG}))
    assert [r.status_code for r in known] == [401] * 5 + [429]
    assert [_failure_fingerprint(r) for r in known] == [_failure_fingerprint(r) for r in unknown]


@override_settings(LOGIN_BACKOFF_AFTER=2, LOGIN_MAX_FAILURES=4, LOGIN_BACKOFF_MAX_SECONDS=60)
def test_account_stops_accepting_its_password_after_max_consecutive_failures(api, citizen):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            traveller.shift(dt.timedelta(minutes=2))
            assert (
                api.post("/auth/login", {"username": "0123456789", "password": WRONG}).status_code
                == 401
            )
        traveller.shift(dt.timedelta(minutes=2))
        response = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert response.status_code == 401
    assert AuditEvent.objects.filter(event="login.lockout", subject=citizen).count() == 2
    assert AuditEvent.objects.filter(
        event="login.failed", subject=citizen, details__reason="locked"
    ).exists()


@override_settings(LOGIN_IP_RATE="3/15m")
def test_one_client_address_spraying_many_accounts_is_throttled(api, citizen, outsider):
    for username in ("0999999991", "0999999992", "0999999993"):
        assert api.post("/auth/login", {"username": username, "password": WRONG}).status_code == 401
    response = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response
    # Another address is not affected.
    assert (
        api.post(
            "/auth/login",
            {"username": "0123456789", "password": CITIZEN_PASSWORD},
            remote_addr="198.51.100.9",
        ).status_code
        == 200
    )


@override_settings(LOGIN_IP_RATE="3/15m")
def test_spoofed_forwarded_for_does_not_escape_the_address_limit(api, citizen):
    for i in range(3):
        api.post(
            "/auth/login",
            {"username": f"099999999{i}", "password": WRONG},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        )
    response = api.post(
        "/auth/login",
        {"username": "0123456789", "password": CITIZEN_PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.200"},
    )
    assert response.status_code == 429


@override_settings(LOGIN_IP_RATE="3/15m", TRUSTED_PROXY_COUNT=1)
def test_forwarded_for_is_used_behind_a_configured_proxy(api, citizen):
    for i in range(3):
        api.post(
            "/auth/login",
            {"username": f"099999999{i}", "password": WRONG},
            headers={"X-Forwarded-For": "192.0.2.1"},
        )
    other_client = api.post(
        "/auth/login",
        {"username": "0123456789", "password": CITIZEN_PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.2"},
    )
    assert other_client.status_code == 200
    event = AuditEvent.objects.filter(event="login.succeeded").get()
    assert event.client_ip == "192.0.2.2"


def test_logins_are_audited_without_secrets(api, citizen):
    api.post("/auth/login", {"username": "0123456789", "password": WRONG})
    api.post("/auth/login", {"username": "0999999999", "password": WRONG})
    api.login("0123456789", CITIZEN_PASSWORD)
    events = list(
        AuditEvent.objects.order_by("pk").values_list("event", "details", "identifier", "client_ip")
    )
    assert [e[0] for e in events] == ["login.failed", "login.failed", "login.succeeded"]
    assert events[0][1]["reason"] == "wrong_password"
    assert events[1][1]["reason"] == "unknown_identifier"
    assert events[1][2] == "09******99"
    assert all(e[3] == "203.0.113.7" for e in events)
    dumped = str(events)
    assert WRONG not in dumped and CITIZEN_PASSWORD not in dumped


def test_expired_temporary_password_is_refused_like_a_wrong_one(api, citizen):
    User.objects.filter(pk=citizen.pk).update(
        password_change_required=True, password_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_a_login_whose_tokens_cannot_be_stored_records_no_success(api, citizen, monkeypatch):
    """Last login, audit event, device and tokens are one transaction: all or nothing."""
    from ansinh.accounts import tokens

    def broken(device):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tokens, "_issue_pair", broken)
    with pytest.raises(RuntimeError):
        api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})

    citizen.refresh_from_db()
    assert citizen.last_login is None
    assert not AuditEvent.objects.filter(event="login.succeeded").exists()
    assert not citizen.devices.exists()


def test_a_login_hashes_once_and_writes_in_one_transaction(api, citizen, monkeypatch):
    from django.contrib.auth.hashers import get_hasher
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hasher = type(get_hasher())  # the tests' hasher
    verified: list[int] = []
    original = hasher.verify

    def counting_verify(self, password, encoded):
        verified.append(1)
        return original(self, password, encoded)

    monkeypatch.setattr(hasher, "verify", counting_verify)
    with CaptureQueriesContext(connection) as queries:
        api.login("0123456789", CITIZEN_PASSWORD)

    assert verified == [1]
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The look-up and the failure counters' read (accounts/throttle.py), then one atomic block
    # (a savepoint inside the test's own transaction) with the last login, the audit event,
    # the device and both tokens.
    assert statements == [
        "SELECT",
        "SELECT",
        "SAVEPOINT",
        "UPDATE",
        "INSERT",
        "INSERT",
        "INSERT",
        "RELEASE",
    ]
