"""The app as a phone meets it (issue 13): installable (manifest, icons, a service worker that
controls /app/ and nothing else), signing in with spaces in the BHXH code, the tokens out of
the page's reach, and every screen within a 360 px wide phone."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from ansinh.conftest import CITIZEN_PASSWORD

from .browser import (
    APP,
    issue_demo_card,
    new_phone,
    no_sideways_scroll,
    open_app,
    shot,
    sign_in,
    stored,
    worker_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manifest_and_the_service_worker_make_the_app_installable(phone: Page, citizen):
    open_app(phone)

    manifest_url = phone.locator('link[rel="manifest"]').get_attribute("href")
    assert manifest_url
    manifest = phone.request.get(manifest_url)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    document = manifest.json()
    assert document["name"] == "An Sinh"
    assert document["short_name"]
    assert (document["start_url"], document["scope"], document["display"]) == (
        APP,
        APP,
        "standalone",
    )
    assert re.fullmatch(r"#[0-9a-f]{6}", document["theme_color"])
    sizes: dict[str, set[str]] = {}
    for icon in document["icons"]:
        png = phone.request.get(icon["src"])
        assert png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.body()))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.setdefault(icon["purpose"], set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes["any"]
    assert (
        phone.locator('meta[name="theme-color"]').get_attribute("content")
        == document["theme_color"]
    )

    worker = phone.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.getRegistration('/app/');
            return {scope: registration.scope, script: navigator.serviceWorker.controller.scriptURL};
        }"""
    )
    assert worker["scope"].endswith("/app/")
    assert worker["script"].endswith("/app/sw.js")
    assert any(name.startswith("ansinh-shell-") for name in stored(phone)["caches"])
    shot(phone, "signin")

    # Scoped to /app/: the portal's pages are not the worker's.
    phone.goto("/")
    assert phone.evaluate("navigator.serviceWorker.controller") is None


def test_a_person_signs_in_with_spaces_in_the_bhxh_code_and_the_page_never_sees_a_token(
    phone: Page, citizen
):
    open_app(phone)
    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    sign_in(phone, " 0123 456 789 ", CITIZEN_PASSWORD)

    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")
    expect(phone.locator('[data-field="bhxh_code"]')).to_have_text("0123456789")
    expect(phone.locator("#tabs")).to_be_visible()
    shot(phone, "home")

    # What a page gets from the login is the outcome, never the tokens; nothing is stored in
    # the page's Web Storage but the language.
    answer = phone.evaluate(
        """async (password) => {
            const response = await fetch('/api/v1/auth/login', {method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({username: '0123456789', password})});
            return {status: response.status, body: await response.json()};
        }""",
        CITIZEN_PASSWORD,
    )
    assert answer["status"] == 200
    assert set(answer["body"]) == {"password_change_required", "expires_in"}
    assert "token" not in json.dumps(answer["body"])
    refresh = phone.evaluate(
        "fetch('/api/v1/auth/refresh', {method: 'POST', body: '{}'}).then((r) => r.status)"
    )
    assert refresh == 403
    kept = stored(phone)
    assert kept["local"] == ["ansinh-app-language"]
    assert kept["session"] == []
    assert worker_state(phone)["signed_in"] is True


def test_a_wrong_password_is_refused_in_vietnamese_and_nothing_is_kept(phone: Page, citizen):
    open_app(phone)
    sign_in(phone, "0123456789", "Khong-Phai-Mat-Khau-2026")

    expect(phone.locator("#signin [role=alert]")).to_have_text(
        "Tên đăng nhập hoặc mật khẩu không đúng."
    )
    assert worker_state(phone)["signed_in"] is False
    assert "ansinh-app" not in stored(phone)["databases"]


def test_no_screen_is_wider_than_a_360_px_phone(browser, live_server, citizen):
    issue_demo_card(citizen.person)
    page = new_phone(browser, live_server, viewport={"width": 360, "height": 740})
    try:
        open_app(page)
        assert no_sideways_scroll(page) <= 360
        page.locator("#forgot-password").tap()
        expect(page.locator("main h1")).to_have_text("Quên mật khẩu")
        assert no_sideways_scroll(page) <= 360
        page.goto(APP + "#/dang-nhap")
        sign_in(page, "0123456789", CITIZEN_PASSWORD)
        expect(page.locator("main h1")).to_contain_text("Xin chào")
        for route, ready in [
            ("#/", "#tile-card"),
            ("#/the-bhyt", "#qr img"),
            ("#/the-bhyt/qr", ".qr-full-image"),
            ("#/qua-trinh", 'section[data-scheme="BHXH"]'),
            ("#/qua-trinh/BHTNLD_BNN", 'section[data-scheme="BHTNLD_BNN"]'),
            ("#/thong-bao", "#unread-count"),
            ("#/tai-khoan", "#sign-out"),
            ("#/doi-mat-khau", "#password-change"),
        ]:
            page.goto(APP + route)
            expect(page.locator(ready).first).to_be_visible()
            width = no_sideways_scroll(page)
            assert width <= 360, (route, width)
            shot(page, "360-" + (route.strip("#/").replace("/", "-") or "home"))
        # The tap targets of the tab bar are large enough for a thumb.
        page.goto(APP + "#/")
        expect(page.locator('#tabs a[data-tab="home"][aria-current="page"]')).to_be_visible()
        for tab in page.locator("#tabs a").all():
            box = tab.bounding_box()
            assert box and box["height"] >= 48 and box["width"] >= 48, box
    finally:
        page.context.close()
