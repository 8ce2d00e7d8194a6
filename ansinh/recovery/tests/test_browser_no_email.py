"""Bình's no-email path as she meets it (issue 12 §1a): Chromium on a phone (390×844, touch) and
on a desktop (1280×800), the mail read from a real SMTP server on loopback. She reads the
recovery page's guidance; a new address reaches her record either at the counter (02/SĐ-GD,
clerk and approver through the staff API) or from her employer (TK1-TS through the unit API,
approved by two staff); then "Quên mật khẩu" with that address → the code from her new
mailbox → a temporary password by email → sign in → forced change → signed in, without ever
knowing her old password. The CAPTCHA is answered as the served image shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, Page, expect

from ansinh.conftest import STAFF_PASSWORD, UNIT_KEY, Api
from ansinh.notifications.tests.smtp_server import SmtpServer, smtp_server
from ansinh.portal.tests.browser import TIMEOUT_MS, browser
from ansinh.portal.tests.helpers import PORTAL_HOME, PORTAL_LOGIN, PORTAL_PASSWORD
from ansinh.portal.tests.pages import captcha_answer

__all__ = ["browser", "smtp_server"]
pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

NEW_EMAIL = "binh.tran@example.org"
CHOSEN = "Hoa-Sen-No-Tren-Dam-2026"


DEVICES: dict[str, dict[str, object]] = {
    "phone-390x844": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop-1280x800": {"viewport": {"width": 1280, "height": 800}},
}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


@pytest.fixture(params=list(DEVICES))
def phone(request: pytest.FixtureRequest, browser: Browser, live_server: object) -> Iterator[Page]:
    """Bình's browser: her phone, or a desktop (each test runs on both)."""
    context = browser.new_context(
        base_url=str(live_server),
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        **DEVICES[request.param],  # type: ignore[arg-type]
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, errors


def _line(server: SmtpServer, index: int, label: str) -> str:
    text = server.messages[index].part("text/plain")
    match = re.search(rf"^{re.escape(label)}: (\S+)\r?$", text, re.M)
    assert match, f"no {label!r} line in email {index}: {text}"
    return match.group(1)


def _filed_and_approved_by_two(client: object, source: str) -> None:
    """At the counter (02/SĐ-GD by the clerk) or by her employer (TK1-TS, unit API); then the
    clerk and the approver approve the new address."""
    api = Api(client)  # type: ignore[arg-type]
    clerk = api.login("canbo1", STAFF_PASSWORD)["access_token"]
    if source == "counter":
        filed = api.post(
            "/staff/dossiers",
            {
                "form": "02/SĐ-GD",
                "bhxh_code": "0123456790",
                "changes": {"email": NEW_EMAIL},
                "identity_checked": True,
            },
            token=clerk,
        )
    else:
        filed = api.post(
            "/unit/dossiers",
            {"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"email": NEW_EMAIL}},
            headers={"X-API-Key": UNIT_KEY},
        )
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]
    for username in ("canbo1", "canbo2"):
        staff = api.login(username, STAFF_PASSWORD)["access_token"]
        decided = api.post(
            f"/staff/dossiers/{dossier_id}/decision",
            {"decisions": {"email": "approve"}},
            token=staff,
        )
        assert decided.status_code == 200, decided.content


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto(PORTAL_LOGIN)
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator('main form button[type="submit"]:not([data-captcha-refresh])').click()


@pytest.mark.parametrize("source", ["counter", "employer"])
def test_binh_goes_from_the_counter_or_her_employer_to_a_recovered_account(
    phone: Page, client, employees, unit_key, clerk, approver, smtp_server, source: str
):
    with smtp_server.settings():
        # She has no email: the recovery page tells her what will happen after the counter.
        phone.goto(PORTAL_LOGIN)
        phone.locator("#forgot-password").click()
        expect(phone.locator("#no-email")).to_contain_text(
            "hãy chọn “Quên mật khẩu” và nhập địa chỉ email đã đăng ký trong hồ sơ"
        )

        # At the counter (02/SĐ-GD) or from her employer (TK1-TS): her new address; two
        # staff approve.
        _filed_and_approved_by_two(client, source)
        assert [m.to for m in smtp_server.messages] == [[NEW_EMAIL]]  # the address's own code
        assert "Quên mật khẩu hoặc không đăng nhập được?" in smtp_server.messages[0].part(
            "text/plain"
        )

        # "Quên mật khẩu" with her CCCD and the address registered in the dossier.
        phone.goto(PORTAL_LOGIN)
        phone.locator("#forgot-password").click()
        phone.fill('input[name="username"]', "001192012346")
        phone.fill('input[name="email"]', NEW_EMAIL)
        phone.fill('input[name="captcha_1"]', captcha_answer(phone))
        phone.locator("#recovery-request button[type=submit]").click()
        expect(phone).to_have_url(re.compile(r"/quen-mat-khau/nhap-ma/$"))
        assert [m.to for m in smtp_server.messages] == [[NEW_EMAIL], [NEW_EMAIL]]
        code = _line(smtp_server, 1, "Mã OTP")

        phone.fill('input[name="otp"]', code)
        phone.check('input[name="choice"][value="email"]')
        phone.locator('#recovery-code button[value="verify"]').click()
        expect(phone.locator("#recovery-done")).to_have_attribute(
            "data-outcome", "credentials_emailed"
        )
        credentials = next(
            i
            for i, m in enumerate(smtp_server.messages)
            if "Mật khẩu tạm thời" in m.part("text/plain")
        )
        assert smtp_server.messages[credentials].to == [NEW_EMAIL]
        temporary = _line(smtp_server, credentials, "Mật khẩu tạm thời")

        _sign_in(phone, "0123456790", temporary)
        expect(phone).to_have_url(re.compile(re.escape(PORTAL_PASSWORD) + "$"))
        phone.fill('input[name="current_password"]', temporary)
        phone.fill('input[name="new_password"]', CHOSEN)
        phone.fill('input[name="new_password_again"]', CHOSEN)
        phone.locator("main form button[type=submit]").click()
        expect(phone).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))

        phone.context.clear_cookies()
        _sign_in(phone, "0123456790", CHOSEN)
        expect(phone).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))
        expect(phone.locator('[data-field="bhxh_code"]')).to_have_text("0123456790")

    from ansinh.people.models import Person

    binh = Person.objects.get(bhxh_code="0123456790")
    assert (binh.email, binh.email_verified, binh.pending_email) == (NEW_EMAIL, True, "")
    assert all(m.to == [NEW_EMAIL] for m in smtp_server.messages)
