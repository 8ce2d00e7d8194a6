"""The clerk's queue in a real browser at an office monitor's size (1280×800, Chromium through
Playwright against ``live_server``): the one search box finds a dossier by its code, the BHXH
code, the CCCD and the name as a citizen reads them out on the phone; the home page's figures
each lead to the list they count; a claim from the queue shows on the dashboard.

Selectors are URLs, field names, ids and data attributes, never wording.
``ANSINH_SCREENSHOTS=/some/dir`` keeps the screenshots."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ansinh.conftest import STAFF_PASSWORD
from ansinh.dossiers import services
from ansinh.dossiers.models import Dossier
from ansinh.lib.actor import Actor, Channel
from ansinh.portal.tests.browser_steps import shoot

from .helpers import unit_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, username: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/backoffice/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.fill('input[name="captcha_1"]', "PASSED")
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def _file(api, bhxh_code: str, changes: dict[str, str]) -> str:
    response = unit_file(api, bhxh_code, changes)
    assert response.status_code == 201, response.content
    return str(response.json()["dossier_id"])


def _search(page: Page, text: str) -> None:
    page.fill('#queue-filters input[name="q"]', text)
    page.locator('#queue-filters button[type="submit"]').click()
    expect(page.locator("#search-kind")).to_be_visible()


def test_one_search_box_finds_a_dossier_by_code_bhxh_code_cccd_and_name(
    page: Page, live_server, api, unit_key, employees, clerk
):
    an = _file(api, "0123456789", {"address": "5 Hàng Bài"})
    binh = _file(api, "0123456790", {"address": "1 Tràng Tiền"})
    _sign_in(page, "canbo1")
    page.locator('header a[href="/backoffice/dossiers/"]').click()
    expect(page.locator("#queue tbody tr")).to_have_count(2)

    for typed, kind in [
        (binh.lower().replace("-", " "), "dossier_code"),  # "hs 2026 …" read over the phone
        ("0123 456 790", "bhxh_code"),
        ("001.192.012.346", "cccd"),
        ("tran thi binh", "name"),
    ]:
        _search(page, typed)
        expect(page.locator("#search-kind")).to_have_attribute("data-kind", kind)
        rows = page.locator("#queue tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-dossier", binh)
        shoot(page, f"backoffice-queue-search-{kind}")

    _search(page, "Nguyễn Văn An")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue tbody tr").first).to_have_attribute("data-dossier", an)
    expect(page.locator('#queue [data-role="filer"]').first).to_have_text("Công ty TNHH An Khang")


def test_the_dashboards_figures_lead_to_the_lists_they_count(
    page: Page, live_server, api, unit_key, employees, clerk, approver
):
    today = _file(api, "0123456789", {"address": "5 Hàng Bài"})
    second = _file(api, "0123456790", {"email": "binh@example.org"})
    services.decide_dossier(
        dossier=Dossier.objects.get(public_id=second),
        actor=Actor(channel=Channel.BACKOFFICE, user=clerk),
        decisions={"email": "approve"},
    )
    late = _file(api, "0123456789", {"phone": "0987654321"})
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Dossier.objects.filter(public_id=late).update(
        submitted_at=ten_days_ago, due_date=timezone.localdate() - dt.timedelta(days=3)
    )

    _sign_in(page, "canbo2")
    figures = page.locator("#dashboard")
    expect(figures).to_be_visible()
    shoot(page, "backoffice-dashboard")
    expected = {
        "todo": [second, late, today],  # the second approval first, then by due date
        "today": [today, second],
        "overdue": [late],
        "second": [second],
        "mine": [],
    }
    for figure, dossiers in expected.items():
        page.goto("/backoffice/")
        link = page.locator(f'#dashboard a[data-figure="{figure}"]')
        expect(link.locator(".count")).to_have_text(str(len(dossiers)))
        link.click()
        expect(page).to_have_url(re.compile(r"/backoffice/dossiers/\?"))
        if not dossiers:
            expect(page.locator("#queue-empty")).to_be_visible()
            continue
        rows = page.locator("#queue tbody tr")
        expect(rows).to_have_count(len(dossiers))
        shown = rows.evaluate_all("rows => rows.map(r => r.dataset.dossier)")
        if figure == "todo":
            assert shown == dossiers
        else:
            assert sorted(shown) == sorted(dossiers), figure
    expect(page.locator('#queue-views a[data-view="mine"]')).to_have_attribute(
        "aria-current", "page"
    )

    # Claiming from the queue opens the dossier, held by the approver; the dashboard counts it.
    page.goto("/backoffice/dossiers/?view=todo")
    page.locator(f'#queue tr[data-dossier="{late}"] button[data-action="claim"]').click()
    expect(page).to_have_url(re.compile(rf"/backoffice/dossiers/{late}/$"))
    expect(page.locator("#claim")).to_have_attribute("data-held", "mine")
    page.goto("/backoffice/")
    expect(page.locator('#dashboard a[data-figure="mine"] .count')).to_have_text("1")
    page.locator('#dashboard a[data-figure="mine"]').click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator('#queue tbody tr [data-role="holder"]')).not_to_be_empty()
    shoot(page, "backoffice-queue-mine")
