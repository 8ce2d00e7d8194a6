"""The recovery step after the code on a phone (issue 12 §2 "Forms"): the two choices as radios,
each inside its label; the new-password fields appear only when "choose my own" is chosen (and
come back shown with their errors); without JavaScript everything is visible with a hint. Each
choice is taken end to end: the code read from a real SMTP server, then signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ansinh.notifications.tests.smtp_server import smtp_server

from .browser_steps import (
    answer_captcha,
    email_line,
    phone,
    phone_without_js,
    real_captcha,
    shoot,
    sign_in,
)

__all__ = ["phone", "phone_without_js", "real_captcha", "smtp_server"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("real_captcha"),
]
CHOSEN = "Hoa-Sen-No-Tren-Ho-Tay-2026"
CHOOSE = 'input[name="choice"][value="choose"]'
EMAIL = 'input[name="choice"][value="email"]'
VERIFY = '#recovery-code button[value="verify"]'


def _to_the_code_step(page: Page, server) -> str:
    """ "Quên mật khẩu" for the citizen; returns the code emailed to him."""
    page.goto("/quen-mat-khau/")
    page.fill('input[name="username"]', "0123456789")
    page.fill('input[name="email"]', "an.nguyen@example.com")
    answer_captcha(page)
    page.locator("#recovery-request button[type=submit]:not([data-captcha-refresh])").click()
    expect(page).to_have_url(re.compile(r"/quen-mat-khau/nhap-ma/$"))
    return email_line(server, len(server.messages) - 1, "Mã OTP")


def _beside(page: Page, radio: str) -> None:
    """The radio sits beside its label, on the label's first line, inside one box at least a
    finger high; tapping the label's text, or the box beside it, chooses it."""
    box = page.locator(f".radio:has({radio})")
    box.scroll_into_view_if_needed()
    outer, dot = box.bounding_box(), page.locator(radio).bounding_box()
    text = box.locator("label").bounding_box()
    assert outer and dot and text
    assert outer["x"] <= dot["x"] and dot["x"] + dot["width"] <= outer["x"] + outer["width"]
    assert text["x"] > dot["x"] + dot["width"]  # to its right, not below it
    assert dot["y"] - 6 <= text["y"] <= dot["y"] + dot["height"]  # on the same line
    assert outer["height"] >= 44
    hint = box.locator(".radio-hint").bounding_box()
    assert hint
    page.touchscreen.tap(hint["x"] + hint["width"] / 2, hint["y"] + hint["height"] / 2)
    expect(page.locator(radio)).to_be_checked()


def test_choosing_my_own_password_on_a_phone(phone: Page, citizen, smtp_server):
    with smtp_server.settings():
        code = _to_the_code_step(phone, smtp_server)
        own = phone.locator("#own-password")
        expect(phone.locator(CHOOSE)).not_to_be_checked()
        expect(phone.locator(EMAIL)).not_to_be_checked()
        expect(own).to_be_hidden()  # until "choose my own" is chosen
        shoot(phone, "recovery-code")

        _beside(phone, EMAIL)
        expect(own).to_be_hidden()
        _beside(phone, CHOOSE)
        expect(own).to_be_visible()
        expect(phone.locator("[data-no-script-hint]")).to_be_hidden()
        shoot(phone, "recovery-code-choose")

        # Two different passwords: the server's error comes back with the fields shown.
        phone.fill('input[name="otp"]', code)
        phone.fill('input[name="new_password"]', CHOSEN)
        phone.fill('input[name="new_password_again"]', CHOSEN + "x")
        phone.locator(VERIFY).click()
        expect(phone).to_have_title(re.compile(r"^Lỗi: "))
        expect(own).to_be_visible()
        expect(phone.locator(CHOOSE)).to_be_checked()
        expect(phone.locator("#errors")).to_be_focused()
        expect(phone.locator("#errors a")).to_have_count(1)
        shoot(phone, "recovery-code-error")

        phone.fill('input[name="otp"]', code)
        phone.fill('input[name="new_password"]', CHOSEN)
        phone.fill('input[name="new_password_again"]', CHOSEN)
        phone.locator(VERIFY).click()
        expect(phone.locator("#recovery-done")).to_have_attribute(
            "data-outcome", "password_changed"
        )

        sign_in(phone, "0123456789", CHOSEN)
        expect(phone).to_have_url(re.compile(r"/ca-nhan/$"))
    # The code, then "your password was reset": no temporary password was sent.
    assert len(smtp_server.messages) == 2


def test_a_temporary_password_by_email_on_a_phone(phone: Page, citizen, smtp_server):
    with smtp_server.settings():
        code = _to_the_code_step(phone, smtp_server)
        # Nothing chosen yet: one error, for the choice, linked to the group.
        phone.fill('input[name="otp"]', code)
        phone.locator(VERIFY).click()
        expect(phone).to_have_title(re.compile(r"^Lỗi: "))
        link = phone.locator('#errors a[href="#id_choice"]')
        expect(link).to_have_count(1)
        # The summary takes the focus once the page's script runs (static/form-errors.js); a
        # click before that is the plain link (CI once clicked first, and only scrolled).
        expect(phone.locator("#errors")).to_be_focused()
        link.click()
        expect(phone.locator('input[name="choice"]:focus')).to_have_count(1)

        _beside(phone, EMAIL)
        expect(phone.locator("#own-password")).to_be_hidden()
        phone.fill('input[name="otp"]', code)
        phone.locator(VERIFY).click()
        expect(phone.locator("#recovery-done")).to_have_attribute(
            "data-outcome", "credentials_emailed"
        )
        temporary = email_line(smtp_server, 1, "Mật khẩu tạm thời")
        sign_in(phone, "0123456789", temporary)
        expect(phone).to_have_url(re.compile(r"/ca-nhan/doi-mat-khau/$"))  # forced change


def test_without_javascript_both_fields_show_with_their_hint(
    phone_without_js: Page, citizen, smtp_server
):
    page = phone_without_js
    with smtp_server.settings():
        code = _to_the_code_step(page, smtp_server)
        expect(page.locator("#own-password")).to_be_visible()
        expect(page.locator("[data-no-script-hint]")).to_be_visible()
        shoot(page, "recovery-code-nojs")
        page.locator(f".radio:has({CHOOSE}) label").click()
        page.fill('input[name="otp"]', code)
        page.fill('input[name="new_password"]', CHOSEN)
        page.fill('input[name="new_password_again"]', CHOSEN)
        page.locator(VERIFY).click()
        expect(page.locator("#recovery-done")).to_have_attribute("data-outcome", "password_changed")
