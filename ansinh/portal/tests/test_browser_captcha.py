"""Issue 12 c in Chromium at phone size (390×844): the "Mã kiểm tra" has a labelled audio
control and a labelled "Đổi mã khác" button, both reachable with the keyboard; the button
changes the image (with JavaScript, and without it keeping what was typed); the person signs
in with the answer read from the test database, as a person reads the image."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ansinh.conftest import CITIZEN_PASSWORD

from .helpers import PORTAL_HOME, PORTAL_LOGIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def _shot(page: Page, name: str) -> None:
    """A screenshot to look at, when ``SCREENSHOTS`` names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _image_loaded(page: Page) -> None:
    page.wait_for_function(
        """() => {
            const img = document.querySelector('img[src^="/captcha/image/"]');
            return img !== null && img.complete && img.naturalWidth > 0;
        }"""
    )


def _answer(page: Page) -> str:
    key = page.locator('input[name="captcha_0"]').input_value()
    return CaptchaStore.objects.get(hashkey=key).response


def test_the_captcha_has_labelled_audio_and_another_code_reachable_by_keyboard(page: Page, citizen):
    page.set_viewport_size(PHONE)
    page.goto(PORTAL_LOGIN)
    _image_loaded(page)
    _shot(page, "captcha-login-390.png")

    image = page.locator("img.captcha-image")
    assert image.get_attribute("alt")
    audio = page.get_by_role("button", name="Đổi mã khác")
    expect(audio).to_be_visible()
    player = page.locator("audio[data-captcha-audio]")
    expect(player).to_have_attribute("aria-label", "Nghe đọc mã kiểm tra")
    expect(player).to_have_attribute("controls", "")
    src = player.get_attribute("src")
    assert src and re.fullmatch(r"/captcha/audio/[0-9a-f]+\.wav", src)
    # The player's file is really there and spoken (the same request the player makes).
    spoken = page.request.get(src)
    assert spoken.status == 200 and spoken.headers["content-type"] == "audio/wav"
    # Chromium loads and decodes it in the page (the Content-Security-Policy lets it): seconds long.
    page.evaluate("document.querySelector('audio[data-captcha-audio]').load()")
    page.wait_for_function(
        "() => document.querySelector('audio[data-captcha-audio]').duration > 5", timeout=10_000
    )
    # The code is never in the page's text or attributes.
    assert _answer(page) not in page.content()

    # Keyboard: from the password field, Tab reaches the player and "Đổi mã khác".
    page.locator('input[name="password"]').focus()
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(e => e.tagName + ' ' + Object.keys(e.dataset).join(' '))(document.activeElement)"
            )
        )
    assert any(r.startswith("AUDIO") for r in reached), reached
    assert any("captchaRefresh" in r for r in reached), reached

    # "Đổi mã khác" with the keyboard: a new key, a new image, a new audio, the answer emptied.
    old_key = page.locator('input[name="captcha_0"]').input_value()
    old_src = image.get_attribute("src")
    page.locator('input[name="captcha_1"]').fill("999")
    page.get_by_role("button", name="Đổi mã khác").focus()
    page.keyboard.press("Enter")
    expect(page.locator('input[name="captcha_0"]')).not_to_have_value(old_key)
    expect(image).not_to_have_attribute("src", old_src or "")
    _image_loaded(page)
    new_key = page.locator('input[name="captcha_0"]').input_value()
    assert image.get_attribute("src") == f"/captcha/image/{new_key}/"
    assert player.get_attribute("src") == f"/captcha/audio/{new_key}.wav"
    expect(page.locator('input[name="captcha_1"]')).to_have_value("")
    expect(page.locator("[data-captcha-status]")).not_to_be_empty()
    _shot(page, "captcha-login-390-refreshed.png")

    # The new code signs in, typed as read; Enter in the answer box sends the form.
    page.fill('input[name="username"]', "0123456789")
    page.fill('input[name="password"]', CITIZEN_PASSWORD)
    page.fill('input[name="captcha_1"]', _answer(page))
    page.locator('input[name="captcha_1"]').press("Enter")
    expect(page).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))


def test_another_code_without_javascript_keeps_what_was_typed_and_enter_still_signs_in(
    browser: Browser, live_server, citizen
):
    context = browser.new_context(
        base_url=str(live_server), locale="vi-VN", java_script_enabled=False, viewport=PHONE
    )
    try:
        page = context.new_page()
        page.goto(PORTAL_LOGIN)
        old_key = page.locator('input[name="captcha_0"]').input_value()
        page.fill('input[name="username"]', "0123456789")
        page.fill('input[name="password"]', CITIZEN_PASSWORD)

        page.get_by_role("button", name="Đổi mã khác").click()

        expect(page.locator('input[name="captcha_0"]')).not_to_have_value(old_key)
        expect(page.locator('input[name="username"]')).to_have_value("0123456789")
        expect(page.locator('input[name="password"]')).to_have_value("")
        expect(page.locator('[role="alert"]')).to_have_count(0)
        _shot(page, "captcha-login-390-nojs-refreshed.png")

        # Enter in a field sends the form (not "Đổi mã khác", which comes first in the form).
        page.fill('input[name="password"]', CITIZEN_PASSWORD)
        page.fill('input[name="captcha_1"]', _answer(page))
        page.locator('input[name="captcha_1"]').press("Enter")
        expect(page).to_have_url(re.compile(re.escape(PORTAL_HOME) + "$"))
    finally:
        context.close()
