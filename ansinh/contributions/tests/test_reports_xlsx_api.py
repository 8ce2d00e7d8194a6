"""``POST /unit/reports`` with a unit's Excel workbook or a CSV with Vietnamese headers, the
errors a clerk can act on beside the stable codes, and the templates (issue 14)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from ansinh.contributions.d02names import COLUMN_TITLES
from ansinh.contributions.models import Employment, Report
from ansinh.contributions.xlsx import XLSX_MEDIA_TYPE

from .test_d02_files import workbook

pytestmark = pytest.mark.django_db

HIRE_AN = ["0123456789", "Nguyễn Văn An", "tăng", "2026-10", None, 8_000_000, "Kế toán", None,
           "1990-05-17"]  # fmt: skip


def _post_xlsx(client: Any, key: str, data: bytes, lang: str = "vi", **query: str) -> Any:
    query = {"reference": "XL-1", "period": "2026-10"} | query
    return client.generic(
        "POST",
        "/api/v1/unit/reports?" + "&".join(f"{k}={v}" for k, v in query.items()),
        data=data,
        content_type=XLSX_MEDIA_TYPE,
        HTTP_X_API_KEY=key,
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def test_a_workbook_from_the_template_is_stored_like_a_json_report(client, citizen, unit_key):
    response = _post_xlsx(client, unit_key, workbook([HIRE_AN]).getvalue())

    assert response.status_code == 201, response.content
    assert response.json()["counts"]["hire"] == 1
    employment = Employment.objects.get(person=citizen.person)
    assert (employment.started, employment.ended) == (dt.date(2026, 10, 1), None)


def test_a_workbook_as_the_file_of_a_form_is_told_from_a_csv_by_its_bytes(
    client, citizen, unit_key
):
    upload = SimpleUploadedFile(
        "d02.xlsx", workbook([HIRE_AN]).getvalue(), "application/octet-stream"
    )

    response = client.post(
        "/api/v1/unit/reports",
        {"reference": "XL-2", "period": "2026-10", "file": upload},
        HTTP_X_API_KEY=unit_key,
    )

    assert response.status_code == 201, response.content
    assert Report.objects.get().line_count == 1


def test_a_csv_with_the_vietnamese_header_and_words_is_stored(client, citizen, unit_key):
    body = (
        "\ufeff" + ",".join(COLUMN_TITLES.values()) + "\n"
        "0123456789,Nguyễn Văn An,Tang,2026-10,,8000000,Kế toán,,1990-05-17\n"
    )

    response = client.generic(
        "POST",
        "/api/v1/unit/reports?reference=VN-1&period=2026-10",
        data=body.encode(),
        content_type="text/csv",
        HTTP_X_API_KEY=unit_key,
    )

    assert response.status_code == 201, response.content


def test_a_rejected_workbook_keeps_the_codes_and_adds_rows_and_sentences(
    client, citizen, citizen_no_email, unit_key
):
    data = workbook(
        [
            HIRE_AN,
            [],
            ["9999999999", None, "increase", "2026-10", None, "abc"],
            ["0123456790", "Trần Thị Bình", "giảm", "2026-10"],
        ]
    ).getvalue()

    response = _post_xlsx(client, unit_key, data)
    english = _post_xlsx(client, unit_key, data, lang="en")

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert (error["code"], error["error_count"]) == ("invalid_report", 2)
    assert [(e["line"], e["row"], e["fields"]) for e in error["lines"]] == [
        (2, 4, {"type": "invalid_type", "salary": "invalid_salary"}),
        (3, 5, {"bhxh_code": "not_employed"}),
    ]
    assert error["lines"][0]["bhxh_code"] == "9999999999"
    assert error["lines"][0]["messages"]["type"] == (
        "loại biến động 'increase' không hợp lệ — dùng một trong: tăng, giảm, điều chỉnh lương, "
        "truy thu"
    )
    assert error["lines"][0]["message"].startswith(
        "Dòng 4 (mã số BHXH 9999999999): loại biến động 'increase' không hợp lệ"
    )
    assert error["lines"][1]["message"] == (
        "Dòng 5 (mã số BHXH 0123456790): đơn vị không sử dụng người lao động này"
    )
    assert english.json()["error"]["lines"][1]["message"] == (
        "Row 5 (BHXH code 0123456790): the unit does not employ this person"
    )
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a workbook at all", "not_a_workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "xls_not_supported"),
        (b"PK\x03\x04 a broken zip", "not_a_workbook"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_a_422_with_a_code_and_a_sentence(
    client, unit_key, data, code
):
    response = _post_xlsx(client, unit_key, data)

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert (error["code"], error["fields"], error["lines"]) == (
        "invalid_report",
        {"xlsx": code},
        [],
    )
    assert error["message"] == error["messages"]["xlsx"] != ""


def test_a_workbook_over_the_limit_is_a_413(client, unit_key, settings):
    settings.REPORT_MAX_XLSX_BYTES = 4096
    data = workbook([HIRE_AN]).getvalue()
    assert len(data) > 4096

    response = _post_xlsx(client, unit_key, data)
    upload = SimpleUploadedFile("d02.xlsx", data)
    form = client.post(
        "/api/v1/unit/reports",
        {"reference": "XL-3", "period": "2026-10", "file": upload},
        HTTP_X_API_KEY=unit_key,
    )

    assert (response.status_code, response.json()["error"]["code"]) == (413, "body_too_large")
    assert (form.status_code, form.json()["error"]["code"]) == (413, "body_too_large")


def test_a_csv_header_error_has_its_sentence_in_the_readers_language(client, unit_key):
    response = client.generic(
        "POST",
        "/api/v1/unit/reports?reference=H-1&period=2026-10",
        data="Mã số BHXH,Số tiền,Từ tháng\n".encode(),
        content_type="text/csv",
        HTTP_X_API_KEY=unit_key,
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    error = response.json()["error"]
    assert (response.status_code, error["fields"]) == (422, {"csv": "unknown_columns"})
    assert error["messages"]["csv"].startswith("Dòng tiêu đề có cột không thuộc báo cáo: Số tiền.")


def test_the_templates_are_public_downloads_documented_in_the_openapi(client):
    xlsx = client.get("/api/v1/unit/reports/template.xlsx")
    csv = client.get("/api/v1/unit/reports/template.csv")
    document = client.get("/api/v1/openapi.json").json()

    assert xlsx.status_code == csv.status_code == 200
    assert xlsx["Content-Type"] == XLSX_MEDIA_TYPE
    assert 'filename="mau-d02-lt.xlsx"' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["D02-LT", "Hướng dẫn"]
    assert next(book.worksheets[0].iter_rows(values_only=True)) == tuple(COLUMN_TITLES.values())
    assert csv.content.decode("utf-8-sig").startswith(
        "Mã số BHXH,Họ và tên,Loại biến động,Từ tháng"
    )
    path = document["paths"]["/api/v1/unit/reports/template.xlsx"]["get"]
    assert XLSX_MEDIA_TYPE in path["responses"]["200"]["content"]
    assert path["operationId"] == "getReportTemplateXlsx"
    body = document["paths"]["/api/v1/unit/reports"]["post"]["requestBody"]["content"]
    assert XLSX_MEDIA_TYPE in body
