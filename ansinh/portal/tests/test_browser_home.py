"""The home page starts the nine tasks (issue 12 §2), in real Chromium at phone (390×844) and
desktop (1280×800) size: each link lands on a working page, a demo card is checked from the
public page (the "Mã kiểm tra" answered as a person reads it, from the test database behind the
image), and an office is found by province. No task page scrolls sideways at 360 px.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a full-page screenshot of every step."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
TASKS = [
    ("login", "/dang-nhap/", "Đăng nhập"),
    ("register", "/dang-ky/", "Đăng ký"),
    ("recovery", "/quen-mat-khau/", "Quên mật khẩu"),
    ("no-email", "/khong-co-email/", "Tôi không có email"),
    ("card-check", "/tra-cuu-the-bhyt/", "Tra cứu thẻ BHYT"),
    ("calculators", "/may-tinh-bhxh/", "Tính mức đóng bảo hiểm"),
    ("certificate-check", "/kiem-tra-giay-chung-nhan/", "Kiểm tra giấy chứng nhận tham gia"),
    ("offices", "/co-quan-bhxh/", "Tìm cơ quan BHXH"),
    ("app", "/ung-dung/", "Ứng dụng An Sinh"),
]
SUBMIT = 'main form button[type="submit"]:not([data-captcha-refresh])'


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


@pytest.fixture
def demo() -> None:
    """The demo registry (offices with their addresses, An's card DN4010123456789)."""
    from django.apps import apps

    from ansinh.ops.demo import load_demo_data

    importlib.import_module("ansinh.contributions.migrations.0002_reference_data").load(apps, None)
    load_demo_data(synthetic=0)


def shoot(page: Page, name: str) -> None:
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a person sees
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        page.screenshot(path=str(folder / f"home-{name}-{width}.png"), full_page=True)


def scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def answer_captcha(page: Page) -> None:
    key = page.locator('input[name="captcha_0"]').input_value()
    page.fill('input[name="captcha_1"]', CaptchaStore.objects.get(hashkey=key).response)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_home_page_starts_every_task_and_each_lands_on_a_working_page(page: Page, demo, size):
    page.set_viewport_size(size)
    page.goto("/")
    shoot(page, "index")
    tasks = page.locator("main a.task")
    expect(tasks).to_have_count(len(TASKS))
    for task, path, heading in TASKS:
        page.goto("/")
        link = page.locator(f'main a.task[data-task="{task}"]')
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44, f"{task}: too small to tap"
        with page.expect_navigation() as navigation:
            link.click()
        response = navigation.value
        assert response is not None and response.status == 200, task
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.locator("main h1")).to_contain_text(heading)
        shoot(page, task)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_demo_card_is_checked_from_the_public_page(page: Page, demo, size):
    page.set_viewport_size(size)
    page.goto("/")
    page.locator('main a.task[data-task="card-check"]').click()
    page.fill('input[name="number"]', "DN4 01 0123456789")
    page.fill('input[name="full_name"]', "Nguyễn Văn An")
    page.fill('input[name="date_of_birth"]', "17/05/1990")
    answer_captcha(page)
    page.locator(SUBMIT).click()

    result = page.locator("#check-result")
    expect(result).to_have_attribute("data-status", "valid")
    expect(result).to_contain_text("Thẻ còn giá trị sử dụng")
    expect(result).to_contain_text("DN4010123456789")
    expect(result).to_contain_text("Bệnh viện Bạch Mai")
    shoot(page, "card-valid")

    # The form is empty for the next card. A name without its diacritics is "not found", and
    # what was typed stays, to be corrected.
    expect(page.locator('input[name="number"]')).to_have_value("")
    page.fill('input[name="number"]', "DN4 01 0123456789")
    page.fill('input[name="full_name"]', "Nguyen Van An")
    page.fill('input[name="date_of_birth"]', "17/05/1990")
    answer_captcha(page)
    page.locator(SUBMIT).click()
    expect(result).to_have_attribute("data-status", "not_found")
    expect(result).not_to_contain_text("Bạch Mai")
    expect(page.locator('input[name="number"]')).to_have_value("DN4 01 0123456789")
    shoot(page, "card-not-found")


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_office_is_found_by_province(page: Page, demo, size):
    page.set_viewport_size(size)
    page.goto("/")
    page.locator('main a.task[data-task="offices"]').click()
    expect(page.locator("li.office")).to_have_count(6)
    page.select_option('select[name="tinh"]', label="Đà Nẵng")
    page.locator('main form button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/co-quan-bhxh/\?tinh=48"))
    offices = page.locator("li.office")
    expect(offices).to_have_count(1)
    expect(offices).to_contain_text("BHXH quận Hải Châu")
    expect(offices.locator('a[href^="tel:"]')).to_have_attribute("href", "tel:02363824680")
    expect(offices).to_contain_text("Thứ Bảy: 07:30–11:00")
    shoot(page, "offices-48")

    page.fill('input[name="q"]', "hai chau")
    page.select_option('select[name="tinh"]', value="")
    page.locator('main form button[type="submit"]').click()
    expect(page.locator("li.office")).to_have_count(1)


def test_no_task_page_scrolls_sideways_at_360_px(page: Page, demo):
    page.set_viewport_size(SMALL_PHONE)
    too_wide = []
    for path in ["/", *(path for _task, path, _heading in TASKS), "/co-quan-bhxh/?tinh=01",
                 "/tra-cuu-the-bhyt/?cach=qr", "/quen-mat-khau/mau-02-sd-gd/"]:  # fmt: skip
        page.goto(path)
        if scrolls_sideways(page):
            too_wide.append(path)
    page.goto("/")
    page.locator("summary").click()  # the header's menu, open
    shoot(page, "menu-open")
    if scrolls_sideways(page):
        too_wide.append("/ (menu open)")
    assert too_wide == []
