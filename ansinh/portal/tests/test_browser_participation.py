"""The participation history and the e-BHYT card in a real browser (Debian Chromium), at phone
size (390×844: the sections are in the header's "Menu") and desktop size (1280×800)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def open_section(page: Page, href: str) -> None:
    """Follow a link of the header, opening its "Menu" first where it is folded (phones)."""
    link = page.locator(f'header a[href="{href}"]')
    if not link.is_visible():
        page.locator("header .menu > summary").click()
    link.click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390x844", "desktop-1280x800"])
def test_citizen_sees_the_history_per_scheme_and_the_card_with_its_qr(
    page: Page, citizen, unit, viewport: ViewportSize
):
    # A transactional test starts from an empty database: load the rate table the data
    # migration loads.
    import importlib

    from django.apps import apps

    from ansinh.cards.services import issue_card
    from ansinh.contributions.months import add_months, format_month, month_of
    from ansinh.contributions.services import ingest_report
    from ansinh.lib.actor import Actor
    from ansinh.people.models import HealthFacility

    importlib.import_module("ansinh.contributions.migrations.0002_reference_data").load(apps, None)
    importlib.import_module("ansinh.contributions.migrations.0005_due_date_rules").load(apps, None)
    now = month_of(timezone.localdate())
    start = add_months(now, -14)
    change = add_months(now, -5)
    ingest_report(
        unit=unit,
        reference="BROWSER-1",
        period=format_month(now),
        lines=[
            {"bhxh_code": "0123456789", "type": "hire", "from_month": format_month(start),
             "salary": 9_000_000, "job_title": "Kế toán", "date_of_birth": "1990-05-17"},
            {"bhxh_code": "0123456789", "type": "adjust_salary", "from_month": format_month(change),
             "salary": 11_000_000},
        ],
        actor=Actor.command(),
    )  # fmt: skip
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(now.year, 1, 1), valid_to=dt.date(now.year + 1, 12, 31),
        five_years_from=None, actor=Actor.command(),
    )  # fmt: skip

    page.set_viewport_size(viewport)
    sign_in(page)

    open_section(page, "/ca-nhan/qua-trinh-tham-gia/")
    rows = page.locator('table[data-table="periods"] tbody tr')
    # The previous and the current month are within their payment period (due by the last
    # day of the following month, Luật BHXH 41/2024/QH15): a period of their own.
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(f"{start.month:02d}/{start.year}")
    expect(rows.nth(0)).to_contain_text("9.000.000")
    expect(rows.nth(1)).to_contain_text("11.000.000")
    previous = add_months(now, -1)
    expect(rows.nth(2)).to_contain_text(f"{previous.month:02d}/{previous.year}")
    expect(rows.nth(2)).to_contain_text("Đang trong hạn đóng")
    expect(page.locator('[data-field="total_months"]')).to_have_text("1 năm 3 tháng")
    expect(page.locator('[data-section="owed"]')).to_contain_text("TA01234")

    page.locator('a[data-scheme="bhyt"]').click()
    expect(page.locator('a[data-scheme="bhyt"]')).to_have_attribute("aria-current", "page")
    expect(rows).to_have_count(3)

    open_section(page, "/ca-nhan/the-bhyt/")
    expect(page.locator('[data-field="card_code"]')).to_have_text("DN4010123456789")
    qr = page.locator('[data-field="qr"] svg')
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] > 100
