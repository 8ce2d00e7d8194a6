"""The back office's C12-TS statement (issue 14): the statement page names the schemes as BHXH
prints them and links to the printable page, the PDF and the XLSX, which state the figures of
the unit API's statement; another office's unit gets nothing; and no contributions page shows a
raw code (schemes, funds, error codes)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pypdf import PdfReader

from ansinh.conftest import STAFF_PASSWORD
from ansinh.contributions.error_text import MESSAGES
from ansinh.contributions.models import Fund, Scheme
from ansinh.contributions.money import dong
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, data_field, login, text

pytestmark = pytest.mark.django_db

STATEMENT = "/backoffice/contributions/statement/"
PRINT = "/backoffice/contributions/statement/print/"
PDF = "/backoffice/contributions/statement/download/pdf/"
XLSX = "/backoffice/contributions/statement/download/xlsx/"
QUERY = {"unit": "TA01234", "month": "2026-10"}
# Codes a clerk must never read: scheme and fund codes, line and file error codes.
SCHEME_CODES = {"BHTNLD_BNN", *Fund.values}
ERROR_CODES = set(MESSAGES)


@pytest.fixture
def api_statement(october_statement):
    return october_statement


def _visible_codes(response, codes):
    words = set(text(response.content).replace(",", " ").replace(";", " ").split())
    return sorted(code for code in codes if code in words)


def test_the_statement_page_names_the_schemes_and_links_the_printable_and_the_files(
    client, clerk, api_statement
):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    page = client.get(STATEMENT, QUERY)

    assert page.status_code == 200
    body = text(page.content)
    assert "BHTNLĐ-BNN — Bảo hiểm tai nạn lao động, bệnh nghề nghiệp" in body
    assert "BHXH — Bảo hiểm xã hội" in body and "trong đó: Ốm đau, thai sản" in body
    assert "BHXH, BHYT, BHTN, BHTNLĐ-BNN" in body  # a person's schemes
    assert _visible_codes(page, SCHEME_CODES) == []
    html = page.content.decode()
    for path in (PRINT, PDF, XLSX):
        assert f'href="{path}?unit=TA01234&amp;month=2026-10"' in html, path


def test_the_printable_statement_states_the_figures_of_the_api(client, clerk, api_statement):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    page = client.get(PRINT, QUERY)

    assert page.status_code == 200
    for name in ("brought_forward", "due_total", "paid", "carried_forward", "salary_fund"):
        assert data_field(page, name) == dong(api_statement[name]), name
    assert data_field(page, "unit_name") == "Công ty TNHH An Khang"
    assert data_field(page, "month") == "Tháng 10/2026"
    body = text(page.content)
    assert "Mẫu C12-TS" in body and "1.400.000 đồng" in body
    assert _visible_codes(page, SCHEME_CODES) == []


def test_the_back_office_files_state_the_figures_of_the_api(client, clerk, api_statement):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    pdf = client.get(PDF, QUERY)
    xlsx = client.get(XLSX, QUERY)

    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="C12-TS_TA01234_2026-10.pdf"' in pdf["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    pdf_text = " ".join(reader.pages[0].extract_text().split())
    for name in ("brought_forward", "due_total", "paid", "carried_forward"):
        assert dong(api_statement[name]) in pdf_text, name
    sheet = load_workbook(io.BytesIO(xlsx.content))["C12-TS"]
    figures = {row[0]: row[3] for row in sheet.iter_rows(values_only=True) if len(row) > 3}
    assert figures["Chuyển sang kỳ sau"] == api_statement["carried_forward"]
    assert figures["Tổng cộng"] == api_statement["due_total"]


@pytest.mark.parametrize("path", [PRINT, PDF, XLSX])
def test_another_offices_unit_gets_the_lookup_page_and_no_figures(
    client, clerk, other_office, path
):
    from ansinh.people.models import Unit

    Unit.objects.create(code="TC00001", name="Công ty Khác", office=other_office)
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = client.get(path, {"unit": "TC00001", "month": "2026-10"})
    unknown = client.get(path, {"unit": "TZ99999", "month": "2026-10"})

    assert response.status_code == unknown.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Công ty Khác" not in response.content.decode()
    assert "Không có đơn vị nào mang mã này" in text(response.content)


def test_a_bad_month_or_file_kind_is_refused(client, clerk, unit):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    assert client.get(PRINT, {"unit": "TA01234", "month": "10/2026"}).status_code == 400
    assert client.get(PDF, {"unit": "TA01234", "month": "2099-01"}).status_code == 400
    assert (
        client.get("/backoffice/contributions/statement/download/docx/", QUERY).status_code == 404
    )


def test_no_contributions_page_shows_a_raw_code(client, clerk, approver, unit, citizen):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    body = (
        b"bhxh_code,type,from_month,salary,date_of_birth\n"
        b"0123456789,increase,2026-13,abc,1990-05-17\n"
        b"12345,hire,2026-10,5000000,1990-02-30\n"
        b"0123456790,leave,2026-10,,\n"
    )
    reports = client.post(
        "/backoffice/contributions/reports/",
        {
            "csrfmiddlewaretoken": csrf_token(client, "/backoffice/contributions/reports/"),
            "unit": unit.code,
            "reference": "BO-RAW",
            "period": "2026-10",
            "file": SimpleUploadedFile("d02.csv", body, "text/csv"),
        },
    )
    client.logout()
    login(client, "canbo2", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    payments = client.post(
        "/backoffice/contributions/payments/",
        {
            "csrfmiddlewaretoken": csrf_token(client, "/backoffice/contributions/payments/"),
            "action": "import",
            "file": SimpleUploadedFile(
                "bank.csv",
                b"bank_reference,unit_code,amount,paid_on\n,TZ99999,-5,2026-02-30\n",
                "text/csv",
            ),
        },
    )

    assert reports.status_code == 422 and payments.status_code == 400
    reports_text = text(reports.content)
    # Rows as the file shows them: the header is row 1 (issue 14, docs/contributions.md).
    assert (
        "Dòng 2 (mã số BHXH 0123456789): loại biến động 'increase' không hợp lệ — dùng một trong"
    ) in reports_text
    assert "mã số BHXH '12345' không phải 10 chữ số" in reports_text
    assert "Dòng 4 (mã số BHXH 0123456790): đơn vị không sử dụng người lao động này" in reports_text
    assert "Mã đơn vị: không có đơn vị nào mang mã này" in text(payments.content)
    for page in (reports, payments):
        assert _visible_codes(page, ERROR_CODES | SCHEME_CODES) == [], page.request["PATH_INFO"]
    assert Scheme.BHTNLD_BNN == "BHTNLD_BNN"  # the data code the pages must never print


def test_the_statement_states_the_due_date_status_and_late_interest(
    _clock, client, clerk, api_statement
):
    # October (due 2026-11-30) with 17,340,000 unpaid; on 2026-12-10 it is 10 days late:
    # 17,340,000 × 0.0003 × 10 = 52,020 đ of late interest (Luật BHXH 41/2024, Điều 40).
    _clock.move_to("2026-12-10 09:00:00+07:00")
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    page = client.get(STATEMENT, QUERY)
    printed = client.get(PRINT, QUERY)
    pdf = PdfReader(io.BytesIO(client.get(PDF, QUERY).content))
    pdf_text = " ".join(p.extract_text() for p in pdf.pages)

    assert data_field(page, "payment_status") == "Hạn đóng 30/11/2026 — chậm đóng 10 ngày"
    assert data_field(page, "late_interest") == dong(52_020)
    assert data_field(page, "unpaid") == dong(17_340_000)
    assert data_field(printed, "payment_status") == "Hạn đóng 30/11/2026 — chậm đóng 10 ngày"
    assert "Tiền chậm đóng đến nay (0,03 %/ngày)" in text(printed.content)
    assert "chậm đóng 10 ngày" in pdf_text
    assert len(pdf.pages) == 1
