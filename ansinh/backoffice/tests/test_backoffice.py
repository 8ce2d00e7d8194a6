"""The back office for BHXH staff (DESIGN §1, §3.2): its own login page, staff only, logout by
POST, and the same staff accounts on the API's ``POST /auth/login``.

Assertions look at statuses, redirects, form field names and values, never at wording.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings

from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.portal.tests.helpers import (
    BACKOFFICE_HOME,
    BACKOFFICE_LOGIN,
    PORTAL_HOME,
    PORTAL_LOGIN,
    alert_text,
    csrf_token,
    is_signed_in,
    login,
    post_login,
)

pytestmark = pytest.mark.django_db

BACKOFFICE_LOGOUT = "/backoffice/logout/"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def _staff_login(client: Client, username: str = "canbo1", password: str = STAFF_PASSWORD):
    return post_login(client, username, password, path=BACKOFFICE_LOGIN)


# --- The login page -----------------------------------------------------------------------------


def test_back_office_login_page_has_staff_tab_username_password_and_captcha(client):
    response = client.get(BACKOFFICE_LOGIN)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a class="tab active" aria-current="page" href="{BACKOFFICE_LOGIN}">' in page
    assert f'href="{PORTAL_LOGIN}"' in page
    for name in ("username", "password", "captcha_0", "captcha_1"):
        assert f'name="{name}"' in page
    assert 'autocomplete="current-password"' in page


def test_clerk_logs_in_at_the_back_office_and_sees_the_home_page(client, clerk):
    response = _staff_login(client)

    assert response.status_code == 302
    assert response.headers["Location"] == BACKOFFICE_HOME
    assert is_signed_in(client)
    home = client.get(BACKOFFICE_HOME)
    assert home.status_code == 200
    page = home.content.decode()
    assert "<dd>canbo1</dd>" in page
    assert "<dd>01001 BHXH quận Ba Đình</dd>" in page
    assert f'action="{BACKOFFICE_LOGOUT}"' in page
    assert home.headers["Cache-Control"].startswith("max-age=0")  # never_cache
    assert AuditEvent.objects.get(event="login.succeeded").channel == "backoffice"


def test_approver_logs_in_at_the_back_office(client, approver):
    response = _staff_login(client, "canbo2")

    assert response.status_code == 302
    assert client.get(BACKOFFICE_HOME).status_code == 200


def test_staff_username_is_case_insensitive_at_the_back_office(client, clerk):
    assert _staff_login(client, " CanBo1 ").status_code == 302


def test_wrong_staff_password_is_a_401_and_signs_nobody_in(client, clerk):
    wrong = _staff_login(client, "canbo1", "Sai-Mat-Khau-Can-Bo-2026")
    unknown = _staff_login(client, "canbo9", "Sai-Mat-Khau-Can-Bo-2026")

    assert wrong.status_code == unknown.status_code == 401
    assert alert_text(wrong) and alert_text(wrong) == alert_text(unknown)
    assert not is_signed_in(client)
    assert client.get(BACKOFFICE_HOME).status_code == 302


def test_back_office_login_needs_the_captcha(client, clerk):
    response = post_login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN, answer="WRONG")

    assert response.status_code == 400
    assert not is_signed_in(client)
    clerk.refresh_from_db()
    assert clerk.failed_logins == 0


# --- Wrong doors ------------------------------------------------------------------------------


def test_citizen_with_correct_credentials_is_refused_at_the_back_office(client, citizen):
    response = post_login(client, "0123456789", CITIZEN_PASSWORD, path=BACKOFFICE_LOGIN)
    by_cccd = post_login(client, "001090012345", CITIZEN_PASSWORD, path=BACKOFFICE_LOGIN)

    assert response.status_code == by_cccd.status_code == 403
    assert alert_text(response)
    assert not is_signed_in(client)
    assert client.get(BACKOFFICE_HOME).status_code == 302
    assert client.get(PORTAL_HOME).status_code == 302


def test_staff_with_correct_credentials_is_refused_at_the_portal(client, clerk):
    response = post_login(client, "canbo1", STAFF_PASSWORD, path=PORTAL_LOGIN)

    assert response.status_code == 403
    assert alert_text(response)
    assert not is_signed_in(client)
    # The refusal points to the right door.
    assert f'href="{BACKOFFICE_LOGIN}"' in response.content.decode()
    assert client.get(BACKOFFICE_HOME).status_code == 302


def test_signed_in_citizen_is_sent_to_the_back_office_login(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get(BACKOFFICE_HOME)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{BACKOFFICE_LOGIN}?next={BACKOFFICE_HOME}"


def test_signed_in_staff_on_the_portal_home_is_sent_to_the_back_office(client, clerk):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = client.get(PORTAL_HOME)

    assert response.status_code == 302
    assert response.headers["Location"] == BACKOFFICE_HOME


# --- Anonymous access and sessions --------------------------------------------------------------


@pytest.mark.parametrize("path", [BACKOFFICE_HOME, "/backoffice/password/"])
def test_anonymous_back_office_page_redirects_to_the_back_office_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{BACKOFFICE_LOGIN}?next={path}"


@override_settings(SESSION_ABSOLUTE_SECONDS=600)
def test_staff_session_past_its_absolute_lifetime_goes_to_the_back_office_login(client, clerk):
    with time_machine.travel(T0, tick=False) as traveller:
        login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
        traveller.shift(dt.timedelta(seconds=599))
        assert client.get(BACKOFFICE_HOME).status_code == 200
        traveller.shift(dt.timedelta(seconds=2))

        response = client.get(BACKOFFICE_HOME)

    assert response.status_code == 302
    assert response.headers["Location"] == BACKOFFICE_LOGIN
    assert not is_signed_in(client)


@override_settings(SESSION_ABSOLUTE_SECONDS=600)
def test_citizen_session_past_its_absolute_lifetime_goes_to_the_portal_login(client, citizen):
    with time_machine.travel(T0, tick=False) as traveller:
        login(client, "0123456789", CITIZEN_PASSWORD)
        traveller.shift(dt.timedelta(seconds=599))
        assert client.get(PORTAL_HOME).status_code == 200
        traveller.shift(dt.timedelta(seconds=2))

        response = client.get(PORTAL_HOME)

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_LOGIN
    assert not is_signed_in(client)


def test_back_office_logout_by_post_ends_the_session(client, clerk):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    old_session = client.cookies["sessionid"].value

    response = client.post(BACKOFFICE_LOGOUT)

    assert response.status_code == 302
    assert response.headers["Location"] == BACKOFFICE_LOGIN
    assert not is_signed_in(client)
    assert client.get(BACKOFFICE_HOME).status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = old_session
    assert replay.get(BACKOFFICE_HOME).status_code == 302
    event = AuditEvent.objects.get(event="logout")
    assert (event.actor, event.subject, event.channel) == (clerk, clerk, "backoffice")


def test_back_office_logout_by_get_is_405_and_keeps_the_session(client, clerk):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = client.get(BACKOFFICE_LOGOUT)

    assert response.status_code == 405
    assert is_signed_in(client)
    assert client.get(BACKOFFICE_HOME).status_code == 200
    assert not AuditEvent.objects.filter(event="logout").exists()


def test_back_office_logout_needs_the_csrf_token(clerk):
    browser = Client(enforce_csrf_checks=True)
    login(browser, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    refused = browser.post(BACKOFFICE_LOGOUT)
    accepted = browser.post(
        BACKOFFICE_LOGOUT, {"csrfmiddlewaretoken": csrf_token(browser, BACKOFFICE_HOME)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert not is_signed_in(browser)


# --- Staff on the API -------------------------------------------------------------------------


def test_clerk_logs_in_through_the_api_and_me_shows_staff_with_the_office(api, clerk):
    tokens = api.login("canbo1", STAFF_PASSWORD)

    response = api.get("/me", token=tokens["access_token"])

    assert response.status_code == 200
    me = response.json()
    assert (me["kind"], me["username"], me["role"]) == ("staff", "canbo1", "clerk")
    assert me["office"] == {"code": "01001", "name": "BHXH quận Ba Đình"}
    assert me["full_name"] == "Cán bộ canbo1"
    # No citizen data on a staff profile.
    citizen_fields = ("bhxh_code", "cccd_masked", "date_of_birth", "phone_masked", "email_masked")
    assert [me.get(name) for name in citizen_fields] == [None] * len(citizen_fields)


def test_approver_me_shows_the_approver_role(api, approver):
    tokens = api.login("canbo2", STAFF_PASSWORD)

    me = api.get("/me", token=tokens["access_token"]).json()

    assert (me["kind"], me["role"], me["office"]["code"]) == ("staff", "approver", "01001")


def test_wrong_staff_password_on_the_api_is_the_same_401_as_for_citizens(api, clerk, citizen):
    staff = api.post("/auth/login", {"username": "canbo1", "password": "Sai-Mat-Khau-2026"})
    person = api.post("/auth/login", {"username": "0123456789", "password": "Sai-Mat-Khau-2026"})

    assert staff.status_code == person.status_code == 401
    assert staff.json() == person.json()
    assert staff.json()["error"]["code"] == "invalid_credentials"
