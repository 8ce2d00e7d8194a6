"""The app's other screens on a phone: participation per scheme as cards, notifications with
the unread badge, the English switch, and the lock after 15 minutes without a touch (the
page's clock is Playwright's, so no test waits)."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from ansinh.accounts.models import DeviceSession
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.months import add_months, format_month, month_of
from ansinh.contributions.services import ingest_report
from ansinh.lib.actor import Actor
from ansinh.notifications.services import notify

from .browser import (
    APP,
    issue_demo_card,
    open_app,
    shot,
    sign_in,
    stored,
    when_idle,
    worker_state,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history(unit) -> tuple:
    """14 months at TA01234, a raise 5 months ago, nothing paid (a transactional test starts
    from an empty database: load the reference data the data migrations load)."""
    importlib.import_module("ansinh.contributions.migrations.0002_reference_data").load(apps, None)
    importlib.import_module("ansinh.contributions.migrations.0005_due_date_rules").load(apps, None)
    now = month_of(timezone.localdate())
    start, change = add_months(now, -14), add_months(now, -5)
    ingest_report(
        unit=unit, reference="APP-1", period=format_month(now),
        lines=[
            {"bhxh_code": "0123456789", "type": "hire", "from_month": format_month(start),
             "salary": 9_000_000, "job_title": "Kế toán", "date_of_birth": "1990-05-17"},
            {"bhxh_code": "0123456789", "type": "adjust_salary", "from_month": format_month(change),
             "salary": 11_000_000},
        ],
        actor=Actor.command(),
    )  # fmt: skip
    return start, now


def _signed_in(phone: Page) -> None:
    open_app(phone)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")


def test_participation_per_scheme_as_cards_with_the_months_owed_and_by_whom(
    phone: Page, citizen, unit
):
    start, now = _history(unit)
    _signed_in(phone)
    phone.locator('#tabs a[data-tab="participation"]').tap()

    periods = phone.locator('[data-list="periods"] > li')
    expect(periods).to_have_count(3)  # newest first: the payment period, the raise, the start
    expect(periods.nth(0)).to_have_attribute("data-status", "due")
    expect(periods.nth(0)).to_contain_text("Đang trong hạn đóng")
    expect(periods.nth(1)).to_contain_text("11.000.000")
    expect(periods.nth(2)).to_contain_text(f"{start.month:02d}/{start.year}")
    expect(periods.nth(2)).to_contain_text("9.000.000")
    expect(periods.nth(2)).to_contain_text("Kế toán")
    expect(periods.nth(2)).to_contain_text("Chưa đóng")
    expect(phone.locator('[data-field="total_months"]')).to_have_text("1 năm 3 tháng")
    owed = phone.locator('[data-section="owed"]')
    expect(owed).to_contain_text("TA01234")
    shot(phone, "participation")

    phone.locator('a[data-scheme="BHYT"]').tap()
    expect(phone.locator('a[data-scheme="BHYT"]')).to_have_attribute("aria-current", "page")
    expect(phone.locator("section.scheme h2")).to_contain_text("BHYT")
    expect(periods).to_have_count(3)


def test_notifications_show_an_unread_badge_and_are_marked_read(phone: Page, citizen):
    notify(
        user=citizen,
        kind="dossier",
        title="Hồ sơ đã được duyệt",
        body="Email mới đã được cập nhật.",
    )
    notify(user=citizen, kind="contribution", title="Đơn vị chưa đóng BHXH", body="Tháng 03/2026.")
    _signed_in(phone)
    badge = phone.locator("#unread-badge")
    expect(badge).to_have_text("2")

    phone.locator('#tabs a[data-tab="notifications"]').tap()
    items = phone.locator(".notice-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Đơn vị chưa đóng BHXH")  # newest first
    expect(phone.locator(".notice-item.unread")).to_have_count(2)
    shot(phone, "notifications")
    items.nth(0).tap()
    expect(phone.locator(".notice-item.unread")).to_have_count(1)
    expect(badge).to_have_text("1")
    phone.get_by_role("button", name="Đánh dấu tất cả là đã đọc").tap()
    expect(phone.locator(".notice-item.unread")).to_have_count(0)
    expect(badge).to_be_hidden()


def test_the_app_speaks_english_on_request_and_remembers_it(phone: Page, citizen):
    _signed_in(phone)
    phone.locator("#lang-switch").tap()
    expect(phone.locator("main h1")).to_have_text("Hello, Nguyễn Văn An")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator('#tabs a[data-tab="card"]')).to_have_text("Health card")
    phone.reload()
    expect(phone.locator("main h1")).to_have_text("Hello, Nguyễn Văn An")
    # The API answers in the app's language too.
    phone.goto(APP + "#/doi-mat-khau")
    form = phone.locator("#password-change")
    form.get_by_label("Current password").fill("Khong-Phai-Mat-Khau-2026")
    form.get_by_label("New password", exact=True).fill("Hoa-Sen-No-Tren-Ho-Tay-2026")
    form.get_by_label("New password again").fill("Hoa-Sen-No-Tren-Ho-Tay-2026")
    form.locator("button[type=submit]").tap()
    expect(form.locator(".error").first).to_have_text("The current password is incorrect.")
    phone.locator("#lang-switch").tap()
    expect(phone.locator("main h1")).to_have_text("Đổi mật khẩu")


def test_fifteen_idle_minutes_lock_the_app_and_only_the_saved_card_stays_open(phone: Page, citizen):
    issue_demo_card(citizen.person)
    phone.clock.install()
    _signed_in(phone)
    phone.locator('#tabs a[data-tab="card"]').tap()
    expect(phone.locator("#qr img")).to_be_visible()

    phone.clock.fast_forward("14:00")
    expect(phone.locator("#qr img")).to_be_visible()  # still open at 14 minutes
    phone.clock.fast_forward("01:30")

    expect(phone.locator("main h1")).to_have_text("Ứng dụng đã khóa")
    expect(phone.locator('[data-field="identifier"]')).to_have_text("0123456789")
    shot(phone, "locked")
    state = worker_state(phone)
    assert (state["locked"], state["signed_in"], state["has_card"]) == (True, False, True)
    assert (
        when_idle(lambda: DeviceSession.objects.get(user=citizen).revoked_at) is not None
    )  # tokens ended
    phone.goto(APP + "#/qua-trinh")
    expect(phone.locator("main h1")).to_have_text("Ứng dụng đã khóa")

    phone.locator("#saved-card").tap()
    expect(phone.locator("#qr img")).to_be_visible()
    expect(phone.locator("#card-freshness")).to_have_attribute("data-source", "device")
    phone.locator("#back-to-lock").tap()

    phone.locator("#unlock").get_by_label("Mật khẩu").fill(CITIZEN_PASSWORD)
    phone.locator("#unlock button[type=submit]").tap()
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")
    assert worker_state(phone)["has_card"] is True  # the same person: the card stays
    assert "ansinh-app" in stored(phone)["databases"]


def test_after_many_failures_from_one_network_the_app_shows_the_captcha(
    phone: Page, citizen, settings
):
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False  # the served app checks it for real
    settings.LOGIN_IP_RATE = "1/15m"
    open_app(phone)
    sign_in(phone, "0123456789", "Khong-Phai-Mat-Khau-2026")
    expect(phone.locator("#signin [role=alert]")).to_have_text(
        "Tên đăng nhập hoặc mật khẩu không đúng."
    )

    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    picture = phone.locator("#signin img.captcha")
    expect(picture).to_be_visible()
    shot(phone, "signin-captcha")
    key = (picture.get_attribute("src") or "").rstrip("/").split("/")[-1]
    answer = CaptchaStore.objects.get(hashkey=key).response
    phone.locator("#signin").get_by_role("textbox", name="Mã kiểm tra").fill(answer)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")


def test_signing_out_everywhere_ends_every_device_and_wipes_this_one(phone: Page, citizen):
    other = phone.request.post(
        "/api/v1/auth/login",
        data=json.dumps({"username": "0123456789", "password": CITIZEN_PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    assert other.status == 200
    _signed_in(phone)
    phone.locator('#tabs a[data-tab="account"]').tap()
    everywhere = phone.locator("#sign-out-everywhere")
    everywhere.tap()
    expect(everywhere).to_have_text(
        "Bấm lần nữa để đăng xuất trên mọi thiết bị"
    )  # a second tap confirms
    everywhere.tap()

    expect(phone.locator("#flash")).to_contain_text("Bạn đã đăng xuất trên mọi thiết bị")
    assert not when_idle(DeviceSession.objects.filter(user=citizen, revoked_at__isnull=True).exists)
    assert "ansinh-app" not in stored(phone)["databases"]
