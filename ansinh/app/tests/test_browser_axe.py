"""axe-core on every screen of the app (issue 13): Chromium as a phone (390×844, touch), in
Vietnamese, signed out (sign-in, with a wrong password's error; Cách 1's steps up to the code)
and signed in (home, the card and its full-screen QR, participation and one scheme,
notifications, the account, the password change with an error, the lock screen and the saved
card behind it), and issue 15's screens: the calculators (signed out: the list, an error, a
result), correction cases (the list, the form with errors, a case) and certificates (the list,
one with its on-screen QR). No screen may have a "serious" or "critical" violation.

axe-core is the copy bundled in the pinned ``axe-playwright-python`` wheel, as for the portal
(``ansinh/portal/tests/test_browser_axe.py``). ``ANSINH_SCREENSHOTS=/dir`` keeps each screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.portal.tests.pages import axe_problems

from .browser import APP, issue_demo_card, load_reference_data, open_app, shot, sign_in

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


def test_no_app_screen_has_a_serious_or_critical_axe_violation(
    phone: Page, citizen, unit, smtp_server
):
    issue_demo_card(citizen.person)
    load_reference_data()
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
        # The calculators, signed out (issue 15).
        phone.goto(APP + "#/may-tinh")
        expect(phone.locator("#calc-ho-gia-dinh")).to_be_visible()
        check("calculators")
        phone.locator("#calc-tu-nguyen").tap()
        phone.get_by_label("Mức thu nhập tháng chọn đóng (đồng)").fill("100")
        phone.locator("main button[type=submit]").tap()
        expect(phone.locator(".field.has-error")).to_be_visible()
        check("calculator-voluntary-error")
        phone.goto(APP + "#/may-tinh/ho-gia-dinh")
        phone.get_by_label("Số thành viên hộ gia đình").fill("3")
        phone.locator("main button[type=submit]").tap()
        expect(phone.locator("#calc-result")).to_be_visible()
        check("calculator-household")

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
        # Issue 15: correction cases and certificates.
        phone.goto(APP + "#/dieu-chinh")
        expect(phone.locator("#no-cases")).to_be_visible()
        check("cases")
        phone.locator("#new-case").tap()
        case_form = phone.locator("#case-form")
        case_form.locator("button[type=submit]").tap()
        expect(case_form.locator(".has-error").first).to_be_visible()
        check("case-new-error")
        case_form.get_by_label("Mã đơn vị").fill("TA01234")
        case_form.locator("#f-from_month").fill("2026-01")
        case_form.locator("#f-to_month").fill("2026-02")
        case_form.locator("#f-problem-missing_months").check()
        case_form.locator("button[type=submit]").tap()
        expect(phone.locator("#case")).to_be_visible()
        check("case")
        phone.goto(APP + "#/giay-chung-nhan")
        expect(phone.locator('[data-field="no_certificates"]')).to_be_visible()
        check("certificates")
        phone.locator("#certificate-issue button[type=submit]").tap()
        expect(phone.locator("#certificate-qr img")).to_be_visible()
        check("certificate")
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

    assert len(check.checked) == 22
    check.assert_clean()
