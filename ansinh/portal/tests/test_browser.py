"""The portal in a real browser (Debian Chromium through Playwright, against ``live_server``):
"Đăng nhập" → "Cá nhân" → BHXH code, password, "Mã kiểm tra" → the masked profile.

Selectors are URLs, form field names, ids and ``data-field`` attributes, never wording, so
the tests hold in Vietnamese and in English. At phone size (390×844) and desktop size
(1280×800). The CAPTCHA is checked for real: the answer typed is the one the served image
shows, read from the test database as a person reads the image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from ansinh.conftest import CITIZEN_PASSWORD

from .helpers import PORTAL_HOME, PORTAL_LOGIN
from .pages import captcha_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
SIZES = pytest.mark.parametrize(
    "viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"]
)


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def _open_login(page: Page) -> None:
    page.goto("/")
    # "Đăng nhập": the call to action on the start page.
    page.locator(f'main a[href="{PORTAL_LOGIN}"]').click()
    expect(page).to_have_url(re.compile(re.escape(PORTAL_LOGIN) + "$"))
    # "Cá nhân": the individual tab is the current one.
    expect(page.locator('a.tab[aria-current="page"]')).to_have_attribute("href", PORTAL_LOGIN)
    # "Mã kiểm tra": a real image, served and decoded.
    expect(page.locator('img[src^="/captcha/image/"]')).to_be_visible()
    page.wait_for_function(
        """() => {
            const img = document.querySelector('img[src^="/captcha/image/"]');
            return img !== null && img.complete && img.naturalWidth > 0;
        }"""
    )


def _submit_login(page: Page, username: str, password: str) -> None:
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.locator('main form button[type="submit"]:not([data-captcha-refresh])').click()


@SIZES
def test_citizen_signs_in_in_the_browser_and_sees_only_the_masked_profile(
    page: Page, citizen, viewport: ViewportSize
):
    page.set_viewport_size(viewport)
    _open_login(page)

    _submit_login(page, "0123456789", CITIZEN_PASSWORD)

    expect(page).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))
    expect(page.locator('[data-field="bhxh_code"]')).to_have_text("0123456789")
    expect(page.locator('[data-field="cccd"]')).to_have_text("001******345")
    expect(page.locator('[data-field="phone"]')).to_have_text("091****678")
    expect(page.locator('[data-field="email"]')).to_have_text("a********@example.com")
    html = page.content()
    for secret in ("001090012345", "0912345678", "an.nguyen@example.com", "an.nguyen"):
        assert secret not in html
    # The session is a real, HttpOnly cookie: scripts on the page cannot read it.
    [session] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert session["httpOnly"] is True
    assert "sessionid" not in page.evaluate("document.cookie")
    citizen.refresh_from_db()
    assert citizen.last_login is not None


@SIZES
def test_wrong_password_in_the_browser_shows_an_error_and_stays_on_the_login_page(
    page: Page, citizen, viewport: ViewportSize
):
    page.set_viewport_size(viewport)
    _open_login(page)

    _submit_login(page, "0123456789", "Khong-Phai-Mat-Khau-2026")

    alert = page.locator('#errors[role="alert"]')
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    expect(page).to_have_url(re.compile(re.escape(PORTAL_LOGIN) + "$"))
    # The form is offered again: the identifier kept, the password and the CAPTCHA answer not.
    expect(page.locator('input[name="username"]')).to_have_value("0123456789")
    expect(page.locator('input[name="password"]')).to_have_value("")
    expect(page.locator('input[name="captcha_1"]')).to_have_value("")
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    # Not signed in: the profile sends the browser back to the login page.
    page.goto(PORTAL_HOME)
    expect(page).to_have_url(re.compile(re.escape(PORTAL_LOGIN) + r"\?next="))
    expect(page.locator('[data-field="cccd"]')).to_have_count(0)
    citizen.refresh_from_db()
    assert (citizen.failed_logins, citizen.last_login) == (1, None)
