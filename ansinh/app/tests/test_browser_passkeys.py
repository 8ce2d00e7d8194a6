"""Passkeys, devices and "who viewed my record" in the app (issue 13), on a phone with
Chromium's virtual authenticator (a platform authenticator with user verification) at the
live server's ``http://localhost`` origin, the embedded profile's relying party."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ansinh.accounts.models import DeviceSession, Passkey
from ansinh.accounts.tests.test_browser_passkeys import virtual_authenticator
from ansinh.audit.services import log_access
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib.actor import Actor

from .browser import open_app, shot, sign_in, when_idle, worker_state

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELLO = "Xin chào, Nguyễn Văn An"


def _signed_in(phone: Page) -> None:
    open_app(phone)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text(HELLO)


def _account_screen(phone: Page, link: str, title: str) -> None:
    phone.locator('#tabs a[data-tab="account"]').tap()
    phone.locator(link).tap()
    expect(phone.locator("main h1")).to_have_text(title)


def _sign_out(phone: Page) -> None:
    phone.locator('#tabs a[data-tab="account"]').tap()
    phone.locator("#sign-out").tap()
    expect(phone.locator("#signin")).to_be_visible()


def test_a_passkey_added_in_the_app_signs_in_without_the_password_until_it_is_removed(
    phone: Page, citizen
):
    cdp, authenticator = virtual_authenticator(phone)
    _signed_in(phone)
    assert phone.evaluate("location.origin").startswith("http://localhost:")
    _account_screen(phone, "#passkeys-link", "Khóa truy cập (passkey)")
    expect(phone.locator("#no-passkeys")).to_be_visible()

    form = phone.locator("#add-passkey")
    form.get_by_label("Mật khẩu").fill("not the password")
    form.get_by_label("Tên khóa truy cập").fill("Điện thoại của tôi")
    form.locator("button[type=submit]").tap()
    expect(form.locator(".has-error .error")).to_have_text("Mật khẩu hiện tại không đúng.")
    assert not Passkey.objects.exists()
    form.get_by_label("Mật khẩu").fill(CITIZEN_PASSWORD)
    shot(phone, "passkey-add")
    form.locator("button[type=submit]").tap()
    expect(phone.locator("#passkey-notice")).to_contain_text(
        "Đã thêm khóa truy cập “Điện thoại của tôi”"
    )
    item = phone.locator("#passkeys > li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Điện thoại của tôi")
    expect(item.locator('[data-field="last_used_at"]')).to_have_text("Chưa dùng lần nào")
    shot(phone, "passkey-added")
    (stored,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert stored["rpId"] == "localhost" and stored["isResidentCredential"]

    # Signed out, the phone's passkey signs in: no code, no password typed.
    _sign_out(phone)
    expect(phone.locator("#passkey-sign-in")).to_have_text("Đăng nhập bằng khóa truy cập")
    shot(phone, "passkey-sign-in")
    phone.locator("#passkey-sign-in").tap()
    expect(phone.locator("main h1")).to_have_text(HELLO)
    state = worker_state(phone)
    assert state["signed_in"] and state["identifier"] == "0123456789"
    assert "token" not in str(state).lower()
    _account_screen(phone, "#passkeys-link", "Khóa truy cập (passkey)")
    expect(item.locator('[data-field="last_used_at"]')).not_to_have_text("Chưa dùng lần nào")

    # Removing asks first; "Hủy" keeps it.
    item.locator('[data-action="remove"]').tap()
    expect(item.locator(".confirm")).to_contain_text("Xóa khóa truy cập “Điện thoại của tôi”?")
    shot(phone, "passkey-remove-confirm")
    item.locator('[data-confirm="no"]').tap()
    expect(item.locator(".confirm")).to_be_hidden()
    assert Passkey.objects.filter(user=citizen).count() == 1
    item.locator('[data-action="remove"]').tap()
    item.locator('[data-confirm="yes"]').tap()
    expect(phone.locator("#passkey-notice")).to_have_text(
        "Đã xóa khóa truy cập “Điện thoại của tôi”."
    )
    expect(phone.locator("#no-passkeys")).to_be_visible()
    assert not Passkey.objects.exists()

    # The phone still holds the key, but An Sinh no longer knows it.
    _sign_out(phone)
    phone.locator("#passkey-sign-in").tap()
    expect(phone.locator("#signin .alert")).to_have_text(
        "Khóa truy cập này không có trong An Sinh (có thể đã bị xóa). "
        "Vui lòng đăng nhập bằng mật khẩu."
    )
    expect(phone.locator("main h1")).to_have_text("Đăng nhập")
    assert not worker_state(phone)["signed_in"]
    shot(phone, "passkey-removed-sign-in")


def test_a_locked_app_opens_again_with_the_phones_passkey(phone: Page, citizen):
    virtual_authenticator(phone)
    _signed_in(phone)
    _account_screen(phone, "#passkeys-link", "Khóa truy cập (passkey)")
    form = phone.locator("#add-passkey")
    form.get_by_label("Mật khẩu").fill(CITIZEN_PASSWORD)
    form.get_by_label("Tên khóa truy cập").fill("Điện thoại")
    form.locator("button[type=submit]").tap()
    expect(phone.locator("#passkey-notice")).to_contain_text("Đã thêm khóa truy cập")
    sessions = when_idle(DeviceSession.objects.filter(user=citizen).count)

    # 15 minutes without a touch: the worker locks the app and drops the tokens.
    phone.evaluate("fetch('/app/sw/lock', {method: 'POST'})")
    phone.goto("/app/#/khoa")
    phone.reload()
    expect(phone.locator("main h1")).to_have_text("Ứng dụng đã khóa")
    unlock = phone.locator("#passkey-unlock")
    expect(unlock).to_have_text("Mở khóa bằng khóa truy cập")
    shot(phone, "passkey-unlock")
    unlock.tap()

    expect(phone.locator("main h1")).to_have_text(HELLO)
    state = worker_state(phone)
    assert state["signed_in"] and not state["locked"]
    assert state["identifier"] == "0123456789"
    # A new sign-in of this phone, as a password would make.
    assert when_idle(DeviceSession.objects.filter(user=citizen).count) == sessions + 1


def test_no_passkey_button_where_the_browser_has_no_webauthn(phone: Page, citizen):
    phone.add_init_script(script="delete window.PublicKeyCredential;")
    open_app(phone)
    expect(phone.locator("#signin")).to_be_visible()
    expect(phone.locator("#passkey-sign-in")).to_have_count(0)


def test_devices_list_sign_out_one_then_everywhere_says_the_passkeys_are_kept(phone: Page, citizen):
    other = phone.request.post(
        "/api/v1/auth/login",
        data={
            "username": "0123456789",
            "password": CITIZEN_PASSWORD,
            "device_name": "Máy tính bảng",
        },
    )
    assert other.status == 200
    Passkey.objects.create(
        user=citizen, credential_id="AAAA", public_key=b"\x00", name="Điện thoại cũ"
    )
    _signed_in(phone)
    _account_screen(phone, "#devices-link", "Thiết bị đăng nhập")
    devices = phone.locator("#devices > li")
    expect(devices).to_have_count(2)
    this = phone.locator('#devices > li[data-current="true"]')
    expect(this).to_contain_text("Điện thoại này")
    expect(this.locator('[data-action="sign-out"]')).to_have_count(0)
    tablet = phone.locator('#devices > li[data-current="false"]')
    expect(tablet).to_contain_text("Máy tính bảng")
    tablet.locator('[data-action="sign-out"]').tap()
    tablet.get_by_label("Mật khẩu").fill(CITIZEN_PASSWORD)
    shot(phone, "devices")
    tablet.locator("button[type=submit]").tap()
    expect(phone.locator("#device-notice")).to_have_text("Đã đăng xuất “Máy tính bảng”.")
    expect(devices).to_have_count(1)
    assert when_idle(DeviceSession.objects.filter(user=citizen, revoked_at__isnull=True).count) == 1
    refused = phone.request.get(
        "/api/v1/me", headers={"Authorization": "Bearer " + other.json()["access_token"]}
    )
    assert refused.status == 401

    phone.locator("#sign-out-everywhere").tap()
    expect(phone.locator(".confirm")).to_contain_text("Các khóa truy cập vẫn được giữ lại.")
    phone.locator('.confirm [data-confirm="yes"]').tap()
    flash = phone.locator("#flash")
    expect(flash).to_contain_text("Bạn đã đăng xuất trên mọi thiết bị")
    expect(flash).to_contain_text("mục Tài khoản → Khóa truy cập")
    shot(phone, "devices-signed-out-everywhere")
    assert Passkey.objects.filter(user=citizen).count() == 1


def test_who_viewed_my_record_lists_a_staff_read_as_a_card(phone: Page, citizen, clerk):
    log_access(person=citizen.person, what="profile", by=Actor.command(clerk))
    _signed_in(phone)
    _account_screen(phone, "#access-log-link", "Ai đã xem hồ sơ của tôi")
    row = phone.locator("#access-log > li")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-who", "staff")
    expect(row.locator(".access-who")).to_contain_text(clerk.display_name or clerk.username)
    expect(row.locator(".access-office")).to_contain_text(clerk.office.code)
    expect(row.locator(".access-what")).not_to_be_empty()
    expect(row.locator(".access-when")).to_have_text(re.compile(r"^\d\d:\d\d \d\d/\d\d/\d{4}$"))
    shot(phone, "access-log")
