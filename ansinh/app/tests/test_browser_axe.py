"""axe-core on every screen of the app (issue 13): Chromium as a phone (390×844, touch), in
Vietnamese, signed out (sign-in, with a wrong password's error; Cách 1's steps up to the code)
and signed in (home, the card and its full-screen QR, participation and one scheme,
notifications, the account, the password change with an error, the lock screen and the saved
card behind it). No screen may have a "serious" or "critical" violation.

axe-core is the copy bundled in the pinned ``axe-playwright-python`` wheel, as for the portal
(``ansinh/portal/tests/test_browser_axe.py``). ``ANSINH_SCREENSHOTS=/dir`` keeps each screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.portal.tests.pages import axe_problems

from .browser import APP, issue_demo_card, open_app, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]


class Checker:
    """Runs axe-core on the screen shown now and keeps what it finds, per screen."""

    def __init__(self, phone: Page) -> None:
        self.phone = phone
        self.found: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def __call__(self, name: str) -> None:
        shot(self.phone, f"axe-{name}")
        self.checked.append(name)
        problems = axe_problems(self.phone)
        if problems:
            self.found[name] = problems

    def assert_clean(self) -> None:
        assert not self.found, "serious or critical axe-core violations:\n" + "\n".join(
            f"- {screen}:\n    " + "\n    ".join(problems)
            for screen, problems in self.found.items()
        )


def test_no_app_screen_has_a_serious_or_critical_axe_violation(phone: Page, citizen, smtp_server):
    issue_demo_card(citizen.person)
    check = Checker(phone)
    with smtp_server.settings():
        # Signed out.
        open_app(phone)
        expect(phone.locator("main h1")).to_have_text("Đăng nhập")
        check("signin")
        sign_in(phone, "0123456789", "not-the-password")
        expect(phone.locator("#signin .error, #signin [role=alert], .alert").first).to_be_visible()
        check("signin-error")
        phone.goto(APP + "#/quen-mat-khau")
        expect(phone.locator("main h1")).to_have_text("Quên mật khẩu")
        check("recovery-start")
        phone.get_by_label("Mã số BHXH").fill("0123456789")
        phone.get_by_label("Email cá nhân").fill("an.nguyen@example.com")
        phone.get_by_role("button", name="Gửi", exact=True).tap()
        expect(phone.locator("#recovery-started")).to_be_visible()
        check("recovery-code")

        # Signed in.
        phone.goto(APP + "#/dang-nhap")
        sign_in(phone, "0123456789", CITIZEN_PASSWORD)
        expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")
        check("home")
        phone.locator('#tabs a[data-tab="card"]').tap()
        expect(phone.locator("#qr img")).to_be_visible()
        check("card")
        phone.locator("#enlarge-qr").tap()
        expect(phone.locator(".qr-full-image")).to_be_visible()
        check("card-full")
        phone.locator("#close-qr").tap()
        phone.locator('#tabs a[data-tab="participation"]').tap()
        expect(phone.locator('[data-field="total_months"]')).to_be_visible()
        check("participation")
        phone.goto(APP + "#/qua-trinh/BHYT")
        expect(phone.locator("main h1")).to_be_visible()
        check("participation-bhyt")
        phone.locator('#tabs a[data-tab="notifications"]').tap()
        expect(phone.locator("main h1")).to_have_text("Thông báo")
        check("notifications")
        phone.locator('#tabs a[data-tab="account"]').tap()
        expect(phone.locator("#sign-out")).to_be_visible()
        check("account")
        phone.goto(APP + "#/doi-mat-khau")
        form = phone.locator("#password-change")
        form.locator("button[type=submit]").tap()
        expect(form.locator(".error").first).to_be_visible()
        check("password-error")

        # Locked after the idle minutes: the lock screen and the saved card.
        phone.evaluate("fetch('/app/sw/lock', {method: 'POST'})")
        phone.goto(APP + "#/khoa")
        phone.reload()
        expect(phone.locator("main h1")).to_have_text("Ứng dụng đã khóa")
        check("lock")
        phone.locator("#saved-card").tap()
        expect(phone.locator("#qr img")).to_be_visible()
        check("card-locked")

    assert len(check.checked) == 14
    check.assert_clean()
