"""Phone-first layout of the citizen pages (issue 12 §2), in real Chromium: no citizen page
scrolls sideways at 360×740, and the header (a compact bar with a "Menu" button on phones)
takes at most ~15 % of a 390×844 screen. The citizen signs in as a person does: the CAPTCHA
answer is the one the served image shows, read from the test database.

``ANSINH_SCREENSHOTS=/some/dir`` keeps a full-page screenshot of every page visited."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from captcha.models import CaptchaStore
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
PHONE: ViewportSize = {"width": 390, "height": 844}
PUBLIC_PAGES = ["/", "/dang-nhap/", "/quen-mat-khau/", "/dang-ky/"]
CITIZEN_PAGES = [
    "/ca-nhan/",
    "/ca-nhan/qua-trinh-tham-gia/",
    "/ca-nhan/the-bhyt/",
    "/ca-nhan/ho-so/",
    "DOSSIER",
    "/ca-nhan/thong-bao/",
    "/ca-nhan/ai-da-xem/",
    "/ca-nhan/doi-mat-khau/",
]


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


@pytest.fixture
def history(citizen, unit, clerk) -> str:
    """A citizen with a participation history (long unit name, several periods), an e-BHYT
    card and a dossier taken at the counter; returns the dossier's page."""
    from django.apps import apps

    from ansinh.cards.services import issue_card
    from ansinh.contributions.months import add_months, format_month, month_of
    from ansinh.contributions.services import ingest_report
    from ansinh.dossiers.services import submit_counter_dossier
    from ansinh.people.models import HealthFacility

    importlib.import_module("ansinh.contributions.migrations.0002_reference_data").load(apps, None)
    now = month_of(timezone.localdate())
    ingest_report(
        unit=unit,
        reference="LAYOUT-1",
        period=format_month(now),
        lines=[
            {"bhxh_code": "0123456789", "type": "hire", "from_month": format_month(add_months(now, -30)),
             "salary": 9_000_000, "job_title": "Kế toán tổng hợp kiêm thủ quỹ", "date_of_birth": "1990-05-17"},
            {"bhxh_code": "0123456789", "type": "adjust_salary",
             "from_month": format_month(add_months(now, -12)), "salary": 11_250_000},
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
    dossier = submit_counter_dossier(
        actor=Actor.command(user=clerk),
        person=citizen.person,
        changes={"phone": "0912345678", "email": "nguyen.van.an.moi@example.com"},
        identity_checked=True,
        note="",
    )
    return f"/ca-nhan/ho-so/{dossier.public_id}/"


def sign_in(page: Page) -> None:
    page.goto("/dang-nhap/")
    page.fill('input[name="username"]', "0123456789")
    page.fill('input[name="password"]', CITIZEN_PASSWORD)
    key = page.locator('input[name="captcha_0"]').input_value()
    page.fill('input[name="captcha_1"]', CaptchaStore.objects.get(hashkey=key).response)
    page.locator('main form button[type="submit"]:not([data-captcha-refresh])').click()
    expect(page).to_have_url(re.compile(r"/ca-nhan/$"))


def shoot(page: Page, name: str) -> None:
    if os.environ.get("ANSINH_SCREENSHOTS"):  # to look at what a person sees
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        width = (page.viewport_size or {"width": 0})["width"]
        slug = name.strip("/").replace("/", "_") or "index"
        page.screenshot(path=str(folder / f"{slug}-{width}.png"), full_page=True)


def header_height(page: Page) -> float:
    box = page.locator("header.site-header").bounding_box()
    assert box is not None
    return box["height"]


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_no_citizen_page_scrolls_sideways_at_360_px(page: Page, history: str):
    page.set_viewport_size(SMALL_PHONE)
    too_wide = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        shoot(page, path)
        if page_width(page) > SMALL_PHONE["width"]:
            too_wide[path] = page_width(page)
    sign_in(page)
    for path in CITIZEN_PAGES:
        path = history if path == "DOSSIER" else path
        page.goto(path)
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        shoot(page, path)
        if page_width(page) > SMALL_PHONE["width"]:
            too_wide[path] = page_width(page)
    assert too_wide == {}, f"pages wider than {SMALL_PHONE['width']} px: {too_wide}"


def test_the_header_takes_at_most_15_percent_of_a_phone_screen(page: Page, history: str):
    page.set_viewport_size(PHONE)
    page.goto("/dang-nhap/")
    limit = PHONE["height"] * 0.15
    assert header_height(page) <= limit
    sign_in(page)
    for path in ["/ca-nhan/", "/ca-nhan/qua-trinh-tham-gia/"]:
        page.goto(path)
        height = header_height(page)
        assert height <= limit, f"{path}: the header is {height} px of {PHONE['height']}"


def test_the_phone_menu_opens_from_the_keyboard_and_leads_to_every_section(
    page: Page, history: str
):
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
    page: Page, history: str
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
