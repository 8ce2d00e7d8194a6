"""Portal sign-in ("Đăng nhập" → "Cá nhân"), sign-out and the wrong-door answers (DESIGN §3.2).

Assertions look at form field names, statuses, redirects and ``data-field`` values, never at
English wording, so they hold once the Vietnamese catalogue exists.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.test import Client

from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD

from .helpers import (
    BACKOFFICE_LOGIN,
    PORTAL_HOME,
    PORTAL_LOGIN,
    PORTAL_LOGOUT,
    alert_text,
    csrf_token,
    data_field,
    is_signed_in,
    login,
    post_login,
)

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_login_page_shows_individual_tab_and_captcha_image(client):
    response = client.get(PORTAL_LOGIN)

    assert response.status_code == 200
    page = response.content.decode()
    # "Cá nhân": the individual tab is the current one and points at this page.
    assert re.search(r'<a class="tab active" aria-current="page" href="/dang-nhap/">', page)
    assert f'href="{BACKOFFICE_LOGIN}"' in page
    for name in ("username", "password", "captcha_0", "captcha_1"):
        assert f'name="{name}"' in page
    # "Mã kiểm tra": an image CAPTCHA served by this site, with a label on its answer box.
    assert re.search(r'<img src="/captcha/image/[0-9a-f]+/"[^>]*alt="[^"]+"', page)
    assert '<label for="id_captcha_1">' in page
    assert '<label for="id_username">' in page and '<label for="id_password">' in page


def test_login_page_renders_in_vietnamese_by_default(client):
    response = client.get(PORTAL_LOGIN)

    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_captcha_image_is_served(client):
    key = CaptchaStore.generate_key()

    response = client.get(f"/captcha/image/{key}/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"


def test_citizen_logs_in_with_bhxh_code(client, citizen):
    response = post_login(client, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_HOME
    assert is_signed_in(client)


def test_citizen_logs_in_with_cccd_and_a_generated_captcha_key(client, citizen):
    response = post_login(client, "001090012345", CITIZEN_PASSWORD, key=CaptchaStore.generate_key())

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_HOME


def test_login_accepts_identifier_with_surrounding_spaces(client, citizen):
    response = post_login(client, "  0123456789 ", CITIZEN_PASSWORD)

    assert response.status_code == 302


def test_home_shows_masked_cccd_phone_and_email_only(client, citizen):
    login(client, "001090012345", CITIZEN_PASSWORD)

    response = client.get(PORTAL_HOME)

    assert response.status_code == 200
    assert data_field(response, "bhxh_code") == "0123456789"
    assert data_field(response, "cccd") == "001******345"
    assert data_field(response, "phone") == "091****678"
    assert data_field(response, "email").startswith("a***")
    assert data_field(response, "email").endswith("@example.com")
    page = response.content.decode()
    for secret in ("001090012345", "0912345678", "an.nguyen@example.com", "an.nguyen"):
        assert secret not in page


def test_home_shows_a_dash_for_a_citizen_without_email_or_phone(client, citizen_no_email):
    login(client, "0123456790", CITIZEN_PASSWORD)

    response = client.get(PORTAL_HOME)

    assert data_field(response, "cccd") == "001******346"
    assert data_field(response, "email") == "—"
    assert data_field(response, "phone") == "—"


def test_home_needs_a_session(client):
    response = client.get(PORTAL_HOME)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(PORTAL_LOGIN)


def test_wrong_captcha_is_a_400_and_touches_no_counter(client, citizen):
    response = post_login(client, "0123456789", CITIZEN_PASSWORD, answer="WRONG")

    assert response.status_code == 400
    assert not is_signed_in(client)
    assert 'aria-invalid="true"' in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.failed_logins == 0
    assert citizen.last_login is None
    assert not AuditEvent.objects.filter(event__startswith="login.").exists()


def test_missing_captcha_is_a_400(client, citizen):
    response = client.post(PORTAL_LOGIN, {"username": "0123456789", "password": CITIZEN_PASSWORD})

    assert response.status_code == 400
    assert not is_signed_in(client)


def test_captcha_key_works_only_once(client, citizen):
    key = CaptchaStore.generate_key()
    store = CaptchaStore.objects.get(hashkey=key)
    first = post_login(client, "0123456789", "not-the-password", key=key, answer=store.response)

    second = post_login(client, "0123456789", CITIZEN_PASSWORD, key=key, answer=store.response)

    assert first.status_code == 401
    assert second.status_code == 400
    assert not is_signed_in(client)


def test_empty_post_shows_the_form_with_errors(client):
    response = client.post(PORTAL_LOGIN, {})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_wrong_password_and_unknown_user_get_the_same_answer(client, citizen):
    wrong = post_login(client, "0123456789", "Not-The-Password-2026")
    unknown = post_login(client, "0999999999", "Not-The-Password-2026")
    unknown_cccd = post_login(client, "001090099999", "Not-The-Password-2026")

    assert wrong.status_code == unknown.status_code == unknown_cccd.status_code == 401
    assert alert_text(wrong)
    assert alert_text(wrong) == alert_text(unknown) == alert_text(unknown_cccd)
    assert not is_signed_in(client)
    citizen.refresh_from_db()
    assert citizen.failed_logins == 1


def test_disabled_account_gets_the_same_answer_as_a_wrong_password(client, citizen, outsider):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    disabled = post_login(client, "0123456789", CITIZEN_PASSWORD)
    wrong = post_login(client, "7912345678", "Not-The-Password-2026")

    assert disabled.status_code == wrong.status_code == 401
    assert alert_text(disabled) == alert_text(wrong)


def test_after_five_failures_the_next_attempt_is_throttled(client, citizen):
    with time_machine.travel(FROZEN, tick=False):
        for _ in range(5):
            assert post_login(client, "0123456789", "Not-The-Password-2026").status_code == 401

        response = post_login(client, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 429
    assert alert_text(response)
    assert alert_text(response) != alert_text(post_login(client, "0999999999", "x" * 12))
    assert not is_signed_in(client)
    # The form is shown again, so the person can retry later or recover the password.
    assert 'name="captcha_1"' in response.content.decode()


def test_unknown_identifier_is_throttled_on_the_same_schedule(client, citizen):
    with time_machine.travel(FROZEN, tick=False):
        statuses = [
            post_login(client, "0999999999", "Not-The-Password-2026").status_code for _ in range(6)
        ]

    assert statuses == [401] * 5 + [429]


def test_throttle_lifts_after_the_back_off(client, citizen):
    with time_machine.travel(FROZEN, tick=False) as traveller:
        for _ in range(5):
            post_login(client, "0123456789", "Not-The-Password-2026")
        assert post_login(client, "0123456789", CITIZEN_PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(seconds=3))

        response = post_login(client, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.failed_logins == 0


def test_staff_on_the_portal_login_is_sent_to_the_back_office(client, clerk):
    response = post_login(client, "canbo1", STAFF_PASSWORD)

    assert response.status_code == 403
    assert alert_text(response)
    assert not is_signed_in(client)
    assert f'href="{BACKOFFICE_LOGIN}"' in response.content.decode()


def test_citizen_on_the_back_office_login_is_refused(client, citizen):
    response = post_login(client, "0123456789", CITIZEN_PASSWORD, path=BACKOFFICE_LOGIN)

    assert response.status_code == 403
    assert alert_text(response)
    assert not is_signed_in(client)


def test_wrong_door_messages_differ_from_the_invalid_credentials_message(client, citizen, clerk):
    staff_at_portal = post_login(client, "canbo1", STAFF_PASSWORD)
    citizen_at_backoffice = post_login(
        client, "0123456789", CITIZEN_PASSWORD, path=BACKOFFICE_LOGIN
    )
    wrong = post_login(client, "0123456789", "Not-The-Password-2026")

    assert (
        len({alert_text(staff_at_portal), alert_text(citizen_at_backoffice), alert_text(wrong)})
        == 3
    )


def test_logout_by_get_is_not_allowed(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get(PORTAL_LOGOUT)

    assert response.status_code == 405
    assert is_signed_in(client)


def test_logout_ends_the_session(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    old_session = client.cookies["sessionid"].value

    response = client.post(PORTAL_LOGOUT)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not is_signed_in(client)
    assert client.get(PORTAL_HOME).status_code == 302
    # The old cookie is worthless: replaying it reaches nothing.
    replay = Client()
    replay.cookies["sessionid"] = old_session
    assert replay.get(PORTAL_HOME).status_code == 302
    assert AuditEvent.objects.filter(event="logout", subject=citizen).count() == 1


def test_logout_needs_the_csrf_token(citizen):
    browser = Client(enforce_csrf_checks=True)
    login(browser, "0123456789", CITIZEN_PASSWORD)

    refused = browser.post(PORTAL_LOGOUT)
    accepted = browser.post(
        PORTAL_LOGOUT, {"csrfmiddlewaretoken": csrf_token(browser, PORTAL_HOME)}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert not is_signed_in(browser)


def test_login_posts_need_the_csrf_token(citizen):
    browser = Client(enforce_csrf_checks=True)

    response = post_login(browser, "0123456789", CITIZEN_PASSWORD, csrf=False)

    assert response.status_code == 403
    assert not is_signed_in(browser)


def test_index_sends_a_signed_in_citizen_home(client, citizen):
    assert client.get("/").status_code == 200
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_HOME


def test_login_success_is_audited_without_the_password(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    event = AuditEvent.objects.get(event="login.succeeded")
    assert event.subject == citizen
    assert event.channel == "portal"
    assert CITIZEN_PASSWORD not in str(event.details)
