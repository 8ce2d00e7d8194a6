"""Web-session lifetime and termination (docs/security.md, ASVS V7): a new session key at
sign-in, the idle timeout, a disabled account's open sessions, an administrator ending an
account's sessions, sign-out on every page, and no demo accounts with public passwords in
production."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from ansinh.accounts.models import User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

pytestmark = pytest.mark.django_db

HOME = "/ca-nhan/"


def _signed_in_at_home(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def test_a_web_session_ends_after_thirty_idle_minutes_but_not_while_in_use(client, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        login(client, "0123456789", CITIZEN_PASSWORD)
        # Each request within the idle window moves it on (SESSION_SAVE_EVERY_REQUEST).
        for _ in range(3):
            traveller.shift(dt.timedelta(minutes=29))
            assert _signed_in_at_home(client)
        traveller.shift(dt.timedelta(minutes=30, seconds=1))
        response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_disabling_an_account_ends_its_open_web_session(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    assert _signed_in_at_home(client)

    User.objects.filter(pk=citizen.pk).update(is_active=False)

    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_the_demo_accounts_are_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="public passwords"):
        call_command("demo", "--synthetic", "0")
    assert not User.objects.exists()


def test_signing_in_gives_a_new_session_key_and_the_old_one_is_gone(client, citizen):
    session = client.session
    session["planted"] = "by an attacker"  # a session that exists before sign-in (fixation)
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before

    login(client, "0123456789", CITIZEN_PASSWORD)

    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    replay = Client()
    replay.cookies["sessionid"] = before
    assert replay.get(HOME).status_code == 302


@pytest.mark.parametrize(
    "page", [HOME, "/ca-nhan/doi-mat-khau/", "/ca-nhan/qua-trinh-tham-gia/", "/ca-nhan/ho-so/"]
)
def test_every_signed_in_portal_page_has_the_sign_out_button(client, citizen, page):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get(page)

    assert response.status_code == 200
    assert '<form action="/dang-xuat/" method="post"' in response.content.decode()


def test_an_administrator_ends_every_session_and_token_of_an_account(client, api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    browser = Client()
    login(browser, "0123456789", CITIZEN_PASSWORD)
    assert _signed_in_at_home(browser)
    User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    login(client, "quantri", "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)

    response = client.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [citizen.pk]}
    )

    assert response.status_code == 302
    assert api.get("/me", token=tokens["access_token"]).status_code == 401
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert browser.get(HOME).status_code == 302
    event = AuditEvent.objects.get(event="sessions.ended_by_admin")
    assert (event.actor.username, event.subject, event.details) == (
        "quantri",
        citizen,
        {"devices": 1},
    )
    # The person signs in again as usual.
    assert api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
