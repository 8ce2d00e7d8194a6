"""Issue 12 §2: a BHXH code or CCCD as people type it ("0123 456 789", "0123.456.789",
"0123-456-789", full-width digits) is accepted at every door, API and portal: login,
recovery, registration, the counter (back office and staff API) and the unit API. Letters and
wrong lengths are still refused with the same answer as before, and spelling variants of one
identifier share one login back-off. The login error names the field as labelled and links
"Quên mật khẩu?"."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, run_on_commit
from ansinh.dossiers.models import Dossier
from ansinh.dossiers.tests.helpers import registration_photos, token, unit_file
from ansinh.people.models import Person, Sex
from ansinh.portal.tests.helpers import (
    BACKOFFICE_LOGIN,
    PORTAL_HOME,
    PORTAL_LOGIN,
    csrf_token,
    login,
    post_login,
)
from ansinh.recovery.tests.helpers import request_code, start

pytestmark = pytest.mark.django_db

WRONG = "Khong-Phai-Mat-Khau-2026"
# The citizen persona's BHXH code 0123456789 and CCCD 001090012345, spelled as people type.
BHXH_SPELLINGS = [
    "0123 456 789",
    "0123.456.789",
    "0123-456-789",
    "０１２３４５６７８９",
    " 0123 4567 89 ",
]
CCCD_SPELLINGS = [
    "001 090 012 345",
    "001.090.012.345",
    "001-090-012-345",
    "００１０９００１２３４５",
]
# Still refused: letters, 11 digits, Arabic-Indic digits (never folded).
MALFORMED = ["0123 456 78x", "0123 456 7890", "01234567890", "٠١٢٣٤٥٦٧٨٩"]


def _api_login(api: Any, username: str, password: str = CITIZEN_PASSWORD) -> Any:
    return api.post("/auth/login", {"username": username, "password": password})


# --- Login ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", BHXH_SPELLINGS + CCCD_SPELLINGS)
def test_api_login_accepts_an_identifier_with_spaces_dots_dashes_or_full_width_digits(
    api, citizen, typed
):
    response = _api_login(api, typed)

    assert response.status_code == 200, response.content
    assert response.json()["access_token"]


@pytest.mark.parametrize("typed", BHXH_SPELLINGS + CCCD_SPELLINGS)
def test_portal_login_accepts_an_identifier_with_spaces_dots_dashes_or_full_width_digits(
    client, citizen, typed
):
    response = post_login(client, typed, CITIZEN_PASSWORD)

    assert (response.status_code, response.headers.get("Location")) == (302, PORTAL_HOME)


@pytest.mark.parametrize("typed", MALFORMED)
def test_a_malformed_identifier_still_fails_login_like_an_unknown_one(api, citizen, typed):
    refused = _api_login(api, typed)
    unknown = _api_login(Api_fresh(api), "0999999999")

    assert refused.status_code == 401
    assert refused.json() == unknown.json()
    portal = post_login(Client(), typed, CITIZEN_PASSWORD)
    assert portal.status_code == 401


def Api_fresh(api: Any) -> Any:  # noqa: N802 - reads as a constructor
    """Another client from another address: its answers are not throttled by the first's."""
    return type(api)(Client(REMOTE_ADDR="198.51.100.9"))


def test_spelling_variants_of_one_identifier_share_one_login_back_off(api, citizen):
    with time_machine.travel(timezone.now(), tick=False):
        for typed in ["0123456789", *BHXH_SPELLINGS[:4]]:
            assert _api_login(api, typed, WRONG).status_code == 401
        # Five failures on one account, however spelled: the sixth attempt waits.
        response = _api_login(api, BHXH_SPELLINGS[4], WRONG)

    assert response.status_code == 429


def test_spelling_variants_of_an_unknown_identifier_share_one_back_off_like_a_registered_one(
    api, citizen
):
    def schedule(spellings: list[str]) -> list[int]:
        return [_api_login(api, typed, WRONG).status_code for typed in spellings]

    with time_machine.travel(timezone.now(), tick=False):
        known = schedule(["0123456789", *BHXH_SPELLINGS])
        unknown = schedule(["0999999999", "0999 999 999", "0999.999.999", "0999-999-999",
                            "０９９９９９９９９９", " 0999 9999 99 "])  # fmt: skip

    assert known == unknown == [401] * 5 + [429]


# --- The login page ------------------------------------------------------------------------------


def test_portal_login_error_names_the_field_as_labelled_and_links_forgot_password(client, citizen):
    response = post_login(client, "0123456789", WRONG, HTTP_ACCEPT_LANGUAGE="vi")
    page = response.content.decode()

    assert response.status_code == 401
    assert "Mã số BHXH hoặc số CCCD hoặc mật khẩu không đúng." in page
    assert re.search(r'<a href="/[^"]*" id="login-forgot-password">Quên mật khẩu\?</a>', page)


def test_portal_login_error_in_english_names_the_field_and_links_forgot_password(client, citizen):
    client.cookies["django_language"] = "en"
    response = post_login(client, "0123456789", WRONG, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()

    assert "BHXH code or CCCD number or password is incorrect." in page
    assert 'id="login-forgot-password">Forgot password?</a>' in page


def test_identifier_inputs_of_the_portal_and_counter_ask_for_the_numeric_keyboard(
    client, citizen, clerk
):
    login_page = client.get(PORTAL_LOGIN).content.decode()
    username = re.search(r'<input[^>]*name="username"[^>]*>', login_page)
    assert username and 'inputmode="numeric"' in username.group(0)
    assert 'autocomplete="username"' in username.group(0)
    for path in ("/quen-mat-khau/", "/dang-ky/"):
        page = Client().get(path).content.decode()
        inputs = re.findall(r'<input[^>]*name="(?:username|identifier)"[^>]*>', page)
        assert inputs and all('inputmode="numeric"' in i for i in inputs), path

    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    counter = staff.get("/backoffice/dossiers/new/").content.decode()
    identifier = re.search(r'<input[^>]*name="identifier"[^>]*>', counter)
    assert identifier and 'inputmode="numeric"' in identifier.group(0)


# --- Recovery ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0123 456 789", "001.090.012.345", "０１２３-４５６-７８９"])
def test_api_recovery_accepts_an_identifier_as_people_type_it(api, citizen, mailoutbox, typed):
    with run_on_commit():
        response = start(api, typed)

    assert response.status_code == 202, response.content
    assert [m.to for m in mailoutbox] == [["an.nguyen@example.com"]]


@pytest.mark.parametrize("typed", ["0123 456 78x", "0123 456 7890"])
def test_api_recovery_still_refuses_letters_and_wrong_lengths(api, citizen, mailoutbox, typed):
    response = start(api, typed)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == start(api, "12345").json()["error"]["code"]
    assert not mailoutbox


def test_portal_recovery_accepts_an_identifier_as_people_type_it(client, citizen, mailoutbox):
    response = request_code(client, "0123-456-789")

    assert response.status_code == 302, response.content[:2000]
    assert [m.to for m in mailoutbox] == [["an.nguyen@example.com"]]


# --- Registration (01/ĐK-GD) ---------------------------------------------------------------------


@pytest.fixture
def lan(db, office):
    return Person.objects.create(
        bhxh_code="0123450001",
        cccd="001195000111",
        full_name="Phạm Thị Lan",
        date_of_birth=dt.date(1995, 7, 1),
        sex=Sex.FEMALE,
        province_code="01",
    )


def test_portal_registration_accepts_an_identifier_as_people_type_it(
    client, lan, mailoutbox, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # the registration's photos
    data = {
        "identifier": "001.195.000.111",
        "full_name": "Phạm Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": "lan.pham@example.org",
        "office": "01001",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
        **registration_photos(),
    }
    with run_on_commit():
        response = client.post("/dang-ky/", data)

    assert (response.status_code, response.headers.get("Location")) == (302, "/dang-ky/nhap-ma/")
    assert [m.to for m in mailoutbox] == [["lan.pham@example.org"]]


# --- The counter and the unit API ------------------------------------------------------------------


def test_back_office_counter_finds_a_person_by_an_identifier_as_spoken(citizen_no_email, clerk):
    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    def find(typed: str) -> Any:
        page = "/backoffice/dossiers/new/"
        return staff.post(
            page, {"identifier": typed, "csrfmiddlewaretoken": csrf_token(staff, page)}
        )

    for typed in ("001 192 012 346", "0123.456.790", "０１２３４５６７９０"):
        response = find(typed)
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/{citizen_no_email.person.public_id}/")
    assert find("0123 456 79x").status_code == 404


def test_staff_api_counter_intake_accepts_a_bhxh_code_as_spoken(api, citizen_no_email, clerk):
    body = {
        "form": "02/SĐ-GD",
        "bhxh_code": "0123 456 790",
        "changes": {"email": "binh.tran@example.org"},
        "identity_checked": True,
    }
    filed = api.post("/staff/dossiers", body, token=token(api, "canbo1", STAFF_PASSWORD))

    assert filed.status_code == 201, filed.content
    assert Dossier.objects.get().person == citizen_no_email.person


def test_unit_api_accepts_a_bhxh_code_with_separators_and_refuses_a_malformed_one(
    api, unit_key, employees
):
    filed = unit_file(api, "0123.456.789", {"address": "5 Hàng Bài"})
    refused = unit_file(api, "0123.456.78x", {"address": "5 Hàng Bài"})

    assert filed.status_code == 201, filed.content
    assert Dossier.objects.get().person.bhxh_code == "0123456789"
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_input")
