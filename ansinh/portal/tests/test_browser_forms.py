"""The forms of issue 12 §2 on a phone (Chromium, 390×844), as a person meets them: a form
sent with mistakes comes back with "Lỗi:" in the title, the focus on the error summary, every
error listed and each one leading to its field; withdrawing a dossier asks first (with and
without JavaScript); "Hiện" shows the person's own data in full and "Ẩn" hides it again (with
JavaScript in place, without it by reloading the page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.dossiers.models import Dossier, Status

from .browser_steps import (
    SUBMIT,
    answer_captcha,
    file_change_request,
    focused_id,
    phone,
    phone_without_js,
    real_captcha,
    shoot,
    sign_in,
)

__all__ = ["phone", "phone_without_js", "real_captcha"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("real_captcha"),
]


@pytest.fixture(params=["javascript", "no_javascript"])
def device(request: pytest.FixtureRequest) -> Page:
    """The phone, with JavaScript and without it."""
    return request.getfixturevalue("phone" if request.param == "javascript" else "phone_without_js")


def _every_link_leads_to_its_field(page: Page) -> list[str]:
    links = page.locator("#errors li a")
    targets = [str(links.nth(i).get_attribute("href"))[1:] for i in range(links.count())]
    for i, target in enumerate(targets):
        links.nth(i).click()
        assert focused_id(page) == target, f"the link to #{target} left the focus elsewhere"
        box = page.locator(f"#{target}").bounding_box()
        assert box and 0 <= box["y"] <= 844 - box["height"], f"#{target} is off screen"
    return targets


def test_an_empty_login_form_comes_back_with_every_error_and_the_focus_on_them(phone: Page):
    phone.goto("/dang-nhap/")
    expect(phone).to_have_title(re.compile(r"^Đăng nhập"))
    phone.locator(SUBMIT).click()
    expect(phone).to_have_title(re.compile(r"^Lỗi: Đăng nhập"))
    expect(phone.locator("#errors")).to_be_focused()  # not the username's autofocus
    summary = phone.locator("#errors")
    expect(summary).to_be_in_viewport()
    expect(summary.locator("li")).to_have_count(3)
    shoot(phone, "login-errors")
    assert _every_link_leads_to_its_field(phone) == ["id_username", "id_password", "id_captcha_1"]


def test_an_invalid_registration_comes_back_with_every_error_and_the_focus_on_them(
    phone: Page, office
):
    phone.goto("/dang-ky/")
    phone.fill('input[name="identifier"]', "0123456789")
    phone.fill('input[name="phone"]', "0912345678")
    phone.fill('input[name="email"]', "an.nguyen")  # no domain
    answer_captcha(phone)
    phone.locator(SUBMIT).click()
    expect(phone).to_have_title(re.compile(r"^Lỗi: "))
    expect(phone.locator("#errors")).to_be_focused()
    shoot(phone, "register-errors")
    targets = _every_link_leads_to_its_field(phone)
    # The name, the date of birth and the office were left empty; the email has no domain.
    assert {"id_full_name", "id_date_of_birth", "id_email", "id_office"} <= set(targets)


def test_withdrawing_a_dossier_asks_first(device: Page, citizen, office):
    dossier = file_change_request(citizen, office, {"phone": "0987654321"})
    sign_in(device, "0123456789", CITIZEN_PASSWORD)
    device.goto(f"/ca-nhan/ho-so/{dossier.public_id}/")
    device.locator("#withdraw").click()
    expect(device.locator("h1")).to_have_text(f"Bạn có chắc muốn rút hồ sơ {dossier.public_id}?")
    expect(device.locator("#withdraw-consequences li")).to_have_count(3)
    shoot(device, "withdraw-confirm")

    device.locator("#withdraw-keep").click()  # "Không, giữ lại hồ sơ"
    expect(device).to_have_url(re.compile(rf"/ca-nhan/ho-so/{dossier.public_id}/$"))
    expect(device.locator('[data-field="status"]')).to_have_text("Đã nộp")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED

    device.locator("#withdraw").click()
    device.locator("#withdraw-yes").click()  # "Có, rút hồ sơ này"
    expect(device).to_have_url(re.compile(rf"/ca-nhan/ho-so/{dossier.public_id}/$"))
    expect(device.locator("#dossier")).to_have_attribute("data-status", "withdrawn")
    expect(device.locator("#withdraw")).to_have_count(0)
    shoot(device, "withdrawn")


def test_show_and_hide_my_own_details_on_the_home_page(phone: Page, citizen):
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone).to_have_url(re.compile(r"/ca-nhan/$"))
    cells = {
        f: phone.locator(f'[data-field="{f}"] [data-reveal-value]')
        for f in ("cccd", "phone", "email")
    }
    expect(cells["phone"]).to_have_text("091****678")
    toggle = phone.locator("#profile button[data-reveal-toggle]")
    expect(toggle).to_have_text("Hiện đầy đủ")
    expect(toggle).to_have_accessible_name("Hiện đầy đủ thông tin của tôi")

    toggle.click()
    expect(cells["phone"]).to_have_text("0912345678")
    expect(cells["email"]).to_have_text("an.nguyen@example.com")
    expect(cells["cccd"]).to_have_text("001090012345")
    expect(toggle).to_have_text("Ẩn bớt")
    expect(toggle).to_have_accessible_name("Ẩn bớt thông tin của tôi")
    expect(phone.locator("#profile [data-reveal-status]")).to_have_text(
        "Thông tin của bạn đang được hiện đầy đủ."
    )
    expect(phone).to_have_url(re.compile(r"/ca-nhan/$"))  # in place, nothing in the address
    shoot(phone, "home-revealed")

    toggle.click()
    expect(cells["phone"]).to_have_text("091****678")
    expect(cells["email"]).not_to_contain_text("an.nguyen@")
    expect(toggle).to_have_text("Hiện đầy đủ")


def test_show_and_hide_without_javascript_reloads_the_page(phone_without_js: Page, citizen):
    page = phone_without_js
    sign_in(page, "0123456789", CITIZEN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/ca-nhan/$"))
    page.locator("#profile a[data-reveal-toggle]").click()  # "Hiện đầy đủ"
    expect(page).to_have_url(re.compile(r"/ca-nhan/\?hien=1#profile$"))
    expect(page.locator('[data-field="phone"]')).to_have_text("0912345678")
    page.locator("#profile a[data-reveal-toggle]").click()  # "Ẩn bớt"
    expect(page).to_have_url(re.compile(r"/ca-nhan/#profile$"))
    expect(page.locator('[data-field="phone"]')).to_have_text("091****678")


def test_show_the_values_i_proposed_in_my_dossier(phone: Page, citizen, office):
    dossier = file_change_request(
        citizen, office, {"phone": "0987654321", "email": "an.moi@example.org"}
    )
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    phone.goto(f"/ca-nhan/ho-so/{dossier.public_id}/")
    new_phone = phone.locator('[data-reveal-value="phone-new"]')
    expect(new_phone).to_have_text("098****321")
    phone.locator("#requested button[data-reveal-toggle]").click()
    expect(new_phone).to_have_text("0987654321")
    expect(phone.locator('[data-reveal-value="email-new"]')).to_have_text("an.moi@example.org")
    expect(phone.locator('[data-reveal-value="phone-old"]')).to_have_text("0912345678")
    shoot(phone, "dossier-revealed")
