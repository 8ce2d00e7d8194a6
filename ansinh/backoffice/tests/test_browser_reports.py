"""A unit's D02-LT in Excel through the back office, in Debian's Chromium at desktop size
(issue 14): the clerk downloads the template from the upload page, fills it in (openpyxl, as
Excel would save it), uploads it; then a workbook with mistakes, whose every line's problems
are listed in Vietnamese, numbered as Excel shows the rows.

Selectors are URLs, field names, ids and data attributes; the texts checked are the messages
the issue asks for. ``ANSINH_SCREENSHOTS=/some/dir`` keeps the pages."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from ansinh.conftest import STAFF_PASSWORD
from ansinh.contributions.models import Employment, Report
from ansinh.contributions.months import add_months, format_month, month_of
from ansinh.portal.tests.browser import browser, page
from ansinh.portal.tests.browser_steps import shoot

__all__ = ["browser", "page"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPORTS = "/backoffice/contributions/reports/"


@pytest.fixture(autouse=True)
def _reference_data(db: None) -> None:
    """The rates and due dates the migrations load: a transactional test before this one
    flushed them (as ``pages.make_demo`` does, idempotent)."""
    from django.apps import apps

    for data in ("0002_reference_data", "0005_due_date_rules"):
        importlib.import_module(f"ansinh.contributions.migrations.{data}").load(apps, None)


def _sign_in(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/backoffice/login/")
    page.fill('input[name="username"]', "canbo1")
    page.fill('input[name="password"]', STAFF_PASSWORD)
    page.fill('input[name="captcha_1"]', "PASSED")
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))


def _template_from_the_page(page: Page) -> Any:
    """The workbook behind the page's "Tải mẫu Excel" link, opened as Excel would open it."""
    with page.expect_download() as download:
        page.locator("#template-xlsx").click()
    assert download.value.suggested_filename == "mau-d02-lt.xlsx"
    return load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))


def _fill_and_upload(page: Page, book: Any, rows: list[list[Any]], tmp: Path, ref: str) -> None:
    sheet = book["D02-LT"]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    path = tmp / f"{ref}.xlsx"
    book.save(path)
    page.fill('input[name="unit"]', "TA01234")
    page.fill('input[name="reference"]', ref)
    page.fill('input[name="period"]', format_month(_month()))
    page.set_input_files('input[name="file"]', str(path))
    page.locator('main form button[type="submit"]').click()


def _month() -> Any:
    return add_months(month_of(timezone.localdate()), -1)


def test_a_clerk_uploads_the_template_filled_in_excel(page: Page, clerk, unit, citizen, tmp_path):
    _sign_in(page)
    page.goto(REPORTS)
    book = _template_from_the_page(page)
    month = format_month(_month())

    _fill_and_upload(
        page,
        book,
        [
            [
                "0123456789",
                "Nguyễn Văn An",
                "Tăng",
                month,
                None,
                9_000_000,
                "Kế toán",
                None,
                "1990-05-17",
            ]
        ],  # fmt: skip
        tmp_path,
        "D02-XLSX-1",
    )

    expect(page).to_have_url(re.compile(re.escape(REPORTS) + "$"))
    expect(page.locator(".messages li")).to_contain_text("D02-XLSX-1")
    shoot(page, "backoffice-report-xlsx-stored")
    assert Report.objects.get().counts["hire"] == 1
    assert Employment.objects.get(person=citizen.person).started == _month()


def test_a_workbook_with_mistakes_lists_every_lines_problems_in_vietnamese(
    page: Page, clerk, unit, citizen, citizen_no_email, tmp_path
):
    _sign_in(page)
    page.goto(REPORTS)
    book = _template_from_the_page(page)
    month = format_month(_month())

    _fill_and_upload(
        page,
        book,
        [
            ["9999999999", "Lê Văn Cường", "increase", month, None, "abc"],
            [
                "0123456789",
                "Nguyễn Văn An",
                "tăng",
                month,
                None,
                9_000_000,
                None,
                None,
                "1990-05-17",
            ],
            [],
            ["0123456790", "Trần Thị Bình", "giảm", "2026-13", None, 5_000_000],
        ],
        tmp_path,
        "D02-XLSX-2",
    )

    problems = page.locator('[data-section="line-errors"] li')
    shoot(page, "backoffice-report-xlsx-rejected")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_have_attribute("data-row", "2")
    expect(problems.nth(0)).to_have_text(
        "Dòng 2 (mã số BHXH 9999999999): loại biến động 'increase' không hợp lệ — dùng một "
        "trong: tăng, giảm, điều chỉnh lương, truy thu; mức lương 'abc' không phải số (số "
        "nguyên đồng, chỉ gồm chữ số)"
    )
    expect(problems.nth(1)).to_have_text(
        "Dòng 5 (mã số BHXH 0123456790): từ tháng '2026-13' không phải tháng dạng YYYY-MM; "
        "dòng giảm không ghi mức lương"
    )
    expect(page.locator('[data-section="rejected"]')).to_contain_text("Có 2 dòng lỗi")
    assert not Report.objects.exists()
