"""The online registration (01/ĐK-GD) as a person meets it, in real Chromium: on a phone
(390×844) Phạm Thị Lan types her details, takes the three photos (CCCD front, back, a
portrait), solves the "Mã kiểm tra" (its answer read from the test database, as she reads the
image) and confirms the code from a real SMTP server; in the back office (1280×800) two staff
members each see the fields against the registry (✓/✗, in words) and the photos, and approve;
the temporary password arrives by email and signs her in.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a screenshot of every step. Selectors are URLs, names,
ids and data attributes."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test import override_settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    ViewportSize,
    expect,
)

from ansinh.conftest import STAFF_PASSWORD
from ansinh.notifications.tests.smtp_server import SmtpServer, smtp_server
from ansinh.people.models import Person, Sex
from ansinh.portal.tests.browser import TIMEOUT_MS

__all__ = ["smtp_server"]
pytestmark = [pytest.mark.browser, pytest.mark.smtp, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
EMAIL = "lan.pham@example.org"
SUBMIT = 'main form button[type="submit"]:not([data-captcha-refresh])'


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


@pytest.fixture
def lan(office) -> Person:
    return Person.objects.create(
        bhxh_code="0123450001",
        cccd="001195000111",
        full_name="Phạm Thị Lan",
        date_of_birth=dt.date(1995, 7, 1),
        sex=Sex.FEMALE,
        province_code="01",
    )


def _picture(label: str, size: tuple[int, int], fmt: str) -> FilePayload:
    """A photo as the camera hands it to the page: a small card or face, drawn by Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "#e8f0f8" if label != "portrait" else "#f5efe6")
    draw = ImageDraw.Draw(image)
    if label == "portrait":
        w, h = size
        draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.6), fill="#d9a77c", outline="#5b3a29")
        draw.rectangle((w * 0.15, h * 0.65, w * 0.85, h), fill="#0b5394")
    else:
        draw.rectangle((6, 6, size[0] - 7, size[1] - 7), outline="#0b5394", width=6)
        draw.text((24, 24), f"CCCD {label.upper()}", fill="#b42318")
        draw.text((24, 60), "001195000111  PHAM THI LAN  01/07/1995", fill="#1f2933")
    out = BytesIO()
    image.save(out, format=fmt)
    mime = "image/jpeg" if fmt == "JPEG" else "image/png"
    return {"name": f"{label}.{fmt.lower()}", "mimeType": mime, "buffer": out.getvalue()}


PHOTOS = {
    "cccd_front": _picture("front", (480, 300), "JPEG"),
    "cccd_back": _picture("back", (480, 300), "JPEG"),
    "portrait": _picture("portrait", (240, 320), "PNG"),
}


def _shoot(page: Page, name: str) -> None:
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a person sees
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        page.screenshot(path=str(folder / f"registration-{name}-{width}.png"), full_page=True)


PROBLEMS: list[str] = []  # answers >= 500 and script errors, on any page of the journey


def _context(browser: Browser, live_server, viewport: ViewportSize, **extra) -> BrowserContext:
    context = browser.new_context(
        base_url=str(live_server),
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=viewport,
        **extra,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.on(
        "response",
        lambda r: PROBLEMS.append(f"{r.status} {r.url}") if r.status >= 500 else None,
    )
    context.on("page", lambda p: p.on("pageerror", lambda e: PROBLEMS.append(str(e))))
    return context


def _captcha(page: Page) -> None:
    key = page.locator('input[name="captcha_0"]').input_value()
    page.fill('input[name="captcha_1"]', CaptchaStore.objects.get(hashkey=key).response)


def _line(server: SmtpServer, to: str, label: str) -> str:
    for message in reversed(server.messages):
        if to in message.to:
            found = re.search(rf"^{re.escape(label)}: (\S+)\r?$", message.part("text/plain"), re.M)
            if found:
                return found.group(1)
    raise AssertionError(f"no {label!r} line in the mail to {to}")


def _staff_decides(context: BrowserContext, username: str, dossier_id: str, shot: str) -> Page:
    page = context.new_page()
    page.goto("/backoffice/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    _captcha(page)
    page.locator(SUBMIT).click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    # The test server shares one in-memory SQLite connection between its threads, so the
    # page's three parallel photo requests can collide there ("cannot start a transaction within
    # a transaction"); on SQLite the browser leaves them and each is fetched one at a time below.
    parallel = connection.vendor != "sqlite"
    if not parallel:
        page.route("**/attachments/**", lambda route: route.abort())
    page.goto("/backoffice/dossiers/")
    page.locator(f'#queue a[href="/backoffice/dossiers/{dossier_id}/"]').click()

    checks = page.locator("#registry-checks")
    results = checks.locator("tbody tr[data-result]").evaluate_all(
        "rows => rows.map(r => [r.dataset.field, r.dataset.result])"
    )
    assert dict(results) == {
        "identifier": "match",
        "full_name": "match",
        "date_of_birth": "match",
        "phone": "none",  # no phone on record
        "cccd": "none",  # a BHXH code was typed
    }
    expect(checks.locator('tr[data-field="full_name"] [data-role="result"]')).to_have_text("✓ khớp")
    photos = page.locator("#registration-photos img")
    expect(photos).to_have_count(3)
    for i in range(3):
        photos.nth(i).scroll_into_view_if_needed()
        if parallel:  # loaded (an image that failed never gets a natural width)
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=photos.nth(i).element_handle()
            )
        else:
            served = page.request.get(str(photos.nth(i).get_attribute("src")))
            assert served.ok and served.headers["content-type"].startswith("image/"), i
    expect(page.locator("#registry-photo-none")).to_be_visible()
    _shoot(page, shot)

    for field in ("email", "phone"):
        page.locator(f'input[name="decision_{field}"][value="approve"]').check()
    page.locator("#decide").click()
    return page


def test_register_with_photos_on_a_phone_then_two_staff_approve_and_the_password_arrives(
    browser: Browser, live_server, lan, clerk, approver, smtp_server
):
    PROBLEMS.clear()
    with smtp_server.settings():
        phone = _context(browser, live_server, PHONE, is_mobile=True, has_touch=True)
        try:
            page = phone.new_page()
            page.goto("/dang-nhap/")
            page.locator('main a[href="/dang-ky/"]').first.click()
            expect(page).to_have_url(re.compile(r"/dang-ky/$"))
            for name, capture in (
                ("cccd_front", "environment"),
                ("cccd_back", "environment"),
                ("portrait", "user"),
            ):
                photo_input = page.locator(f'input[name="{name}"]')
                expect(photo_input).to_have_attribute("accept", "image/*")
                expect(photo_input).to_have_attribute("capture", capture)

            page.fill('input[name="identifier"]', "0123 450 001")
            page.fill('input[name="full_name"]', "Phạm Thị Lan")
            page.fill('input[name="date_of_birth"]', "1995-07-01")
            page.fill('input[name="phone"]', "0912 000 111")
            page.fill('input[name="email"]', EMAIL)
            page.select_option('select[name="office"]', "01001")
            # First without the portrait: she is told which photo is missing.
            page.set_input_files('input[name="cccd_front"]', files=[PHOTOS["cccd_front"]])
            page.set_input_files('input[name="cccd_back"]', files=[PHOTOS["cccd_back"]])
            _captcha(page)
            _shoot(page, "filled")
            page.locator(SUBMIT).click()

            errors = page.locator("#errors")
            expect(errors).to_contain_text("Vui lòng thêm ảnh chân dung")
            expect(page.locator("#photos-again")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            _shoot(page, "missing-portrait")
            assert smtp_server.messages == []

            for name, picture in PHOTOS.items():
                page.set_input_files(f'input[name="{name}"]', files=[picture])
            _captcha(page)
            page.locator(SUBMIT).click()

            expect(page).to_have_url(re.compile(r"/dang-ky/nhap-ma/$"))
            assert [m.to for m in smtp_server.messages] == [[EMAIL]]
            page.fill('input[name="code"]', _line(smtp_server, EMAIL, "Mã OTP"))
            _shoot(page, "code")
            page.locator("#registration-code button[type=submit]").click()

            done = page.locator("#registration-done")
            expect(done).to_be_visible()
            dossier_id = done.get_attribute("data-dossier")
            assert dossier_id
            _shoot(page, "done")
        finally:
            phone.close()

        # Four eyes: a clerk and an approver, each in a browser of their own.
        for username, shot, status in (
            ("canbo1", "review", "awaiting_second_approval"),
            ("canbo2", "review-second", "approved"),
        ):
            desk = _context(browser, live_server, DESKTOP)
            try:
                staff = _staff_decides(desk, username, dossier_id, shot)
                expect(staff.locator("#dossier")).to_have_attribute("data-status", status)
            finally:
                desk.close()

        temporary = _line(smtp_server, EMAIL, "Mật khẩu tạm thời")
        assert _line(smtp_server, EMAIL, "Mã số BHXH") == "0123450001"

        # The temporary password signs her in, straight to choosing her own.
        phone = _context(browser, live_server, PHONE, is_mobile=True, has_touch=True)
        try:
            page = phone.new_page()
            page.goto("/dang-nhap/")
            page.fill('input[name="username"]', "0123450001")
            page.fill('input[name="password"]', temporary)
            _captcha(page)
            page.locator(SUBMIT).click()
            expect(page).to_have_url(re.compile(r"/ca-nhan/doi-mat-khau/$"))
            _shoot(page, "first-sign-in")
        finally:
            phone.close()
    assert PROBLEMS == []
