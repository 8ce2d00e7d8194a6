"""POST /auth/password and the must-change-password state (DESIGN §3.2)."""

import pytest
import time_machine
from django.utils import timezone

from ansinh.accounts.models import User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Mot-Mat-Khau-Moi-That-Dai"


def test_password_change_needs_the_current_password(api, citizen, mailoutbox):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": "Sai-Mat-Khau-2026", "new_password": NEW},
        token=tokens["access_token"],
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_current_password"
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)
    assert mailoutbox == []


@pytest.mark.parametrize(
    "weak",
    [
        "ngan-qua-11",
        "x" * 129,
        "0123456789-la-ma-so",
        "password1234",
        "NguyenVanAn-1990",
        "17051990abcdef",
    ],
)
def test_weak_new_password_is_rejected_and_nothing_changes(api, citizen, weak):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": weak},
        token=tokens["access_token"],
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_password"
    assert "new_password" in response.json()["error"]["fields"]
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)


def test_same_password_again_is_rejected(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": CITIZEN_PASSWORD},
        token=tokens["access_token"],
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_password"


def test_password_change_ends_other_devices_keeps_this_one_and_emails(api, citizen, mailoutbox):
    this = api.login("0123456789", CITIZEN_PASSWORD)
    other = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": NEW},
        token=this["access_token"],
    )
    assert response.status_code == 204
    assert api.get("/me", token=this["access_token"]).status_code == 200
    assert api.get("/me", token=other["access_token"]).status_code == 401
    assert api.post("/auth/refresh", {"refresh_token": other["refresh_token"]}).status_code == 401
    assert (
        api.post(
            "/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD}
        ).status_code
        == 401
    )
    assert api.post("/auth/login", {"username": "0123456789", "password": NEW}).status_code == 200
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["an.nguyen@example.com"]
    assert NEW not in mailoutbox[0].body
    assert AuditEvent.objects.filter(event="password.changed", subject=citizen).count() == 1


def test_password_change_without_email_on_record_sends_nothing(api, citizen_no_email, mailoutbox):
    tokens = api.login("0123456790", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": NEW},
        token=tokens["access_token"],
    )
    assert response.status_code == 204
    assert mailoutbox == []


def test_must_change_password_limits_the_token_to_password_and_logout(api, citizen):
    User.objects.filter(pk=citizen.pk).update(password_change_required=True)
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    assert tokens["password_change_required"] is True
    blocked = api.get("/me", token=tokens["access_token"])
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "password_change_required"
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": NEW},
        token=tokens["access_token"],
    )
    assert response.status_code == 204
    assert api.get("/me", token=tokens["access_token"]).status_code == 200
    citizen.refresh_from_db()
    assert citizen.password_change_required is False
    assert citizen.password_expires_at is None


def test_staff_password_change_is_announced_to_the_staff_email(api, clerk, mailoutbox):
    tokens = api.login("canbo1", STAFF_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": STAFF_PASSWORD, "new_password": NEW},
        token=tokens["access_token"],
    )
    assert response.status_code == 204
    assert mailoutbox[0].to == ["canbo1@bhxh.example"]


def test_guessing_the_current_password_with_a_stolen_token_is_throttled_like_a_login(api, citizen):
    """A stolen access token must not become an unthrottled password-guessing oracle: wrong
    current passwords count in the account's login failures, and the back-off applies."""
    access = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            api.post(
                "/auth/password",
                {"current_password": f"Doan-Mo-Mat-Khau-{i}", "new_password": NEW},
                token=access,
            ).status_code
            for i in range(6)
        ]
        # Even the right password waits out the back-off.
        right = api.post(
            "/auth/password",
            {"current_password": CITIZEN_PASSWORD, "new_password": NEW},
            token=access,
        )

    assert statuses == [400] * 5 + [429]
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert right.json()["error"]["code"] == "too_many_attempts"
    citizen.refresh_from_db()
    assert citizen.failed_logins == 5
    assert citizen.check_password(CITIZEN_PASSWORD)  # unchanged
