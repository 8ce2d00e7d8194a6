"""The seed's Cách 1 in the app (DESIGN §3.3), with the seed's words on screen: "Mã số BHXH" →
"Quên mật khẩu" → "Email cá nhân" → "Gửi" → "Mã OTP" from a real SMTP server → a temporary
password by email → sign in with it → the forced change → the home screen. A person with no
email finds the paper paths and the printable 02/SĐ-GD."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ansinh.notifications.tests.smtp_server import SmtpServer

from .browser import APP, open_app, shot, sign_in, worker_state

pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Hoa-Sen-No-Tren-Ho-Tay-2026"


def _line(server: SmtpServer, index: int, label: str) -> str:
    text = server.messages[index].part("text/plain")
    match = re.search(rf"^{re.escape(label)}: (\S+)\r?$", text, re.M)
    assert match, f"no {label!r} line in email {index}"
    return match.group(1)


def test_cach_1_with_a_temporary_password_then_the_forced_change(phone: Page, citizen, smtp_server):
    with smtp_server.settings():
        open_app(phone)
        phone.get_by_label("Mã số BHXH").fill("0123 456 789")
        phone.get_by_role("link", name="Quên mật khẩu").tap()

        expect(phone.locator("main h1")).to_have_text("Quên mật khẩu")
        expect(phone.get_by_label("Mã số BHXH")).to_have_value("0123 456 789")
        phone.get_by_label("Email cá nhân").fill("an.nguyen@example.com")
        shot(phone, "recovery-start")
        phone.get_by_role("button", name="Gửi", exact=True).tap()

        expect(phone.locator("#recovery-started")).to_be_visible()
        assert [m.to for m in smtp_server.messages] == [["an.nguyen@example.com"]]
        code = _line(smtp_server, 0, "Mã OTP")
        phone.get_by_label("Mã OTP").fill(code)
        phone.get_by_label("Gửi mật khẩu tạm thời qua email").check()
        expect(phone.locator("#new-password-fields")).to_be_hidden()
        shot(phone, "recovery-code")
        phone.get_by_role("button", name="Xác nhận").tap()

        expect(phone.locator("#recovery-done")).to_have_attribute(
            "data-outcome", "credentials_emailed"
        )
        shot(phone, "recovery-done")
        assert _line(smtp_server, 1, "Mã số BHXH") == "0123456789"
        temporary = _line(smtp_server, 1, "Mật khẩu tạm thời")
        phone.locator("#recovery-sign-in").tap()

        expect(phone.locator("main h1")).to_have_text("Đăng nhập")
        expect(phone.get_by_label("Mã số BHXH")).to_have_value("0123 456 789")
        sign_in(phone, "0123 456 789", temporary)

        # Nothing opens before the password is changed.
        expect(phone.locator("#change-required")).to_be_visible()
        expect(phone.locator("#tabs")).to_be_hidden()
        shot(phone, "forced-change")
        phone.goto(APP + "#/the-bhyt")
        expect(phone.locator("#change-required")).to_be_visible()
        assert worker_state(phone)["password_change_required"] is True

        form = phone.locator("#password-change")
        form.get_by_label("Mật khẩu tạm thời").fill(temporary)
        form.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
        form.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
        form.locator("button[type=submit]").tap()

        expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")
        expect(phone.locator("#flash")).to_contain_text("Đã đổi mật khẩu")
        assert worker_state(phone)["password_change_required"] is False

    # code, credentials, "password reset", "password changed": all to the address on record.
    assert len(smtp_server.messages) == 4
    assert all(m.to == ["an.nguyen@example.com"] for m in smtp_server.messages)
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)


def test_cach_1_choosing_the_new_password_at_once(phone: Page, citizen, smtp_server):
    with smtp_server.settings():
        open_app(phone, "#/quen-mat-khau")
        phone.get_by_label("Mã số BHXH").fill("001090012345")  # the CCCD works too
        phone.get_by_label("Email cá nhân").fill("an.nguyen@example.com")
        phone.get_by_role("button", name="Gửi", exact=True).tap()
        expect(phone.locator("#recovery-started")).to_be_visible()

        code = _line(smtp_server, 0, "Mã OTP")
        phone.get_by_label("Mã OTP").fill("000000" if code != "000000" else "111111")
        phone.get_by_label("Mật khẩu mới", exact=True).fill(NEW_PASSWORD)
        phone.get_by_label("Nhập lại mật khẩu mới").fill(NEW_PASSWORD)
        phone.get_by_role("button", name="Xác nhận").tap()
        expect(phone.locator("#recovery-code .error").first).to_contain_text(
            "Số lần nhập còn lại: 4"
        )

        phone.get_by_label("Mã OTP").fill(code)
        phone.get_by_role("button", name="Xác nhận").tap()
        expect(phone.locator("#recovery-done")).to_have_attribute(
            "data-outcome", "password_changed"
        )
        phone.locator("#recovery-sign-in").tap()
        sign_in(phone, "001090012345", NEW_PASSWORD)
        expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")


def test_a_person_without_email_finds_the_paper_paths_and_the_form_02(
    phone: Page, citizen_no_email
):
    open_app(phone, "#/quen-mat-khau")
    paper = phone.locator("#no-email")
    expect(paper).to_contain_text("Chưa đăng ký email?")
    expect(paper).to_contain_text("TK1-TS")
    expect(paper).to_contain_text("02/SĐ-GD")
    shot(phone, "recovery-no-email")

    # The generic answer (the same for everyone) repeats the guidance after "Gửi".
    phone.get_by_label("Mã số BHXH").fill("0123456790")
    phone.get_by_label("Email cá nhân").fill("binh@example.org")
    phone.get_by_role("button", name="Gửi", exact=True).tap()
    expect(phone.locator("#recovery-started")).to_contain_text("02/SĐ-GD")

    phone.locator("#no-email").get_by_role("link", name="Chuẩn bị tờ khai mẫu 02/SĐ-GD để in").tap()
    expect(phone).to_have_url(re.compile(r"/quen-mat-khau/mau-02-sd-gd/$"))
    expect(phone.locator("#paper-form")).to_be_visible()
