"""Back office: a clerk uploads a unit's report and reads a statement, an approver records a
payment and imports bank transfers; citizens cannot. (Scope, roles, bounds, audit and access
log: test_backoffice_scope.py.)"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.contributions.models import ContributionMonth, Payment, Report
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, data_field, login, text

pytestmark = pytest.mark.django_db

REPORTS = "/backoffice/contributions/reports/"
PAYMENTS = "/backoffice/contributions/payments/"
STATEMENT = "/backoffice/contributions/statement/"


def _upload(client, unit, body: bytes, reference="BO-1"):
    return client.post(
        REPORTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, REPORTS),
            "unit": unit.code,
            "reference": reference,
            "period": "2026-10",
            "file": SimpleUploadedFile("d02.csv", body, "text/csv"),
        },
    )


def test_a_clerk_uploads_a_report_and_an_approver_records_a_payment(
    client, clerk, approver, unit, citizen
):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = _upload(
        client,
        unit,
        b"bhxh_code,type,from_month,salary,date_of_birth\n"
        b"0123456789,hire,2026-10,10000000,1990-05-17\n",
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.channel, report.staff) == ("backoffice", clerk)
    client.logout()
    login(client, "canbo2", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    response = client.post(
        PAYMENTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, PAYMENTS),
            "action": "record",
            "unit": unit.code,
            "amount": "3200000",
            "paid_on": "2026-10-20",
        },
    )
    assert response.status_code == 302
    assert Payment.objects.get().recorded_by == approver
    assert ContributionMonth.objects.get().paid is True
    page = client.get(STATEMENT, {"unit": unit.code, "month": "2026-10"})
    assert data_field(page, "due_total") == "3.200.000 đồng"
    assert data_field(page, "carried_forward") == "0 đồng"
    assert data_field(page, "month") == "10/2026"  # as a clerk reads a month


def test_a_rejected_upload_lists_the_line_errors_and_stores_nothing(client, clerk, unit):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = _upload(
        client,
        unit,
        b"bhxh_code,type,from_month,salary,date_of_birth\n9999999999,hire,2026-10,1,1990-01-01\n",
    )

    assert response.status_code == 422
    assert (
        "Dòng 2 (mã số BHXH 9999999999): mã số BHXH và ngày sinh không khớp với người nào"
    ) in text(response.content)
    assert not Report.objects.exists()


def test_bank_import_from_the_back_office(client, approver, unit):
    login(client, "canbo2", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    body = b"bank_reference,unit_code,amount,paid_on\nVCB-1,TA01234,500000,2026-10-02\n"

    response = client.post(
        PAYMENTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, PAYMENTS),
            "action": "import",
            "file": SimpleUploadedFile("bank.csv", body, "text/csv"),
        },
    )

    assert response.status_code == 302
    assert Payment.objects.get().bank_reference == "VCB-1"


def test_citizens_cannot_use_the_back_office_pages(client, citizen, unit):
    login(client, "0123456789", CITIZEN_PASSWORD)

    for path in (REPORTS, PAYMENTS, STATEMENT):
        response = client.get(path)
        assert response.status_code == 302 and BACKOFFICE_LOGIN in response["Location"]


def test_a_clerk_uploads_a_workbook_made_from_the_template(client, clerk, unit, citizen):
    from .test_d02_files import workbook

    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    data = workbook([["0123456789", "Nguyễn Văn An", "Tăng", "2026-10", None, 10_000_000, None,
                      None, "1990-05-17"]]).getvalue()  # fmt: skip

    response = client.post(
        REPORTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, REPORTS),
            "unit": unit.code,
            "reference": "BO-XL",
            "period": "2026-10",
            "file": SimpleUploadedFile("d02.xlsx", data),
        },
    )

    assert response.status_code == 302
    assert Report.objects.get().counts["hire"] == 1


def test_a_rejected_upload_says_every_problem_of_each_line_in_vietnamese(client, clerk, unit):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = _upload(
        client,
        unit,
        "Mã số BHXH,Loại biến động,Từ tháng,Mức lương\n\n9999999999,increase,2026-10,abc\n"
        "12345,giảm,2026-13,\n".encode(),
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert (
        "Dòng 3 (mã số BHXH 9999999999): loại biến động &#x27;increase&#x27; không hợp lệ — "
        "dùng một trong: tăng, giảm, điều chỉnh lương, truy thu; mức lương &#x27;abc&#x27; "
        "không phải số"
    ) in page
    assert (
        "Dòng 4 (mã số BHXH 12345): mã số BHXH &#x27;12345&#x27; không phải 10 chữ số; từ "
        "tháng &#x27;2026-13&#x27; không phải tháng dạng YYYY-MM"
    ) in page
    assert ">invalid_type<" not in page and "= invalid" not in page  # no raw codes shown


def test_the_upload_page_links_the_templates_which_download(client, clerk):
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    page = client.get(REPORTS).content.decode()
    xlsx = client.get(f"{REPORTS}template.xlsx")
    csv = client.get(f"{REPORTS}template.csv")

    assert f'href="{REPORTS}template.xlsx"' in page and f'href="{REPORTS}template.csv"' in page
    assert xlsx.status_code == csv.status_code == 200
    assert xlsx.content[:4] == b"PK\x03\x04"
    assert csv.content.decode("utf-8-sig").startswith("Mã số BHXH,")
    client.logout()
    assert client.get(f"{REPORTS}template.xlsx").status_code == 302
