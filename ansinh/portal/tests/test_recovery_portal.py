""" "Quên mật khẩu" on the portal (DESIGN §3.3): the same flow and rules as the API, plus the
CAPTCHA, the headers of the recovery pages and the paper path for people without an email."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.test import Client, override_settings
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD, Api, run_on_commit
from ansinh.recovery.models import Recovery
from ansinh.recovery.tests.helpers import (
    CITIZEN_EMAIL,
    CODE,
    DONE,
    NEW_PASSWORD,
    PAPER,
    START,
    codes,
    kinds,
    last_code,
    portal_form,
    request_code,
    start_id,
    submit_code,
    temporary_password,
    verify,
    wrong_code,
)

from .helpers import PORTAL_HOME, PORTAL_PASSWORD, alert_text, data_field, login, post_login

pytestmark = pytest.mark.django_db
# --- The flow ----------------------------------------------------------------------------------


def test_login_page_links_to_forgot_password(client):
    assert 'href="/quen-mat-khau/"' in client.get("/dang-nhap/").content.decode()


def test_choosing_a_new_password_after_the_code_sets_it(client, citizen, mailoutbox):
    response = request_code(client)
    assert response.status_code == 302 and response["Location"] == CODE
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]

    done = submit_code(client, last_code(mailoutbox), NEW_PASSWORD)

    assert done.status_code == 302 and done["Location"] == DONE
    page = client.get(DONE)
    assert 'data-outcome="password_changed"' in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated  # no automatic login
    assert kinds(mailoutbox) == ["recovery_code", "password_reset"]
    login(client, "0123456789", NEW_PASSWORD)


def test_temporary_password_by_email_then_forced_change_at_login(client, citizen, mailoutbox):
    request_code(client)
    submit_code(client, last_code(mailoutbox))
    assert 'data-outcome="credentials_emailed"' in client.get(DONE).content.decode()
    temporary = temporary_password(mailoutbox)

    response = login(client, "0123456789", temporary)
    assert response["Location"] == PORTAL_PASSWORD
    assert client.get(PORTAL_HOME)["Location"] == PORTAL_PASSWORD  # nothing else until changed


def test_cccd_and_the_english_page_work_too(client, citizen, mailoutbox):
    response = request_code(client, "001090012345", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert len(codes(mailoutbox)) == 1


def test_every_recovery_page_sends_no_referrer_and_is_not_cached(client, citizen, mailoutbox):
    pages = [client.get(START)]
    request_code(client)
    pages.append(client.get(CODE))
    pages.append(submit_code(client, wrong_code(last_code(mailoutbox))))
    pages.append(client.get(PAPER))
    submit_code(client, last_code(mailoutbox), NEW_PASSWORD)
    pages.append(client.get(DONE))
    for response in pages:
        assert response["Referrer-Policy"] == "no-referrer", response.wsgi_request.path
        assert "no-store" in response["Cache-Control"]


def test_no_recovery_id_code_or_email_in_any_url(client, citizen, mailoutbox):
    first = request_code(client)
    recovery = Recovery.objects.get()
    code = last_code(mailoutbox)
    final = submit_code(client, code, NEW_PASSWORD)
    for response in (first, final):
        location = response["Location"]
        assert str(recovery.public_id) not in location and code not in location
        assert "example.com" not in location


# --- Same answers as the API -----------------------------------------------------------------


def test_match_wrong_email_unknown_and_no_email_lead_to_the_same_page(
    citizen, citizen_no_email, mailoutbox
):
    pages = []
    for username, email in [
        ("0123456789", CITIZEN_EMAIL),
        ("0123456789", "other@example.com"),
        ("0999999999", CITIZEN_EMAIL),
        ("0123456790", "binh@example.com"),
    ]:
        client = Client()
        redirect = request_code(client, username, email)
        page = client.get(CODE)
        body = re.sub(r'value="[^"]+"', "", page.content.decode())  # CSRF tokens differ
        pages.append((redirect.status_code, redirect["Location"], page.status_code, body))
    assert all(p == pages[0] for p in pages)
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]


def test_wrong_codes_count_like_on_the_api(client, citizen, mailoutbox):
    request_code(client)
    right = last_code(mailoutbox)
    for left in (4, 3, 2, 1, 0):
        response = submit_code(client, wrong_code(right))
        assert response.status_code == 400
        assert str(left) in alert_text(response)
    response = submit_code(client, right)
    assert response.status_code == 410


def test_resend_on_the_code_page_waits_sixty_seconds(client, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        request_code(client)
        _key, token = portal_form(client, CODE)
        with run_on_commit():
            early = client.post(CODE, {"action": "resend", "csrfmiddlewaretoken": token})
        assert early.status_code == 429
        traveller.shift(dt.timedelta(seconds=61))
        with run_on_commit():
            later = client.post(CODE, {"action": "resend", "csrfmiddlewaretoken": token})
        assert later.status_code == 200
        assert len(codes(mailoutbox)) == 2
        assert submit_code(client, last_code(mailoutbox), NEW_PASSWORD).status_code == 302


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_failure_budget_survives_a_cookie_reset_and_a_switch_to_the_api(citizen, mailoutbox):
    browser = Client()
    request_code(browser)
    for _ in range(5):
        submit_code(browser, wrong_code(last_code(mailoutbox)))

    fresh_browser = Client()  # new cookies, new session
    request_code(fresh_browser)
    for _ in range(3):
        submit_code(fresh_browser, wrong_code(last_code(mailoutbox)))

    api = Api(Client())  # and a switch of channel
    recovery_id = start_id(api, remote_addr="198.51.100.20")
    for _ in range(2):
        verify(api, recovery_id, wrong_code(last_code(mailoutbox)), remote_addr="198.51.100.20")
    blocked = verify(api, recovery_id, last_code(mailoutbox), remote_addr="198.51.100.20")
    assert blocked.status_code == 429


def test_code_page_without_a_recovery_goes_back_to_the_start(client, citizen):
    assert client.get(CODE)["Location"] == START
    _key, token = portal_form(client, START)
    response = client.post(CODE, {"otp": "123456", "choice": "email", "csrfmiddlewaretoken": token})
    assert response["Location"] == START
    assert client.get(DONE)["Location"] == START


def test_a_signed_in_citizen_is_sent_to_change_password_instead(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    assert client.get(START)["Location"] == PORTAL_PASSWORD


# --- CAPTCHA and CSRF -------------------------------------------------------------------------


@override_settings(CAPTCHA_TEST_MODE=False)
def test_a_solved_captcha_cannot_be_replayed(client, citizen, mailoutbox):
    key, _token = portal_form(client, START)
    answer = CaptchaStore.objects.get(hashkey=key).response
    assert request_code(client, key=key, answer=answer).status_code == 302

    replay = request_code(Client(), key=key, answer=answer)
    assert replay.status_code == 400
    assert len(codes(mailoutbox)) == 1


@override_settings(CAPTCHA_TEST_MODE=False)
def test_a_wrong_captcha_sends_nothing(client, citizen, mailoutbox):
    response = request_code(client, answer="WRONG")
    assert response.status_code == 400
    assert not Recovery.objects.exists()
    assert mailoutbox == []


def test_recovery_forms_accept_the_null_origin_of_a_no_referrer_page_with_a_token(
    citizen, mailoutbox
):
    client = Client(enforce_csrf_checks=True)
    response = request_code(client, HTTP_ORIGIN="null")
    assert response.status_code == 302
    assert (
        submit_code(client, last_code(mailoutbox), NEW_PASSWORD, HTTP_ORIGIN="null").status_code
        == 302
    )


def test_recovery_forms_still_need_the_csrf_token(citizen, mailoutbox):
    client = Client(enforce_csrf_checks=True)
    key, _token = portal_form(client, START)
    response = client.post(
        START,
        {"username": "0123456789", "email": CITIZEN_EMAIL, "captcha_0": key, "captcha_1": "PASSED"},
        HTTP_ORIGIN="null",
    )
    assert response.status_code == 403
    assert not Recovery.objects.exists()


def test_a_null_origin_is_still_refused_on_other_forms(citizen):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "0123456789", CITIZEN_PASSWORD, HTTP_ORIGIN="null")
    assert response.status_code == 403


def test_a_foreign_origin_is_refused_on_recovery_forms(citizen, mailoutbox):
    client = Client(enforce_csrf_checks=True)
    assert request_code(client, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert mailoutbox == []


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "email"),
    [
        ("٠١٢٣٤٥٦٧٨٩", CITIZEN_EMAIL),
        ("012345678", CITIZEN_EMAIL),
        ("0123456789\x00", CITIZEN_EMAIL),
        ("0123456789", "an.nguyen@example.com\nBcc: x@evil.test"),
        ("0123456789", "not-an-email"),
        ("x" * 500, CITIZEN_EMAIL),
    ],
)
def test_malformed_input_is_refused_with_an_error_and_sends_nothing(
    client, citizen, mailoutbox, username, email
):
    response = request_code(client, username, email)
    assert response.status_code == 400
    assert alert_text(response)
    assert not Recovery.objects.exists()
    assert mailoutbox == []


def test_repeated_email_fields_are_refused(client, citizen, mailoutbox):
    key, token = portal_form(client, START)
    with run_on_commit():
        response = client.post(
            START,
            {
                "username": "0123456789",
                "email": ["attacker@evil.test", CITIZEN_EMAIL],
                "captcha_0": key,
                "captcha_1": "PASSED",
                "csrfmiddlewaretoken": token,
            },
        )
    # A form field reads one value (the last); mail goes only to the address on record,
    # never to a typed one (GitLab CVE-2023-7028).
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]


# --- No email on record: the paper paths ----------------------------------------------------


def test_guidance_for_people_without_email_is_on_both_pages(client, citizen):
    start_page = client.get(START).content.decode()
    request_code(client, "0999999999", "x@example.com")
    code_page = client.get(CODE).content.decode()
    for page in (start_page, code_page):
        assert "TK1-TS" in page and "02/SĐ-GD" in page
        assert f'href="{PAPER}"' in page


def test_printable_form_holds_only_what_the_person_typed(client, citizen_no_email):
    request_code(client, "0123456790", "binh.tran@example.com")
    prefilled = client.get(PAPER)
    assert 'value="0123456790"' in prefilled.content.decode()
    assert 'value="binh.tran@example.com"' in prefilled.content.decode()
    assert "Trần Thị Bình" not in prefilled.content.decode()  # the registry is never read

    _key, token = portal_form(client, PAPER)
    printed = client.post(
        PAPER,
        {
            "full_name": "Trần Thị Bình <script>",
            "username": "0123456790",
            "email": "binh.tran@example.com",
            "phone": "0987654321",
            "csrfmiddlewaretoken": token,
        },
    )
    assert printed.status_code == 200
    assert data_field(printed, "full_name") == "Trần Thị Bình <script>"
    assert "<script>" not in printed.content.decode().split('data-field="full_name"')[1][:80]
    assert data_field(printed, "phone") == "0987654321"
    assert "001192012346" not in printed.content.decode()  # her CCCD, never typed
    assert printed["Referrer-Policy"] == "no-referrer"
