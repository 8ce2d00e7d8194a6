"""Guessable passwords are refused with their reason (issue 12 §2, DESIGN §3.2): sequences,
repeats, keyboard rows, all-digit strings and the person's own data, through every door where a
person chooses a password: the app API's ``POST /auth/password``, recovery with a chosen
password, and the portal's change-password form. The reason is given, the password never."""

from __future__ import annotations

import pytest
from django.test import Client

from ansinh.accounts.services import new_temporary_password, validate_new_password
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD, STAFF_PASSWORD, run_on_commit
from ansinh.portal.tests.helpers import PORTAL_PASSWORD, login
from ansinh.recovery.tests.helpers import last_code, start_id, verify

pytestmark = pytest.mark.django_db

BHXH_CODE = "0123456789"  # the citizen persona's

# (password, its Vietnamese reason, its English reason)
GUESSABLE = [
    ("123456789012", "chỉ gồm chữ số", "only digits"),
    ("aaaaaaaaaaaa", "lặp lại ký tự", "repeats characters"),
    ("abcdefghijkl", "dãy liên tiếp", "is a sequence"),
    ("qwertyuiopas", "phổ biến", "common password"),
    (BHXH_CODE * 2, "mã số BHXH", "BHXH code"),
]
GOOD_PASSPHRASE = "Mây trắng bay qua đồi chè Mộc Châu"
DEMO_PASSWORDS = ["An-Sinh-Demo-2026", "Binh-Demo-2026!", "Staff-Demo-2026-1", "Staff-Demo-2026-2"]


def _api_change(api, new: str, **extra):
    tokens = api.login(BHXH_CODE, CITIZEN_PASSWORD)
    return api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": new},
        token=tokens["access_token"],
        **extra,
    )


@pytest.mark.parametrize(("weak", "vi", "en"), GUESSABLE)
def test_api_password_change_refuses_a_guessable_password_with_its_reason(
    api, citizen, weak, vi, en
):
    response = _api_change(api, weak, lang="vi")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_password"
    assert vi in error["fields"]["new_password"]
    assert weak not in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)

    english = _api_change(api, weak, lang="en")
    assert english.status_code == 400
    assert en in english.json()["error"]["fields"]["new_password"]


def test_api_password_change_accepts_a_good_passphrase(api, citizen):
    assert _api_change(api, GOOD_PASSPHRASE).status_code == 204
    citizen.refresh_from_db()
    assert citizen.check_password(GOOD_PASSPHRASE)


@pytest.mark.parametrize(("weak", "vi", "en"), GUESSABLE)
def test_recovery_with_a_chosen_password_refuses_a_guessable_one_with_its_reason(
    api, citizen, mailoutbox, weak, vi, en
):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, last_code(mailoutbox), weak, lang="vi")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_password"
    assert vi in response.json()["error"]["fields"]["new_password"]
    assert weak not in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)


def test_recovery_with_a_chosen_good_passphrase_succeeds(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, last_code(mailoutbox), GOOD_PASSPHRASE)

    assert response.status_code == 200
    assert response.json() == {"status": "password_changed"}


def _portal_change(client: Client, new: str, **extra):
    data = {
        "current_password": CITIZEN_PASSWORD,
        "new_password": new,
        "new_password_again": new,
    }
    with run_on_commit():
        return client.post(PORTAL_PASSWORD, data, **extra)


@pytest.mark.parametrize(("weak", "vi", "en"), GUESSABLE)
def test_portal_password_change_refuses_a_guessable_password_with_its_reason(
    client, citizen, mailoutbox, weak, vi, en
):
    login(client, BHXH_CODE, CITIZEN_PASSWORD)
    response = _portal_change(client, weak, HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_new_password_error"' in page
    assert vi in page
    assert weak not in page
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)
    assert mailoutbox == []


def test_portal_password_change_accepts_a_good_passphrase(client, citizen):
    login(client, BHXH_CODE, CITIZEN_PASSWORD)
    response = _portal_change(client, GOOD_PASSPHRASE)

    assert response.status_code in (200, 302)
    citizen.refresh_from_db()
    assert citizen.check_password(GOOD_PASSPHRASE)


@pytest.mark.parametrize(
    "password", [*DEMO_PASSWORDS, CITIZEN_PASSWORD, OTHER_PASSWORD, STAFF_PASSWORD]
)
def test_documented_demo_and_persona_passwords_still_pass_the_policy(citizen, clerk, password):
    validate_new_password(clerk, password)  # raises if refused
    if "Staff" not in password and password != STAFF_PASSWORD:
        validate_new_password(citizen, password)


def test_temporary_passwords_pass_the_strength_check(citizen):
    for _ in range(200):
        validate_new_password(citizen, new_temporary_password())  # raises if refused
