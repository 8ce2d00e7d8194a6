"""The forms of issue 12 §2 through the Django test client: the page title says "Lỗi:" when a
form has errors and the summary lists every error; the recovery choice; withdrawing a dossier
asks first; the owner's "Hiện" shows their own data in full, uncached, unlogged, to them only.
The same journeys in Chromium are in ``test_browser_forms.py`` and
``test_browser_recovery_choice.py``."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context
from django.test import Client
from django.utils import translation

from ansinh.audit.models import DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, run_on_commit
from ansinh.dossiers.models import Dossier, Status
from ansinh.dossiers.tests.helpers import registration_photos, unit_file
from ansinh.lib.form_errors import page_has_errors
from ansinh.recovery.forms import RecoveryCodeForm

from .browser_steps import file_change_request
from .helpers import BACKOFFICE_LOGIN, PORTAL_LOGIN, csrf_token, login

pytestmark = pytest.mark.django_db
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SUMMARY_LINKS = re.compile(
    r'<div class="alert" role="alert" id="errors" tabindex="-1".*?</div>', re.S
)


def _title(response) -> str:
    match = TITLE.search(response.content.decode())
    assert match, "no <title>"
    return " ".join(match.group(1).split())


# --- Errors: the title and the summary ------------------------------------------------------


def test_an_empty_login_says_lỗi_in_the_title_and_lists_every_error(client):
    assert not _title(client.get(PORTAL_LOGIN)).startswith("Lỗi")
    response = client.post(PORTAL_LOGIN, {})
    assert response.status_code == 400
    assert _title(response) == "Lỗi: Đăng nhập — An Sinh"
    summary = SUMMARY_LINKS.search(response.content.decode())
    assert summary, "no focusable error summary"
    links = re.findall(r'<a href="#([^"]+)">', summary.group(0))
    assert links == ["id_username", "id_password", "id_captcha_1"]


def test_the_title_says_error_in_english_and_on_the_back_office_too(client):
    with translation.override("en"):
        response = client.post(BACKOFFICE_LOGIN, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert _title(response).startswith("Error: ")


def test_an_invalid_registration_lists_each_field_once(client):
    response = client.post(
        "/dang-ky/",
        {"identifier": "", "full_name": "", "date_of_birth": "31/02/1990", "phone": "",
         "email": "not-an-email", "captcha_0": "x", "captcha_1": ""},
    )  # fmt: skip
    assert response.status_code == 400
    assert _title(response).startswith("Lỗi: ")
    summary = SUMMARY_LINKS.search(response.content.decode())
    assert summary
    links = re.findall(r'<a href="#([^"]+)">', summary.group(0))
    assert {"id_identifier", "id_full_name", "id_date_of_birth", "id_phone", "id_office"} <= set(
        links
    )
    assert "id_captcha_1" in links
    assert len(links) == len(set(links))


def test_every_malformed_registration_value_is_named_at_once(client, office):
    typed = {"identifier": "12", "full_name": "Nguyễn Văn An", "date_of_birth": "17/05/1990",
             "phone": "123", "email": "an.nguyen", "office": "01001",
             "captcha_0": "x", "captcha_1": "PASSED"}  # fmt: skip
    response = client.post("/dang-ky/", {**typed, **registration_photos()})
    assert response.status_code == 400
    summary = SUMMARY_LINKS.search(response.content.decode())
    assert summary
    links = re.findall(r'<a href="#([^"]+)">', summary.group(0))
    assert links == ["id_identifier", "id_phone", "id_email"]


def test_a_missing_field_and_a_malformed_one_are_named_together(client, office):
    typed = {"identifier": "0123456789", "full_name": "", "date_of_birth": "17/05/1990",
             "phone": "0912345678", "email": "an.nguyen", "office": "01001",
             "captcha_0": "x", "captcha_1": "PASSED"}  # fmt: skip
    response = client.post("/dang-ky/", {**typed, **registration_photos()})
    summary = SUMMARY_LINKS.search(response.content.decode())
    assert summary
    assert re.findall(r'<a href="#([^"]+)">', summary.group(0)) == ["id_full_name", "id_email"]


def test_a_missing_photo_and_a_malformed_value_are_named_together(client, office):
    typed = {"identifier": "0123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "17/05/1990",
             "phone": "0912345678", "email": "an.nguyen", "office": "01001",
             "captcha_0": "x", "captcha_1": "PASSED"}  # fmt: skip
    response = client.post("/dang-ky/", {**typed, **registration_photos(portrait=None)})
    summary = SUMMARY_LINKS.search(response.content.decode())
    assert summary
    assert re.findall(r'<a href="#([^"]+)">', summary.group(0)) == ["id_email", "id_portrait"]


def test_no_input_takes_the_focus_from_the_error_summary(client):
    """The browser applies ``autofocus`` when it likes, sometimes after the summary took the
    focus: a page with errors has none, a page without keeps it."""
    assert "autofocus" in client.get("/dang-nhap/").content.decode()
    refused = client.post("/dang-nhap/", {"username": "", "password": ""}).content.decode()
    assert 'id="errors"' in refused and "autofocus" not in refused
    assert "autofocus" in client.get("/dang-nhap/").content.decode()  # the next form, untouched


def test_only_a_bound_form_with_errors_marks_the_page():
    class Sample(forms.Form):
        name = forms.CharField()

    assert not page_has_errors(Context({"form": Sample()}))
    assert not page_has_errors(Context({"form": Sample({"name": "An"})}))
    assert page_has_errors(Context({"other_name": Sample({})}))
    assert page_has_errors({"upload_error": "Tệp quá lớn."})
    assert not page_has_errors({"upload_error": ""})


# --- The recovery choice ----------------------------------------------------------------------


def test_the_recovery_choice_has_no_default_and_must_be_made():
    form = RecoveryCodeForm({"otp": "123456"})
    assert not form.is_valid()
    assert list(form.errors) == ["choice"]
    assert RecoveryCodeForm().fields["choice"].initial is None


def test_my_own_password_is_needed_only_when_i_choose_it():
    chosen = RecoveryCodeForm({"otp": "123456", "choice": "choose"})
    assert not chosen.is_valid() and list(chosen.errors) == ["new_password"]
    emailed = RecoveryCodeForm({"otp": "123 456", "choice": "email", "new_password": "x"})
    assert emailed.is_valid(), emailed.errors


# --- Withdrawing asks first -----------------------------------------------------------------


def _signed_in(client: Client, username: str = "0123456789") -> Client:
    login(client, username, CITIZEN_PASSWORD)
    return client


def test_withdraw_without_the_confirmation_only_shows_the_confirmation(client, citizen, office):
    dossier = file_change_request(citizen, office, {"phone": "0987654321"})
    _signed_in(client)
    url = f"/ca-nhan/ho-so/{dossier.public_id}/rut/"
    detail = client.get(f"/ca-nhan/ho-so/{dossier.public_id}/").content.decode()
    assert f'href="{url}" id="withdraw"' in detail

    shown = client.get(url)
    assert shown.status_code == 200
    assert f"Bạn có chắc muốn rút hồ sơ {dossier.public_id}?" in shown.content.decode()
    token = csrf_token(client, url)
    posted = client.post(url, {"csrfmiddlewaretoken": token})  # the old one-click form
    assert posted.status_code == 200
    assert 'id="withdraw-confirm"' in posted.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED

    with run_on_commit():
        done = client.post(url, {"csrfmiddlewaretoken": token, "confirm": "yes"})
    assert (
        done.status_code == 302
        and done.headers["Location"] == f"/ca-nhan/ho-so/{dossier.public_id}/"
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    again = client.get(url)
    assert again.status_code == 302  # closed: no confirmation page any more
    assert 'id="withdraw"' not in client.get(again.headers["Location"]).content.decode()


def test_the_confirmed_withdraw_needs_the_csrf_token(citizen, office):
    dossier = file_change_request(citizen, office, {"phone": "0987654321"})
    checked = Client(enforce_csrf_checks=True)
    login(checked, "0123456789", CITIZEN_PASSWORD)
    response = checked.post(f"/ca-nhan/ho-so/{dossier.public_id}/rut/", {"confirm": "yes"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_no_confirmation_for_a_dossier_the_employer_filed_or_another_persons(
    client, api, unit_key, employees
):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    _signed_in(client)
    url = f"/ca-nhan/ho-so/{filed}/rut/"
    assert client.get(url).status_code == 302
    token = csrf_token(client, "/ca-nhan/ho-so/")
    assert client.post(url, {"csrfmiddlewaretoken": token, "confirm": "yes"}).status_code == 302
    assert Dossier.objects.get(public_id=filed).status == Status.SUBMITTED

    other = Client()
    _signed_in(other, "0123456790")
    assert other.get(url).status_code == 404


# --- "Hiện": the owner's own data in full ---------------------------------------------------


def test_the_owner_reveals_their_own_profile_uncached_and_unlogged(client, citizen):
    _signed_in(client)
    masked = client.get("/ca-nhan/")
    page = masked.content.decode()
    assert "091****678" in page and "0912345678" not in page
    assert "an.nguyen@example.com" not in page and "001090012345" not in page
    assert 'href="/ca-nhan/?hien=1#profile"' in page  # the link that works without JavaScript

    logged = DataAccess.objects.count()
    shown = client.get("/ca-nhan/?hien=1")
    page = shown.content.decode()
    for value in ("0912345678", "an.nguyen@example.com", "001090012345"):
        assert value in page
    assert 'href="/ca-nhan/#profile" data-reveal-toggle data-revealed' in page
    cache_control = shown.headers["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert DataAccess.objects.count() == logged  # the owner is not an access to log


def test_the_owner_reveals_the_values_proposed_in_their_dossier(client, citizen, office):
    dossier = file_change_request(
        citizen, office, {"phone": "0987654321", "email": "an.moi@example.org"}
    )
    _signed_in(client)
    url = f"/ca-nhan/ho-so/{dossier.public_id}/"
    masked = client.get(url).content.decode()
    assert "098****321" in masked and "0987654321" not in masked
    assert "an.moi@example.org" not in masked
    logged = DataAccess.objects.count()
    shown = client.get(url + "?hien=1")
    assert "0987654321" in shown.content.decode() and "an.moi@example.org" in shown.content.decode()
    assert "no-store" in shown.headers["Cache-Control"]
    assert DataAccess.objects.count() == logged


def test_no_one_else_reveals_a_persons_data(client, api, citizen, office, unit_key, employees):
    dossier = file_change_request(citizen, office, {"phone": "0987654321"})
    other = _signed_in(client, "0123456790")
    assert other.get(f"/ca-nhan/ho-so/{dossier.public_id}/?hien=1").status_code == 404
    assert "0912345678" not in other.get("/ca-nhan/?hien=1").content.decode()
    # The app's profile stays masked whatever the query says.
    body = api.get("/me?hien=1", token=api.login("0123456789", CITIZEN_PASSWORD)["access_token"])
    assert body.json()["phone_masked"] == "091****678"
    assert "phone" not in body.json()
