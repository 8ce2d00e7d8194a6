"""A correction case filed on the portal in a real browser at phone size (390×844): the
header's menu, the form with a payslip, then the case with its deadline and timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from ansinh.dossiers.models import CorrectionCase

from .pages import file_correction_case, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def test_citizen_files_a_correction_case_on_a_phone(page: Page, citizen, unit, tmp_path):
    page.set_viewport_size(PHONE)
    sign_in(page)
    page.locator("header .menu > summary").click()
    page.locator('header a[href="/ca-nhan/dieu-chinh/"]').click()
    expect(page.locator("#no-cases")).to_be_visible()

    page.locator("#new-case").click()
    page.locator("#case-form button[type=submit]").click()
    expect(page.locator("#case-form .alert, #errors").first).to_be_visible()
    assert not CorrectionCase.objects.exists()

    file_correction_case(page)

    expect(page.locator("#case")).to_have_attribute("data-status", "awaiting_unit")
    expect(page.locator('#case-events li[data-kind="filed"]')).to_be_visible()
    page.screenshot(path=str(tmp_path / "case-phone.png"), full_page=True)
    case = CorrectionCase.objects.get()
    assert (case.problem, case.salary, case.name_visible) == ("deducted_not_paid", 9_000_000, False)
    assert case.evidence.count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
