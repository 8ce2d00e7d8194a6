"""The unread badge on "Thông báo" in real Chromium at phone size (issue 12 §2): a phone user
sees the count on the closed "Menu" button without opening it, the menu's link says
"Thông báo, 3 chưa đọc" to a screen reader, and opening the notices clears it. The citizen
signs in as a person does (the CAPTCHA answer the served image shows, read from the test
database). ``ANSINH_SCREENSHOTS=/some/dir`` keeps what the person saw."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from ansinh.notifications.services import notify

from .test_browser_layout import PHONE, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def test_a_phone_user_sees_the_unread_count_on_the_closed_menu_and_reads_it_away(
    page: Page, citizen
):
    for title in ("Hồ sơ HS-2026-AAAAAAAA đã được tiếp nhận.", "Hồ sơ đã được duyệt.", "Mã OTP"):
        notify(user=citizen, kind="test", title=title, link="/ca-nhan/ho-so/")
    page.set_viewport_size(PHONE)
    sign_in(page)

    menu = page.locator("details.menu > summary")
    badge = menu.locator('[data-role="menu-unread"]')
    expect(badge).to_be_visible()  # on the closed menu button, without opening it
    expect(badge).to_have_text("3")
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"]
    expect(menu).to_have_accessible_name("Menu, 3 thông báo chưa đọc")
    shoot(page, "badge-closed-menu")

    menu.click()
    link = page.get_by_role("link", name="Thông báo, 3 chưa đọc", exact=True)
    expect(link).to_be_visible()
    expect(link.locator('[data-role="unread"]')).to_have_text("3")
    shoot(page, "badge-open-menu")

    link.click()
    expect(page).to_have_url("/ca-nhan/thong-bao/")
    expect(page.locator('#notices [data-role="new"]')).to_have_count(3)
    expect(page.locator(".badge")).to_have_count(0)  # read: the badge is gone at once
    shoot(page, "badge-notices-opened")

    page.goto("/ca-nhan/")
    expect(page.locator("details.menu > summary .badge")).to_have_count(0)
    page.locator("details.menu > summary").click()
    expect(page.get_by_role("link", name="Thông báo", exact=True)).to_be_visible()


def test_on_a_wide_screen_the_count_is_on_the_nav_link(page: Page, citizen):
    notify(user=citizen, kind="test", title="Hồ sơ đã được duyệt.")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page)

    link = page.get_by_role("link", name="Thông báo, 1 chưa đọc", exact=True)
    expect(link).to_be_visible()
    shoot(page, "badge-wide")
