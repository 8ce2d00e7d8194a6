"""The error pages at phone size in Chromium (issue 12 §2): readable, nothing wider than the
screen, the way home and the hotline visible."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from ansinh.portal.tests.browser import browser, page

__all__ = ["browser", "page"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_phone(page: Page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: {width}px wide"
    expect(page.get_by_role("link", name="Về trang chủ")).to_be_visible()
    expect(page.get_by_text("1900 9068").first).to_be_visible()
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_the_404_and_session_expired_pages_fit_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto("/khong-co-trang-nay/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy trang")).to_be_visible()
    _fits_the_phone(page, "404")

    page.goto("/dang-nhap/")
    page.context.clear_cookies()  # the session and its form token are gone
    page.fill('input[name="username"]', "0123456789")
    page.fill('input[name="password"]', "mat-khau-bat-ky")
    page.locator("main form button[type=submit]").first.click()
    heading = page.get_by_role("heading", name="Phiên làm việc đã hết hạn, vui lòng thử lại")
    expect(heading).to_be_visible()
    _fits_the_phone(page, "csrf")
    page.get_by_role("link", name="Quay lại biểu mẫu").click()
    expect(page.locator('input[name="username"]')).to_be_visible()
