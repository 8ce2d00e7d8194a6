"""A change request with a photo, as a person files it (issue 12): Chromium at phone size
(390×844) and desktop size (1280×800). An signs in (the CAPTCHA answered as the served image
shows it), opens "Hồ sơ của tôi" → "Đề nghị thay đổi thông tin", types a new address, picks
the receiving office, attaches a photo of his CCCD (a real PNG made here) and sends it; the
dossier's page lists the photo, and the photo it serves is the one he sent.

``ANSINH_SCREENSHOTS=/some/dir`` keeps screenshots of the form and of the dossier's page."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from PIL import Image
from playwright.sync_api import FilePayload, Page, ViewportSize, expect

from ansinh.dossiers.models import Dossier

from .pages import png, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
NEW_ADDRESS = "45 Phố Huế, Hai Bà Trưng, Hà Nội"


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        page.screenshot(path=str(Path(folder) / f"dossier-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_a_change_request_with_a_photo_is_filed_and_the_photo_is_on_the_dossier(
    page: Page, citizen, office, viewport: ViewportSize
):
    photo = png(480, 300)
    page.set_viewport_size(viewport)
    sign_in(page)
    dossiers = page.locator('header a[href="/ca-nhan/ho-so/"]')
    if not dossiers.is_visible():  # phones: the sections are in the "Menu"
        page.locator("header .menu > summary").click()
    dossiers.click()
    page.locator('main a[href="/ca-nhan/ho-so/moi/"]').click()
    expect(page).to_have_url(re.compile(r"/ca-nhan/ho-so/moi/$"))

    page.fill('input[name="address"]', NEW_ADDRESS)
    page.select_option('select[name="office"]', "01001")
    upload: FilePayload = {"name": "cccd-mat-truoc.png", "mimeType": "image/png", "buffer": photo}
    page.set_input_files('input[name="documents"]', files=[upload])
    shoot(page, "new")
    page.locator('#change-request button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/ca-nhan/ho-so/HS-[0-9A-Z-]+/$"))
    expect(page.locator(".messages")).to_be_visible()  # "Hồ sơ … đã được tiếp nhận"
    link = page.locator("#attachments a")
    expect(link).to_have_count(1)
    expect(link).to_have_text("cccd-mat-truoc.png")
    expect(page.locator("main")).to_contain_text(NEW_ADDRESS)
    shoot(page, "filed")

    href = link.get_attribute("href")
    assert href
    served = page.request.get(href)
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    assert served.body() == photo
    assert Image.open(io.BytesIO(served.body())).size == (480, 300)
    [dossier] = Dossier.objects.all()
    assert dossier.person == citizen.person and dossier.attachments.count() == 1
