"""The e-BHYT card's QR read from the screen as a clinic's scanner reads it (issue 12 §1b):
real Chromium at phone and desktop size, a screenshot, a real decoder (zxing-cpp), and the
decoded payload checked by ``POST /api/v1/cards/verify``. The citizen signs in as a person
does: the CAPTCHA answer is the one the served image shows, read from the test database."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from ansinh.cards.services import issue_card
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility

from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
CARD_PAGE = "/ca-nhan/the-bhyt/"


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    """The served app checks the CAPTCHA for real; the test reads the answer as a person reads
    the image (from the database behind it)."""
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


@pytest.fixture
def card(citizen):
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    today = timezone.localdate()
    return issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(today.year, 1, 1), valid_to=dt.date(today.year + 1, 12, 31),
        five_years_from=dt.date(2020, 1, 1), actor=Actor.command(),
    )  # fmt: skip


def decode_screen(page: Page) -> list[str]:
    """The QR codes a scanner finds in what the screen shows now (the viewport, not the
    whole page)."""
    png = page.screenshot(full_page=False)
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a person sees
        Path(os.environ["ANSINH_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        shot = Path(os.environ["ANSINH_SCREENSHOTS"]) / f"card-{width}.png"
        shot.write_bytes(png)
    image = Image.open(io.BytesIO(png))
    return [
        b.text
        for b in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ]


def verify(page: Page, payload: str) -> dict:
    response = page.request.post(
        "/api/v1/cards/verify",
        data=json.dumps({"qr": payload}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200, response.text()
    return dict(response.json())


def modules_of(page: Page, selector: str) -> tuple[int, float]:
    """The QR's size in modules (quiet zone included, from its viewBox) and the CSS pixels
    one module takes on the screen."""
    svg = page.locator(selector)
    view_box = svg.get_attribute("viewBox")
    assert view_box, "the QR is drawn without a viewBox: the browser cannot scale it to its box"
    modules = int(view_box.split()[2])
    box = svg.bounding_box()
    assert box is not None
    assert abs(box["width"] - box["height"]) < 1
    return modules, box["width"] / modules


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_the_card_qr_decodes_from_a_screenshot_and_verifies(page: Page, card, viewport):
    page.set_viewport_size(viewport)
    sign_in(page)
    page.goto(CARD_PAGE)
    qr = page.locator('[data-field="qr"] svg')
    qr.scroll_into_view_if_needed()
    expect(qr).to_be_in_viewport(ratio=1)

    decoded = decode_screen(page)
    assert len(decoded) == 1, decoded
    assert verify(page, decoded[0])["valid"] is True
    modules, px_per_module = modules_of(page, '[data-field="qr"] svg')
    assert px_per_module >= 4, (modules, px_per_module)
    # The app's door is unaffected: GET /me/card hands the app the very same payload.
    api = page.request.post(
        "/api/v1/auth/login",
        data=json.dumps({"username": "0123456789", "password": CITIZEN_PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    token = api.json()["access_token"]
    me_card = page.request.get("/api/v1/me/card", headers={"Authorization": f"Bearer {token}"})
    assert me_card.status == 200
    assert me_card.json()["qr"] == decoded[0]
    assert me_card.json()["card_code"] == "DN4010123456789"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_the_full_screen_qr_opens_from_the_keyboard_decodes_and_closes(page: Page, card, viewport):
    page.set_viewport_size(viewport)
    sign_in(page)
    page.goto(CARD_PAGE)
    enlarge = page.get_by_role("link", name="Phóng to mã QR")
    enlarge.focus()
    page.keyboard.press("Enter")

    qr = page.locator('[data-field="qr-full"] svg')
    expect(qr).to_be_in_viewport(ratio=1)
    expect(qr).to_have_attribute("role", "img")
    modules, px_per_module = modules_of(page, '[data-field="qr-full"] svg')
    # Larger than on the card page, and the whole code on one screen.
    assert px_per_module >= 4.2, (modules, px_per_module)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    decoded = decode_screen(page)
    assert len(decoded) == 1, decoded
    assert verify(page, decoded[0])["valid"] is True

    close = page.get_by_role("link", name="Đóng")
    close.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ca-nhan/the-bhyt/(#.*)?$"))
    expect(page.locator('[data-field="qr"] svg')).to_be_visible()


def test_the_full_screen_qr_works_without_javascript(browser, live_server, card):
    context = browser.new_context(
        base_url=str(live_server), locale="vi-VN", java_script_enabled=False, viewport=PHONE
    )
    try:
        page = context.new_page()
        sign_in(page)
        page.goto(CARD_PAGE)
        page.get_by_role("link", name="Phóng to mã QR").click()
        decoded = decode_screen(page)
        assert len(decoded) == 1, decoded
        page.get_by_role("link", name="Đóng").click()
        expect(page.locator('[data-field="card_code"]')).to_have_text("DN4010123456789")
    finally:
        context.close()


def test_the_card_page_is_no_wider_than_a_360_px_phone(page: Page, card):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page)
    for path in (CARD_PAGE, CARD_PAGE + "ma-qr/"):
        page.goto(path)
        expect(page.locator("svg").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
