"""The dossier journey in a real browser (Debian Chromium through Playwright, against
``live_server``): the unit files TK1-TS adding an email for Trần Thị Bình; the clerk and the
approver each approve it in their own browser; Bình follows the timeline under "Hồ sơ của
tôi" and confirms the code sent to the new address.

Selectors are URLs, field names, ids and data attributes, never wording."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.people.models import Person
from ansinh.portal.tests.browser import TIMEOUT_MS
from ansinh.portal.tests.browser_steps import staff_sign_in

from .helpers import last_code, unit_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_EMAIL = "binh.tran@example.org"


def _approve_email(page: Page, dossier_id: str) -> None:
    page.locator('header a[href="/backoffice/dossiers/"]').click()
    row = page.locator(f'#queue tr[data-dossier="{dossier_id}"]')
    expect(row).to_be_visible()
    row.locator(f'a[href="/backoffice/dossiers/{dossier_id}/"]').click()
    change = page.locator('#changes tr[data-field="email"]')
    expect(change.locator('[data-role="new"]')).to_have_text(NEW_EMAIL)
    change.locator('input[name="decision_email"][value="approve"]').check()
    page.locator("#decide").click()


def test_two_approvers_in_the_back_office_and_the_citizens_timeline(
    page: Page, browser: Browser, live_server, api, unit_key, employees, clerk, approver, mailoutbox
):
    filed = unit_file(api, "0123456790", {"email": NEW_EMAIL})
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]

    # The clerk, in the first browser.
    staff_sign_in(page, "canbo1")
    _approve_email(page, dossier_id)
    expect(page.locator("#dossier")).to_have_attribute("data-status", "awaiting_second_approval")

    # The approver, in a second browser with its own session.
    second = browser.new_context(base_url=str(live_server), locale="vi-VN")
    second.set_default_timeout(TIMEOUT_MS)
    try:
        other = second.new_page()
        staff_sign_in(other, "canbo2")
        _approve_email(other, dossier_id)
        expect(other.locator("#dossier")).to_have_attribute("data-status", "approved")
        expect(other.locator('#timeline li[data-kind="approved"]')).to_have_count(1)
    finally:
        second.close()

    # Bình, in a third browser: her dossiers, the timeline, the code from the new address.
    third = browser.new_context(base_url=str(live_server), locale="vi-VN")
    third.set_default_timeout(TIMEOUT_MS)
    try:
        binh = third.new_page()
        binh.goto("/dang-nhap/")
        binh.fill('input[name="username"]', "0123456790")
        binh.fill('input[name="password"]', CITIZEN_PASSWORD)
        binh.fill('input[name="captcha_1"]', "PASSED")
        binh.locator('main form button[type="submit"]').click()
        expect(binh).to_have_url(re.compile(r"/ca-nhan/$"))
        expect(binh.locator("#email-pending")).to_be_visible()

        binh.locator('header a[href="/ca-nhan/ho-so/"]').click()
        binh.locator(f'#dossiers a[href="/ca-nhan/ho-so/{dossier_id}/"]').click()
        expect(binh.locator("#dossier")).to_have_attribute("data-status", "approved")
        kinds = binh.locator("#timeline li").evaluate_all("items => items.map(i => i.dataset.kind)")
        assert kinds == ["submitted", "awaiting_second_approval", "approved"]
        expect(binh.locator('#changes tr[data-field="email"]')).to_have_attribute(
            "data-status", "approved"
        )

        binh.goto("/ca-nhan/xac-nhan-email/")
        binh.fill('input[name="code"]', last_code(NEW_EMAIL))
        binh.locator("#email-confirm button[type=submit]").click()
        expect(binh).to_have_url(re.compile(r"/ca-nhan/$"))
        expect(binh.locator("#email-pending")).to_have_count(0)
        binh.goto(f"/ca-nhan/ho-so/{dossier_id}/")
        expect(binh.locator('#timeline li[data-kind="email_confirmed"]')).to_have_count(1)
    finally:
        third.close()

    person = Person.objects.get(bhxh_code="0123456790")
    assert (person.email, person.email_verified) == (NEW_EMAIL, True)
