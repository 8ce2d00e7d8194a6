"""The recovery journey in a real browser (Debian Chromium through Playwright, against
``live_server``), with the emails read from a real SMTP server on loopback: forgot password →
the code from the mailbox → a temporary password by email → sign in → forced change, or the new
password chosen on the spot → sign in with the new password. At phone size (390×844) and
desktop size (1280×800); the CAPTCHA answered as the served image shows it (read from the test
database)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from ansinh.notifications.tests.smtp_server import SmtpServer, smtp_server

from .helpers import PORTAL_HOME, PORTAL_LOGIN, PORTAL_PASSWORD
from .pages import captcha_answer

__all__ = ["smtp_server"]
pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Hoa-Sen-No-Tren-Ho-Tay-2026"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def _line(server: SmtpServer, index: int, label: str) -> str:
    text = server.messages[index].part("text/plain")
    match = re.search(rf"^{re.escape(label)}: (\S+)\r?$", text, re.M)
    assert match, f"no {label!r} line in email {index}"
    return match.group(1)


def _diagnose() -> str:
    """What the server did with the request, for the failure message."""
    from django.conf import settings
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from ansinh.audit.models import AuditEvent
    from ansinh.notifications.models import OutboundEmail
    from ansinh.recovery.models import Recovery

    return repr(
        {
            "recoveries": list(Recovery.objects.values("status", "user_id", "code_issued_at")),
            "emails": list(OutboundEmail.objects.values("kind", "status", "last_error")),
            "audit": list(AuditEvent.objects.values_list("event", "details")),
            "tasks": list(DBTaskResult.objects.values_list("task_path", "status")),
            "backend": type(task_backends["default"]).__name__,
            "settings": settings.TASKS,
        }
    )


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto(PORTAL_LOGIN)
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator('main form button[type="submit"]:not([data-captcha-refresh])').click()


@pytest.mark.parametrize("choice", ["email", "choose"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_forgotten_password_to_new_password_in_the_browser(
    page: Page, citizen, smtp_server, choice: str, viewport: ViewportSize
):
    """Each choice after the code: a temporary password by email (then the forced change), or
    the new password chosen on the spot."""
    page.set_viewport_size(viewport)
    with smtp_server.settings():
        page.goto(PORTAL_LOGIN)
        page.locator("#forgot-password").click()  # "Quên mật khẩu"
        expect(page).to_have_url(re.compile(r"/quen-mat-khau/$"))
        page.fill('input[name="username"]', "0123456789")
        page.fill('input[name="email"]', "an.nguyen@example.com")
        page.fill('input[name="captcha_1"]', captcha_answer(page))  # "Mã kiểm tra"
        page.locator(
            "#recovery-request button[type=submit]:not([data-captcha-refresh])"
        ).click()  # "Gửi"

        expect(page).to_have_url(re.compile(r"/quen-mat-khau/nhap-ma/$"))
        expect(page.locator("#recovery-started")).to_be_visible()
        assert [m.to for m in smtp_server.messages] == [["an.nguyen@example.com"]], _diagnose()
        code = _line(smtp_server, 0, "Mã OTP")

        page.fill('input[name="otp"]', code)
        page.check(f'input[name="choice"][value="{choice}"]')
        if choice == "choose":
            page.fill('input[name="new_password"]', NEW_PASSWORD)
            page.fill('input[name="new_password_again"]', NEW_PASSWORD)
        page.locator('#recovery-code button[value="verify"]').click()

        if choice == "choose":
            expect(page.locator("#recovery-done")).to_have_attribute(
                "data-outcome", "password_changed"
            )
        else:
            expect(page.locator("#recovery-done")).to_have_attribute(
                "data-outcome", "credentials_emailed"
            )
            assert _line(smtp_server, 1, "Mã số BHXH") == "0123456789"
            temporary = _line(smtp_server, 1, "Mật khẩu tạm thời")

            _sign_in(page, "0123456789", temporary)
            expect(page).to_have_url(re.compile(re.escape(PORTAL_PASSWORD) + "$"))
            page.goto(PORTAL_HOME)  # nothing else until the password is changed
            expect(page).to_have_url(re.compile(re.escape(PORTAL_PASSWORD) + "$"))
            page.fill('input[name="current_password"]', temporary)
            page.fill('input[name="new_password"]', NEW_PASSWORD)
            page.fill('input[name="new_password_again"]', NEW_PASSWORD)
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))

        page.context.clear_cookies()
        _sign_in(page, "0123456789", NEW_PASSWORD)
        expect(page).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))
        expect(page.locator('[data-field="bhxh_code"]')).to_have_text("0123456789")

    # The code, then (temporary password) the credentials, "password reset" and "password
    # changed"; or (own password) the code and "password changed".
    assert len(smtp_server.messages) == (4 if choice == "email" else 2), [
        m.part("text/plain")[:80] for m in smtp_server.messages
    ]
    assert all(m.to == ["an.nguyen@example.com"] for m in smtp_server.messages)
