"""Audit events (DESIGN §3.7, docs/security.md "Audit"): every authentication event writes one
row saying who, what, when (UTC) and from which client address and channel; no row ever holds
a password or a token, and identifiers typed by unknown users are stored masked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client, override_settings

from ansinh.accounts.models import DeviceSession
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, run_on_commit
from ansinh.portal.tests.helpers import (
    BACKOFFICE_LOGIN,
    PORTAL_LOGIN,
    PORTAL_PASSWORD,
    login,
    post_login,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
WRONG = "Khong-Phai-Mat-Khau-2026"
NEW_PASSWORD = "Mot-Mat-Khau-Moi-That-Dai"
APP = "AnSinh-App/1.0 (Android 14)"


def _only(event: str) -> AuditEvent:
    [row] = AuditEvent.objects.filter(event=event)
    return row


def _events() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("event", flat=True))


def _row_text(row: AuditEvent) -> str:
    """Every stored value of an audit row, as text."""
    values = [str(getattr(row, field.attname)) for field in AuditEvent._meta.concrete_fields]
    return "\n".join([*values, json.dumps(row.details, ensure_ascii=False)])


# --- Login --------------------------------------------------------------------------------------


def test_login_success_is_audited_with_who_what_when_address_agent_and_channel(api, citizen):
    with time_machine.travel(T0, tick=False):
        api.login(
            "0123456789",
            CITIZEN_PASSWORD,
            remote_addr="198.51.100.10",
            headers={"User-Agent": APP},
        )

    row = _only("login.succeeded")
    assert (row.actor, row.subject) == (citizen, citizen)
    assert row.occurred_at == T0
    assert (row.client_ip, row.user_agent, row.channel) == ("198.51.100.10", APP, "api")
    assert _events() == ["login.succeeded"]


def test_failed_login_of_a_known_account_is_audited_with_the_reason(api, citizen):
    with time_machine.travel(T0, tick=False):
        response = api.post(
            "/auth/login",
            {"username": "001090012345", "password": WRONG},
            remote_addr="198.51.100.11",
        )

    assert response.status_code == 401
    row = _only("login.failed")
    # Nobody was signed in: no actor; the account it was aimed at is the subject.
    assert (row.actor, row.subject) == (None, citizen)
    assert row.occurred_at == T0
    assert (row.client_ip, row.channel) == ("198.51.100.11", "api")
    assert row.details == {"reason": "wrong_password", "consecutive_failures": 1}
    assert row.identifier == "00********45"


def test_failed_login_of_an_unknown_identifier_stores_it_masked(api, citizen):
    with time_machine.travel(T0, tick=False):
        api.post("/auth/login", {"username": "0999123499", "password": WRONG})

    row = _only("login.failed")
    assert (row.actor, row.subject) == (None, None)
    assert row.details["reason"] == "unknown_identifier"
    assert row.identifier == "09******99"
    assert "0999123499" not in _row_text(row)


def test_password_typed_into_the_identifier_field_is_not_stored(api, citizen):
    api.post("/auth/login", {"username": CITIZEN_PASSWORD, "password": CITIZEN_PASSWORD})

    row = _only("login.failed")
    assert CITIZEN_PASSWORD not in _row_text(row)
    assert CITIZEN_PASSWORD.lower() not in _row_text(row)
    assert set(row.identifier[2:-2]) == {"*"}


def test_portal_and_back_office_logins_are_audited_with_their_channel(client, citizen, clerk):
    with time_machine.travel(T0, tick=False):
        portal = post_login(client, "0123456789", CITIZEN_PASSWORD, REMOTE_ADDR="198.51.100.12")
        backoffice = post_login(
            Client(), "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN, REMOTE_ADDR="198.51.100.13"
        )

    assert portal.status_code == backoffice.status_code == 302

    rows = AuditEvent.objects.filter(event="login.succeeded").order_by("pk")
    assert [(r.subject, r.channel, r.client_ip, r.occurred_at) for r in rows] == [
        (citizen, "portal", "198.51.100.12", T0),
        (clerk, "backoffice", "198.51.100.13", T0),
    ]


def test_spoofed_forwarded_for_is_not_recorded_as_the_client_address(api, citizen):
    api.login("0123456789", CITIZEN_PASSWORD, headers={"X-Forwarded-For": "192.0.2.66"})

    assert _only("login.succeeded").client_ip == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_configured_proxy_the_forwarded_client_address_is_recorded(api, citizen):
    api.login("0123456789", CITIZEN_PASSWORD, headers={"X-Forwarded-For": "192.0.2.66"})

    assert _only("login.succeeded").client_ip == "192.0.2.66"


# --- Lockout ------------------------------------------------------------------------------------


def test_lockout_and_the_throttled_attempt_after_it_are_audited(api, citizen, settings):
    assert settings.LOGIN_BACKOFF_AFTER == 5
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            api.post("/auth/login", {"username": "0123456789", "password": WRONG})
        throttled = api.post(
            "/auth/login",
            {"username": "0123456789", "password": CITIZEN_PASSWORD},
            remote_addr="198.51.100.14",
        )

    assert throttled.status_code == 429
    assert _events() == ["login.failed"] * 5 + ["login.lockout", "login.throttled"]
    lockout = _only("login.lockout")
    assert (lockout.subject, lockout.occurred_at, lockout.channel) == (citizen, T0, "api")
    assert lockout.details == {"consecutive_failures": 5, "account_failures": 5}
    row = _only("login.throttled")
    assert (row.actor, row.subject, row.client_ip, row.occurred_at) == (
        None,
        citizen,
        "198.51.100.14",
        T0,
    )
    assert row.details["retry_after"] > 0


def test_four_failures_write_no_lockout(api, citizen):
    for _ in range(4):
        api.post("/auth/login", {"username": "0123456789", "password": WRONG})

    assert _events() == ["login.failed"] * 4


# --- Tokens, logout, logout-all -----------------------------------------------------------------


def test_token_refresh_is_audited(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    with time_machine.travel(T0, tick=False):
        response = api.post(
            "/auth/refresh", {"refresh_token": tokens["refresh_token"]}, remote_addr="198.51.100.15"
        )

    assert response.status_code == 200
    row = _only("token.refreshed")
    assert (row.actor, row.subject, row.occurred_at) == (citizen, citizen, T0)
    assert (row.client_ip, row.channel) == ("198.51.100.15", "api")


def test_invalid_refresh_token_writes_no_refresh_event(api, citizen):
    response = api.post("/auth/refresh", {"refresh_token": "ans_" + "x" * 43})

    assert response.status_code == 401
    assert not AuditEvent.objects.filter(event__startswith="token.").exists()


def test_reused_refresh_token_is_audited(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})

    api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, remote_addr="192.0.2.9")

    row = _only("token.reuse_detected")
    assert (row.subject, row.client_ip) == (citizen, "192.0.2.9")


def test_logout_is_audited_with_the_device(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    device = DeviceSession.objects.get()
    with time_machine.travel(T0, tick=False):
        response = api.post(
            "/auth/logout", token=tokens["access_token"], remote_addr="198.51.100.16"
        )

    assert response.status_code == 204
    row = _only("logout")
    assert (row.actor, row.subject, row.occurred_at) == (citizen, citizen, T0)
    assert (row.client_ip, row.channel) == ("198.51.100.16", "api")
    assert row.details == {"device": str(device.public_id)}


def test_logout_all_is_audited_with_the_number_of_devices(api, citizen):
    api.login("0123456789", CITIZEN_PASSWORD)
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    with time_machine.travel(T0, tick=False):
        response = api.post(
            "/auth/logout-all", token=tokens["access_token"], remote_addr="198.51.100.17"
        )

    assert response.status_code == 200
    assert response.json() == {"devices_signed_out": 2, "passkeys": 0, "message": ""}
    row = _only("logout_all")
    assert (row.actor, row.subject, row.occurred_at) == (citizen, citizen, T0)
    assert (row.client_ip, row.channel) == ("198.51.100.17", "api")
    assert row.details == {"devices": 2}


def test_logout_without_a_valid_token_is_not_audited(api, citizen):
    response = api.post("/auth/logout", token="ans_" + "x" * 43)

    assert response.status_code == 401
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("login_path", "logout_path", "username", "password", "channel"),
    [
        (PORTAL_LOGIN, "/dang-xuat/", "0123456789", CITIZEN_PASSWORD, "portal"),
        (BACKOFFICE_LOGIN, "/backoffice/logout/", "canbo1", STAFF_PASSWORD, "backoffice"),
    ],
)
def test_web_logout_is_audited_with_its_channel(
    client, citizen, clerk, login_path, logout_path, username, password, channel
):
    login(client, username, password, path=login_path)
    with time_machine.travel(T0, tick=False):
        client.post(logout_path, REMOTE_ADDR="198.51.100.18")

    row = _only("logout")
    assert row.subject.username == username
    assert row.actor == row.subject
    assert (row.channel, row.client_ip, row.occurred_at) == (channel, "198.51.100.18", T0)


# --- Password change ----------------------------------------------------------------------------


def test_password_change_is_audited(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    with time_machine.travel(T0, tick=False):
        response = api.post(
            "/auth/password",
            {"current_password": CITIZEN_PASSWORD, "new_password": NEW_PASSWORD},
            token=tokens["access_token"],
            remote_addr="198.51.100.19",
        )

    assert response.status_code == 204
    row = _only("password.changed")
    assert (row.actor, row.subject, row.occurred_at) == (citizen, citizen, T0)
    assert (row.client_ip, row.channel) == ("198.51.100.19", "api")


def test_password_change_with_a_wrong_current_password_is_audited_as_failed(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    with time_machine.travel(T0, tick=False):
        api.post(
            "/auth/password",
            {"current_password": WRONG, "new_password": NEW_PASSWORD},
            token=tokens["access_token"],
        )

    row = _only("password.change_failed")
    assert (row.actor, row.subject, row.occurred_at) == (citizen, citizen, T0)
    assert row.details == {"reason": "wrong_current_password"}
    assert not AuditEvent.objects.filter(event="password.changed").exists()


def test_portal_password_change_is_audited_with_the_portal_channel(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    data = {
        "current_password": CITIZEN_PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    with run_on_commit():
        assert client.post(PORTAL_PASSWORD, data).status_code == 302

    row = _only("password.changed")
    assert (row.subject, row.channel) == (citizen, "portal")


# --- No secrets ---------------------------------------------------------------------------------


def test_no_audit_row_holds_a_password_or_a_token(api, client, citizen, clerk):
    secrets: list[str] = [CITIZEN_PASSWORD, STAFF_PASSWORD, WRONG, NEW_PASSWORD]
    with time_machine.travel(T0, tick=False):
        # Failures, on a known and an unknown account, and a lockout with its throttled try.
        for _ in range(5):
            api.post("/auth/login", {"username": "0123456789", "password": WRONG})
        api.post("/auth/login", {"username": "0999999999", "password": WRONG})
        api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    # Logins, refresh, reuse, logout, password change (right and wrong), logout-all.
    first = api.login("0123456789", CITIZEN_PASSWORD)
    second = api.login("001090012345", CITIZEN_PASSWORD)
    refreshed = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).json()
    api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})  # reuse
    api.post("/auth/logout", token=second["access_token"])
    third = api.login("0123456789", CITIZEN_PASSWORD)
    api.post(
        "/auth/password",
        {"current_password": WRONG, "new_password": NEW_PASSWORD},
        token=third["access_token"],
    )
    api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": NEW_PASSWORD},
        token=third["access_token"],
    )
    api.post("/auth/logout-all", token=third["access_token"])
    staff = api.login("canbo1", STAFF_PASSWORD)
    # The web doors, with a wrong password and a CAPTCHA answer too.
    post_login(client, "0123456789", WRONG)
    login(client, "0123456789", NEW_PASSWORD)
    client.post("/dang-xuat/")
    for pair in (first, second, refreshed, third, staff):
        secrets += [pair["access_token"], pair["refresh_token"]]

    assert set(_events()) >= {
        "login.failed",
        "login.lockout",
        "login.throttled",
        "login.succeeded",
        "token.refreshed",
        "token.reuse_detected",
        "logout",
        "password.change_failed",
        "password.changed",
        "logout_all",
    }
    for row in AuditEvent.objects.all():
        text = _row_text(row)
        for secret in secrets:
            # The whole secret, and any long piece of it (a truncated or prefixed copy).
            pieces = {
                secret,
                secret.lower(),
                *(secret[i : i + 12] for i in range(len(secret) - 11)),
            }
            leaked = [piece for piece in pieces if piece in text]
            assert not leaked, (row.event, leaked)
