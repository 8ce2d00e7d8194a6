"""Issue 15 §1 as the citizen sees it on a phone (390×844, Debian Chromium): months the unit
paid late or evaded are named so, distinctly from the months still within their deadline; a
partial payment keeps the health insurance paid first; the "credited" notice names the
declared salary."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from ansinh.contributions.months import add_months, format_month, month_of
from ansinh.contributions.payments import record_payment
from ansinh.contributions.services import ingest_report
from ansinh.lib.actor import Actor

from .browser_steps import shoot
from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def load_rules() -> None:
    # A transactional test starts from an empty database: load what the data migrations load.
    for name in ("0002_reference_data", "0005_due_date_rules", "0009_rules_2025_2026"):
        importlib.import_module(f"ansinh.contributions.migrations.{name}").load(apps, None)


def test_late_evasion_and_a_partial_payment_on_a_phone(page: Page, citizen, unit):
    load_rules()
    now = month_of(timezone.localdate())
    start = add_months(now, -8)
    ingest_report(
        unit=unit,
        reference="LATE-1",
        period=format_month(now),
        lines=[{"bhxh_code": "0123456789", "type": "hire", "from_month": format_month(start),
                "salary": 10_000_000, "job_title": "Kế toán", "date_of_birth": "1990-05-17"}],
        actor=Actor.command(),
    )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)

    page.goto("/ca-nhan/qua-trinh-tham-gia/")
    rows = page.locator('table[data-table="periods"] tbody tr')
    # Nothing paid: eight months ago is long past 60 days after its due date (evasion), two
    # months ago is late, last month and this one are still within their deadline.
    expect(rows.first).to_contain_text("Chưa đóng — đơn vị trốn đóng")
    expect(page.locator("tbody")).to_contain_text("Chưa đóng — đơn vị chậm đóng")
    expect(rows.last).to_contain_text("Đang trong hạn đóng")
    expect(rows.first.locator("[data-lateness]")).to_have_attribute("data-lateness", "evasion")
    shoot(page, "late-months")

    # The unit pays the six oldest months (3,200,000 each) and 450,000: the health insurance
    # of the seventh, booked first (Nghị định 233/2025, Điều 7 khoản 4).
    record_payment(
        actor=Actor.command(), unit_code=unit.code, amount=6 * 3_200_000 + 450_000,
        paid_on=timezone.localdate(),
    )  # fmt: skip
    seventh = add_months(start, 6)
    seventh_text = f"{seventh.month:02d}/{seventh.year}"

    page.goto("/ca-nhan/qua-trinh-tham-gia/bhyt/")
    paid_bhyt = page.locator('tbody tr[data-status="paid"]')
    expect(paid_bhyt).to_have_count(1)
    expect(paid_bhyt).to_contain_text(seventh_text)  # the period ends with the seventh month
    page.goto("/ca-nhan/qua-trinh-tham-gia/")
    unpaid_bhxh = page.locator('tbody tr[data-status="unpaid"]')
    expect(unpaid_bhxh.first).to_contain_text(seventh_text)
    shoot(page, "late-months-partly-paid")

    page.goto("/ca-nhan/thong-bao/")
    notice = page.locator("main").get_by_text("đã đóng bảo hiểm cho bạn", exact=False)
    expect(notice.first).to_be_visible()
    expect(page.locator("main")).to_contain_text("mức lương khai báo 10.000.000 đ")
    shoot(page, "credited-notice")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
