"""App tokens: opaque, hashed, expiring, rotated, revocable (DESIGN §3.2)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ansinh.accounts.models import AppToken, DeviceSession
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD

pytestmark = pytest.mark.django_db


def test_tokens_are_random_long_and_stored_only_as_digests(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    for raw in (tokens["access_token"], tokens["refresh_token"]):
        assert len(raw) >= 40  # "ans_" + 43 url-safe characters = 256 random bits
        assert not AppToken.objects.filter(digest=raw).exists()
    stored = set(AppToken.objects.values_list("digest", flat=True))
    assert len(stored) == 2
    assert all(len(d) == 64 for d in stored)
    assert api.login("0123456789", CITIZEN_PASSWORD)["access_token"] != tokens["access_token"]


def test_each_login_is_its_own_device_session(api, citizen):
    api.post(
        "/auth/login",
        {"username": "0123456789", "password": CITIZEN_PASSWORD, "device_name": "Phone"},
    )
    api.post(
        "/auth/login",
        {"username": "0123456789", "password": CITIZEN_PASSWORD, "device_name": "Tablet"},
    )
    assert sorted(DeviceSession.objects.values_list("device_name", flat=True)) == [
        "Phone",
        "Tablet",
    ]


def test_missing_or_garbage_token_gets_401_invalid_token(api, citizen):
    for token in (None, "ans_not-a-token", "x" * 500):
        response = api.get("/me", token=token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_refresh_token_is_not_an_access_token(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    assert api.get("/me", token=tokens["refresh_token"]).status_code == 401


def test_access_token_expires(api, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        tokens = api.login("0123456789", CITIZEN_PASSWORD)
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert api.get("/me", token=tokens["access_token"]).status_code == 200
        traveller.shift(dt.timedelta(seconds=2))
        assert api.get("/me", token=tokens["access_token"]).status_code == 401


def test_refresh_rotates_the_pair_and_old_tokens_stop_working(api, citizen):
    first = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert api.get("/me", token=first["access_token"]).status_code == 401
    assert api.get("/me", token=second["access_token"]).status_code == 200
    assert AuditEvent.objects.filter(event="token.refreshed", subject=citizen).count() == 1


def test_reusing_a_rotated_refresh_token_revokes_that_device_only(api, citizen):
    stolen = api.login("0123456789", CITIZEN_PASSWORD)
    other_device = api.login("0123456789", CITIZEN_PASSWORD)
    legit = api.post("/auth/refresh", {"refresh_token": stolen["refresh_token"]}).json()
    replay = api.post("/auth/refresh", {"refresh_token": stolen["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_token"
    # The rotated pair of that device is dead too: one of its holders is an attacker.
    assert api.get("/me", token=legit["access_token"]).status_code == 401
    assert api.post("/auth/refresh", {"refresh_token": legit["refresh_token"]}).status_code == 401
    assert api.get("/me", token=other_device["access_token"]).status_code == 200
    assert AuditEvent.objects.filter(event="token.reuse_detected").count() == 1


def test_refresh_token_expires(api, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        tokens = api.login("0123456789", CITIZEN_PASSWORD)
        traveller.shift(dt.timedelta(days=30, seconds=1))
        assert (
            api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
        )


def test_unknown_refresh_token_gets_401(api, citizen):
    response = api.post("/auth/refresh", {"refresh_token": "ans_nothing"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_refresh_fails_for_a_disabled_account(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert api.get("/me", token=tokens["access_token"]).status_code == 401


def test_logout_revokes_this_device_only(api, citizen):
    one = api.login("0123456789", CITIZEN_PASSWORD)
    two = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post("/auth/logout", token=one["access_token"])
    assert response.status_code == 204
    assert api.get("/me", token=one["access_token"]).status_code == 401
    assert api.post("/auth/refresh", {"refresh_token": one["refresh_token"]}).status_code == 401
    assert api.get("/me", token=two["access_token"]).status_code == 200
    assert api.post("/auth/logout").status_code == 401


def test_logout_all_revokes_every_device_and_web_session(api, citizen, outsider):
    one = api.login("0123456789", CITIZEN_PASSWORD)
    two = api.login("001090012345", CITIZEN_PASSWORD)
    someone_else = api.login("7912345678", OTHER_PASSWORD)
    browser = Client()
    browser.force_login(citizen)
    from ansinh.accounts.middleware import SESSION_STAMP_KEY, SESSION_STARTED_KEY

    session = browser.session
    session[SESSION_STARTED_KEY] = timezone.now().timestamp()
    session[SESSION_STAMP_KEY] = citizen.security_stamp
    session.save()
    assert browser.get("/ca-nhan/").status_code == 200

    assert api.post("/auth/logout-all", token=one["access_token"]).status_code == 200
    for tokens in (one, two):
        assert api.get("/me", token=tokens["access_token"]).status_code == 401
        assert (
            api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401
        )
    assert browser.get("/ca-nhan/").status_code == 302
    assert api.get("/me", token=someone_else["access_token"]).status_code == 200
    assert AuditEvent.objects.filter(event="logout_all", subject=citizen).count() == 1


def test_another_persons_token_shows_only_their_own_profile(api, citizen, outsider):
    tokens = api.login("7912345678", OTHER_PASSWORD)
    body = api.get("/me", token=tokens["access_token"]).json()
    assert body["bhxh_code"] == "7912345678"
    assert "0123456789" not in str(body)
