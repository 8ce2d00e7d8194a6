"""The calculators page and the certificate pages in Chromium at phone size (390×844, issue
15 §3): a person fills a calculator and reads the result; a citizen issues a certificate, sees
the on-screen view marked as a copy, downloads the signed PDF, revokes it, and the public check
then says "revoked". Screenshots to ``ANSINH_SCREENSHOTS`` when set."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from ansinh.contributions.models import ParticipationCertificate

from .pages import captcha_answer, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _reference_data() -> None:
    """A transactional test starts from empty tables: load the dated rows as migrations do."""
    for data in ("0002_reference_data", "0006_calculator_parameters"):
        importlib.import_module(f"ansinh.contributions.migrations.{data}").load(apps, None)


@pytest.fixture(autouse=True)
def _real_captcha() -> Iterator[None]:
    with override_settings(CAPTCHA_TEST_MODE=False):
        yield


def shot(page: Page, name: str) -> None:
    if os.environ.get("ANSINH_SCREENSHOTS"):
        folder = Path(os.environ["ANSINH_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_voluntary_calculator_at_phone_size(page: Page):
    page.set_viewport_size(PHONE)
    page.goto("/may-tinh-bhxh/")
    page.get_by_label("Mức thu nhập tháng chọn đóng (đồng)").fill("1500000")
    page.get_by_label("Nhóm đối tượng").select_option("poor")
    page.locator("#calc-tu-nguyen button[type=submit]").click()

    result = page.locator("[data-result=voluntary]")
    expect(result.locator("[data-field=contribution]")).to_have_text("330.000 đồng")
    expect(result.locator("[data-field=state_support]")).to_have_text("165.000 đồng")
    expect(result.locator("[data-field=you_pay]")).to_have_text("165.000 đồng")
    expect(result).to_contain_text("tối đa 120 tháng")
    no_sideways_scroll(page)
    shot(page, "calculators-390")


def test_a_certificate_is_issued_shown_as_a_copy_and_revoked(page: Page, citizen):
    page.set_viewport_size(PHONE)
    sign_in(page)
    page.goto("/ca-nhan/qua-trinh-tham-gia/")
    page.locator("[data-action=certificates]").click()
    page.get_by_role("button", name="Cấp giấy chứng nhận").click()

    expect(page.locator("[data-field=screen_copy]")).to_contain_text(
        "Bản xem trên màn hình — không phải bản chứng nhận"
    )
    no_sideways_scroll(page)
    shot(page, "certificate-390")
    with page.expect_download() as download:
        page.locator("[data-action=download]").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    payload = ParticipationCertificate.objects.get(person=citizen.person).payload
    page.get_by_role("button", name="Thu hồi giấy chứng nhận này").click()
    expect(page.locator("[data-field=revoked]")).to_be_visible()
    page.goto("/kiem-tra-giay-chung-nhan/")
    page.get_by_label("Nội dung mã QR").fill(payload)
    page.fill('input[name="captcha_1"]', captcha_answer(page))
    page.get_by_role("button", name="Kiểm tra giấy chứng nhận").click()
    expect(page.locator("#check-result")).to_have_attribute("data-status", "revoked")
    shot(page, "certificate-check-revoked-390")
