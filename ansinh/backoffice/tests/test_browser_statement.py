"""The C12-TS statement as a clerk prints it (issue 14), in Debian Chromium at desktop size: the
statement page links to the printable page, which prints on exactly one A4 page with no
navigation, stating the figures of the unit API's statement; the PDF link downloads a PDF
with the same totals.

``ANSINH_SCREENSHOTS=/some/dir`` keeps the screen and print screenshots."""

from __future__ import annotations

import importlib
import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ansinh.conftest import Api
from ansinh.contributions.money import dong
from ansinh.contributions.months import add_months, format_month, month_of
from ansinh.contributions.payments import record_payment
from ansinh.contributions.services import ingest_report
from ansinh.lib.actor import Actor
from ansinh.portal.tests.browser import browser, page
from ansinh.portal.tests.browser_steps import staff_sign_in

__all__ = ["browser", "page"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("ANSINH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"statement-{name}.png"), full_page=True)


def _a_unit_with_two_employees_and_a_payment(unit, citizen, citizen_no_email) -> str:
    """TA01234 with An for three months and Bình on a capped salary, 5,000,000 paid; the
    previous month (a whole one) is the month printed."""
    from django.apps import apps
    from django.utils import timezone

    for data in ("0002_reference_data", "0005_due_date_rules"):
        importlib.import_module(f"ansinh.contributions.migrations.{data}").load(apps, None)
    month = add_months(month_of(timezone.localdate()), -1)
    ingest_report(
        unit=unit, reference="PRINT-1", period=format_month(month),
        lines=[
            {"bhxh_code": "0123456789", "type": "hire", "salary": 10_000_000,
             "from_month": format_month(add_months(month, -2)), "date_of_birth": "1990-05-17",
             "job_title": "Kế toán tổng hợp kiêm thủ quỹ"},
            {"bhxh_code": "0123456790", "type": "hire", "salary": 60_000_000,
             "from_month": format_month(month), "date_of_birth": "1992-03-08"},
        ],
        actor=Actor.command(),
    )  # fmt: skip
    record_payment(
        actor=Actor.command(), unit_code=unit.code, amount=5_000_000, paid_on=add_months(month, -1)
    )
    return format_month(month)


def test_the_printable_statement_is_one_a4_page_with_the_api_figures(
    page: Page, client, unit, unit_key, citizen, citizen_no_email, clerk, tmp_path
):
    month = _a_unit_with_two_employees_and_a_payment(unit, citizen, citizen_no_email)
    figures = Api(client).get(f"/unit/statements/{month}", headers={"X-API-Key": unit_key}).json()
    page.set_viewport_size({"width": 1280, "height": 800})
    staff_sign_in(page, "canbo1")

    page.goto("/backoffice/contributions/statement/")
    page.fill('input[name="unit"]', "TA01234")
    page.fill('input[name="month"]', month)
    page.locator('main form button[type="submit"]').click()
    page.locator('[data-section="statement_links"] a[data-link="print"]').click()
    expect(page).to_have_url(re.compile(r"/statement/print/\?unit=TA01234"))
    _shoot(page, "screen")

    for name in ("brought_forward", "due_total", "paid", "carried_forward"):
        expect(page.locator(f'.statement-doc [data-field="{name}"]')).to_have_text(
            dong(figures[name])
        )
    expect(page.locator('.statement-due tr[data-row="BHTNLD_BNN"] th')).to_have_text(
        "BHTNLĐ-BNN — Bảo hiểm tai nạn lao động, bệnh nghề nghiệp"
    )
    # The amounts sit at the right edge of their column.
    cell = page.locator('.statement-balance [data-field="carried_forward"]')
    assert cell.evaluate("e => getComputedStyle(e).textAlign") == "right"

    page.emulate_media(media="print")
    _shoot(page, "print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator("#print-button")).to_be_hidden()
    printed = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert len(printed.pages) == 1
    text = " ".join(printed.pages[0].extract_text().split())
    assert dong(figures["carried_forward"]) in text and "Mẫu C12-TS" in text

    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.locator('[data-section="statement_links"] a[data-link="pdf"]').click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"C12-TS_TA01234_{month}.pdf"
    pdf_text = " ".join(PdfReader(saved).pages[0].extract_text().split())
    for name in ("brought_forward", "due_total", "paid", "carried_forward"):
        assert dong(figures[name]) in pdf_text, name
