"""Phone-first layout of the citizen pages (issue 12 §2), in real Chromium: no portal page
scrolls sideways at 360×740 or 390×844 (every page: the walk of ``pages.py``, derived from the
portal's routes), and the header (a compact bar with a "Menu" button on phones) takes at most
~15 % of a 390×844 screen. The citizen signs in as a person does: the CAPTCHA answer is the one
the served image shows, read from the test database.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a full-page screenshot of every page visited."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from .pages import NOT_PAGES, Demo, Step, portal_routes, sign_in, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def shoot(page: Page, name: str) -> None:
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a person sees
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "index"
        page.screenshot(path=str(folder / f"layout-{slug}-{width}.png"), full_page=True)


def header_height(page: Page) -> float:
    box = page.locator("header.site-header").bounding_box()
    assert box is not None
    return box["height"]


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_no_portal_page_scrolls_sideways_at_360_or_390_px(page: Page, demo: Demo):
    too_wide: dict[str, dict[int, int]] = {}

    def check(page: Page, step: Step) -> None:
        for viewport in (SMALL_PHONE, PHONE):
            page.set_viewport_size(viewport)
            shoot(page, step.label)
            if page_width(page) > viewport["width"]:
                too_wide.setdefault(f"{step.label} ({page.url})", {})[viewport["width"]] = (
                    page_width(page)
                )

    page.set_viewport_size(SMALL_PHONE)
    checked = walk(page, demo, check)

    assert too_wide == {}, f"pages wider than the screen ({{screen: page}} in px): {too_wide}"
    assert set(portal_routes()) - checked - set(NOT_PAGES) == set()


def test_the_header_takes_at_most_15_percent_of_a_phone_screen(page: Page, demo: Demo):
    page.set_viewport_size(PHONE)
    page.goto("/dang-nhap/")
    limit = PHONE["height"] * 0.15
    assert header_height(page) <= limit
    sign_in(page)
    for path in ["/ca-nhan/", "/ca-nhan/qua-trinh-tham-gia/"]:
        page.goto(path)
        height = header_height(page)
        assert height <= limit, f"{path}: the header is {height} px of {PHONE['height']}"


def test_the_phone_menu_opens_from_the_keyboard_and_leads_to_every_section(page: Page, demo: Demo):
    page.set_viewport_size(PHONE)
    sign_in(page)
    link = page.locator('header a[href="/ca-nhan/qua-trinh-tham-gia/"]')
    expect(link).to_be_hidden()
    menu = page.locator("header .menu > summary")
    menu.focus()
    page.keyboard.press("Enter")
    expect(link).to_be_visible()
    shoot(page, "menu-open")
    link.click()
    expect(page).to_have_url(re.compile(r"/ca-nhan/qua-trinh-tham-gia/$"))


def test_participation_is_one_card_per_period_on_phones_with_months_as_mm_yyyy(
    page: Page, demo: Demo
):
    from ansinh.contributions.months import add_months, month_of

    page.set_viewport_size(PHONE)
    sign_in(page)
    page.goto("/ca-nhan/qua-trinh-tham-gia/")
    rows = page.locator('table[data-table="periods"] tbody tr')
    # Two periods, then the previous and current month within their payment period.
    expect(rows).to_have_count(3)
    head = page.locator('table[data-table="periods"] thead').bounding_box()
    assert head is not None and head["height"] <= 1  # visually hidden, still read out
    first = rows.nth(0).bounding_box()
    second = rows.nth(1).bounding_box()
    assert first is not None and second is not None
    assert first["width"] <= PHONE["width"] and second["y"] >= first["y"] + first["height"]
    start = add_months(month_of(timezone.localdate()), -30)
    expect(rows.nth(0)).to_contain_text(f"{start.month:02d}/{start.year}")
    expect(page.locator('[data-field="total_months"]')).to_contain_text("2 năm 7 tháng")
    # The label of each value is shown beside it on the card.
    expect(rows.nth(0).locator("td").nth(4)).to_have_attribute("data-label", "Mức lương (đồng)")
