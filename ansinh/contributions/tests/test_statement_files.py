"""The C12-TS statement as the unit keeps it (issue 14): the PDF and the XLSX from the unit API
state the figures of the JSON statement, in Vietnamese, with the schemes' printed names."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ansinh.contributions.money import dong

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def statement(october_statement):
    return october_statement


def _get(api, key, fmt, **kwargs):
    return api.get(f"/unit/statements/2026-10?format={fmt}", headers={"X-API-Key": key}, **kwargs)


def test_the_pdf_is_one_page_and_states_the_totals_of_the_json_statement(api, unit_key, statement):
    response = _get(api, unit_key, "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="C12-TS_TA01234_2026-10.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        210,
        297,
    )
    text = " ".join(reader.pages[0].extract_text().split())
    # Brought forward 3,200,000 × 2 − 5,000,000; October due 18,440,000; 2,500,000 paid.
    assert statement["brought_forward"] == 1_400_000 and statement["paid"] == 2_500_000
    for name in ("brought_forward", "due_total", "paid", "carried_forward", "salary_fund"):
        assert dong(statement[name]) in text, name
    assert "Kỳ trước chuyển sang 1.400.000 đồng" in text
    assert "Chuyển sang kỳ sau 17.340.000 đồng" in text
    assert "Công ty TNHH An Khang" in text and "TA01234" in text and "Tháng 10/2026" in text
    for scheme, due in statement["due"].items():
        assert dong(due["total"]) in text, scheme
    assert "BHTNLĐ-BNN — Bảo hiểm tai nạn lao động, bệnh nghề nghiệp" in text
    assert "Ốm đau, thai sản" in text
    assert "BHTNLD_BNN" not in text and "sickness_maternity" not in text


def test_the_xlsx_has_the_numbers_of_the_json_statement(api, unit_key, statement):
    response = _get(api, unit_key, "xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="C12-TS_TA01234_2026-10.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["C12-TS"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], str)}
    assert rows["Kỳ trước chuyển sang"][2] == statement["brought_forward"]
    assert rows["Phải đóng trong tháng"][2] == statement["due_total"]
    assert rows["Đã đóng trong tháng"][2] == statement["paid"]
    assert rows["Chuyển sang kỳ sau"][2] == statement["carried_forward"]
    assert rows["Quỹ tiền lương"][0] == statement["salary_fund"]
    labels = {"BHXH": "BHXH — Bảo hiểm xã hội", "BHTNLD_BNN": "BHTNLĐ-BNN — "
              "Bảo hiểm tai nạn lao động, bệnh nghề nghiệp", "BHYT": "BHYT — Bảo hiểm y tế",
              "BHTN": "BHTN — Bảo hiểm thất nghiệp"}  # fmt: skip
    for scheme, label in labels.items():
        due = statement["due"][scheme]
        assert tuple(rows[label]) == (due["employer"], due["employee"], due["total"]), scheme
    assert rows["Tổng cộng"][2] == statement["due_total"]
    total_cell = next(row[3] for row in sheet.iter_rows() if row[0].value == "Chuyển sang kỳ sau")
    assert total_cell.number_format == '#,##0 "đồng";-#,##0 "đồng"'


def test_the_files_follow_the_request_language(api, unit_key, statement):
    response = _get(api, unit_key, "pdf", lang="en")

    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Carried forward 17.340.000 đồng" in text
    assert "BHTNLĐ-BNN — Occupational accident and disease insurance" in text


def test_an_unknown_format_is_refused_and_json_stays_the_default(api, unit_key, statement):
    response = _get(api, unit_key, "docx")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_format"
    assert _get(api, unit_key, "json").json() == statement


def test_a_unit_downloads_only_its_own_statement(api, other_unit_key, statement):
    response = _get(api, other_unit_key, "pdf")

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "TB00815" in text and "TA01234" not in text and "An Khang" not in text


def test_the_openapi_document_names_the_file_formats(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/unit/statements/{month}"
    ]["get"]

    assert operation["operationId"] == "getStatement"
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "application/pdf", XLSX}
    (param,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert param["schema"]["enum"] == ["json", "pdf", "xlsx"]
