"""Steps of the forms' browser tests (issue 12 §2 "Forms"), as a person takes them on a phone
(390×844): the CAPTCHA answered with the code the served image shows (read from the test
database, as a person reads the picture: the served app has no test switch for it), emails
read from the real SMTP server fixture, a screenshot of what they saw when
``ANSINH_SCREENSHOTS=/some/dir`` is set.

Import the fixtures into a test module (``phone``, ``phone_without_js``, ``real_captcha``)::

    from .browser_steps import phone, real_captcha
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ansinh.accounts.models import User
from ansinh.conftest import run_on_commit
from ansinh.dossiers import services
from ansinh.dossiers.models import Dossier
from ansinh.dossiers.tests.helpers import PNG
from ansinh.dossiers.uploads import check_files
from ansinh.lib.actor import Actor, Channel
from ansinh.notifications.tests.smtp_server import SmtpServer
from ansinh.people.models import Office

from .browser import TIMEOUT_MS

PHONE: ViewportSize = {"width": 390, "height": 844}
SUBMIT = 'main form button[type="submit"]:not([data-captcha-refresh])'


@pytest.fixture
def real_captcha() -> Iterator[None]:
    """The "Mã kiểm tra" as served: only the code its image shows passes."""
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def _phone(browser: Browser, live_server: object, *, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(
        base_url=str(live_server),
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
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
    assert not errors, f"server or script errors: {errors}"


@pytest.fixture
def phone(browser: Browser, live_server: object) -> Iterator[Page]:
    """A phone (390×844, touch) in Viet Nam; a 5xx answer or a script error fails the test."""
    yield from _phone(browser, live_server, javascript=True)


@pytest.fixture
def phone_without_js(browser: Browser, live_server: object) -> Iterator[Page]:
    """The same phone with JavaScript switched off: every form must still work."""
    yield from _phone(browser, live_server, javascript=False)


def answer_captcha(page: Page) -> None:
    """Type the code the CAPTCHA image on the page shows."""
    key = page.locator('input[name="captcha_0"]').input_value()
    page.fill('input[name="captcha_1"]', CaptchaStore.objects.get(hashkey=key).response)


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/dang-nhap/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    answer_captcha(page)
    page.locator(SUBMIT).click()


def staff_sign_in(page: Page, username: str) -> None:
    """Sign a member of staff in to the back office (the suite's CAPTCHA test mode accepts
    "PASSED"); ends on the back office's home page."""
    from ansinh.conftest import STAFF_PASSWORD

    page.goto("/backoffice/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.fill('input[name="captcha_1"]', "PASSED")
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def email_line(server: SmtpServer, index: int, label: str) -> str:
    """The value after ``label: `` in the text part of the ``index``-th email received."""
    text = server.messages[index].part("text/plain")
    match = re.search(rf"^{re.escape(label)}: (\S+)\r?$", text, re.M)
    assert match, f"no {label!r} line in email {index}: {text}"
    return match.group(1)


def file_change_request(citizen: User, office: Office, changes: dict[str, str]) -> Dossier:
    """The citizen's own change request with one document, filed as the portal files it."""
    upload = SimpleUploadedFile("cccd.png", PNG, content_type="image/png")
    with run_on_commit():
        return services.submit_change_request(
            actor=Actor(channel=Channel.PORTAL, user=citizen),
            changes=changes,
            office=office,
            files=check_files([upload], required=True),
            note="",
        )


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot ``name-<width>.png`` into ``$ANSINH_SCREENSHOTS``, if set."""
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = (page.viewport_size or {"width": 0})["width"]
    page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


def focused_id(page: Page) -> str:
    """The id of the element that has the keyboard focus."""
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


__all__ = [
    "PHONE",
    "SUBMIT",
    "answer_captcha",
    "email_line",
    "file_change_request",
    "focused_id",
    "phone",
    "phone_without_js",
    "real_captcha",
    "shoot",
    "sign_in",
]
