"""The e-BHYT card in the app (issue 13): the QR read from a screenshot as a clinic's scanner
reads it and checked by ``POST /api/v1/cards/verify``; the full-screen QR; offline after it
was shown once (network off, reload: the card and its QR with "Cập nhật lúc …"); and signing
out, or a revoked sign-in, leaves nothing personal on the phone."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from ansinh.accounts.models import AppToken, DeviceSession
from ansinh.conftest import CITIZEN_PASSWORD

from .browser import (
    APP,
    decode_screen,
    issue_demo_card,
    open_app,
    shot,
    sign_in,
    stored,
    verify,
    when_idle,
    worker_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERSONAL_DB = "ansinh-app"


@pytest.fixture
def card(citizen):
    return issue_demo_card(citizen.person)


def _signed_in(phone: Page) -> None:
    open_app(phone)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")


def _open_card(phone: Page) -> None:
    phone.locator('#tabs a[data-tab="card"]').tap()
    expect(phone.locator("#qr img")).to_be_visible()
    phone.locator("#qr img").evaluate("(img) => img.decode()")


def test_the_card_qr_decodes_from_a_screenshot_and_verifies(phone: Page, card):
    _signed_in(phone)
    _open_card(phone)
    expect(phone.locator('[data-field="card_code"]')).to_have_text("DN4010123456789")
    expect(phone.locator("#card-freshness")).to_contain_text("Cập nhật lúc")
    expect(phone.locator("#qr img")).to_be_in_viewport(ratio=1)
    box = phone.locator("#qr img").bounding_box()
    modules = int(phone.locator("#qr img").get_attribute("data-modules") or 0)
    assert box and box["width"] / modules >= 4, (box, modules)  # ≥ 4 CSS px a module

    decoded = decode_screen(phone, "card")
    assert len(decoded) == 1, decoded
    verdict = verify(phone, decoded[0])
    assert verdict["valid"] is True
    assert verdict["card"]["card_code"] == "DN4010123456789"

    phone.locator("#enlarge-qr").tap()
    expect(phone.locator(".qr-full-image")).to_be_in_viewport(ratio=1)
    phone.locator(".qr-full-image").evaluate("(img) => img.decode()")
    full = phone.locator(".qr-full-image").bounding_box()
    assert full and full["width"] >= box["width"]
    decoded_full = decode_screen(phone, "card-full")
    assert decoded_full == decoded
    phone.locator("#close-qr").tap()
    expect(phone).to_have_url(re.compile(r"#/the-bhyt$"))


def test_the_card_opens_offline_after_it_was_shown_once(phone: Page, card):
    _signed_in(phone)
    _open_card(phone)
    online = decode_screen(phone, "card-online")

    phone.context.set_offline(True)
    phone.reload()
    expect(phone.locator("#qr img")).to_be_visible()
    phone.locator("#qr img").evaluate("(img) => img.decode()")
    freshness = phone.locator("#card-freshness")
    expect(freshness).to_have_attribute("data-source", "device")
    expect(freshness).to_contain_text("Không có mạng")
    expect(freshness).to_contain_text(re.compile(r"Cập nhật lúc \d\d:\d\d \d\d/\d\d/\d{4}"))
    expect(phone.locator('[data-field="card_code"]')).to_have_text("DN4010123456789")
    offline = decode_screen(phone, "card-offline")
    assert offline == online
    # The full-screen QR too, with no network.
    phone.locator("#enlarge-qr").tap()
    expect(phone.locator(".qr-full-image")).to_be_visible()
    phone.locator(".qr-full-image").evaluate("(img) => img.decode()")
    assert decode_screen(phone, "card-offline-full") == online
    phone.context.set_offline(False)
    assert verify(phone, online[0])["valid"] is True


def test_signing_out_wipes_every_cached_personal_datum(phone: Page, card, citizen):
    _signed_in(phone)
    _open_card(phone)
    phone.locator('#tabs a[data-tab="participation"]').tap()
    expect(phone.locator('[data-field="total_months"]')).to_be_visible()
    before = stored(phone)
    assert PERSONAL_DB in before["databases"]
    assert worker_state(phone)["has_card"] is True

    phone.locator('#tabs a[data-tab="account"]').tap()
    phone.locator("#sign-out").tap()

    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    expect(phone.locator("#flash")).to_contain_text("Bạn đã đăng xuất")
    shot(phone, "signed-out")
    after = stored(phone)
    assert PERSONAL_DB not in after["databases"]
    assert [name for name in after["caches"] if not name.startswith("ansinh-shell-")] == []
    assert after["local"] == ["ansinh-app-language"]
    # Nothing personal in the shell's cache either: only the app's own files.
    cached = phone.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
            }
            return urls;
        }"""
    )
    assert cached and not [url for url in cached if url.startswith("/api/")]
    state = worker_state(phone)
    assert (state["signed_in"], state["locked"], state["has_card"], state["identifier"]) == (
        False, False, False, None,
    )  # fmt: skip
    # The server ended the device's tokens.
    assert when_idle(lambda: DeviceSession.objects.get(user=citizen).revoked_at) is not None

    # Offline, the card is gone with the rest.
    phone.context.set_offline(True)
    phone.goto(APP + "#/the-bhyt")
    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    phone.context.set_offline(False)


def test_a_revoked_sign_in_wipes_the_phone_at_the_next_request(phone: Page, card, citizen):
    _signed_in(phone)
    _open_card(phone)
    assert PERSONAL_DB in stored(phone)["databases"]
    # The person signs out everywhere from another device.
    other = phone.request.post(
        "/api/v1/auth/login",
        data=json.dumps({"username": "0123456789", "password": CITIZEN_PASSWORD}),
        headers={"Content-Type": "application/json"},
    ).json()
    ended = phone.request.post(
        "/api/v1/auth/logout-all", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert ended.status == 204

    phone.locator('#tabs a[data-tab="participation"]').tap()
    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    expect(phone.locator("#flash")).to_contain_text("Phiên đăng nhập đã kết thúc")
    assert PERSONAL_DB not in stored(phone)["databases"]
    assert worker_state(phone)["has_card"] is False


def test_the_worker_refreshes_the_spent_access_token_with_rotation(
    phone: Page, card, citizen, settings
):
    # An access token this short is always "about to expire" for the worker (30 s margin):
    # every request first exchanges the refresh token.
    settings.ACCESS_TOKEN_TTL_SECONDS = 5
    _signed_in(phone)
    _open_card(phone)
    phone.locator('#tabs a[data-tab="participation"]').tap()
    expect(phone.locator('[data-field="total_months"]')).to_be_visible()

    def tokens() -> tuple[object, int, int]:
        device = DeviceSession.objects.get(user=citizen)
        refresh = AppToken.objects.filter(device=device, kind="refresh")
        return (
            device.revoked_at,
            refresh.filter(used_at__isnull=False).count(),
            refresh.filter(used_at__isnull=True, revoked_at__isnull=True).count(),
        )

    revoked_at, used, live = when_idle(tokens)
    assert revoked_at is None
    assert used >= 2  # rotated, each used once
    assert live == 1
