"""The D02-LT templates for a unit's HR clerk (docs/contributions.md), public like the
documentation: ``GET /unit/reports/template.xlsx`` (Vietnamese column headers, a second sheet
explaining each column and change type) and ``GET /unit/reports/template.csv`` (the header)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ansinh.contributions.d02template import CSV_NAME, XLSX_NAME, template_csv, template_xlsx
from ansinh.contributions.xlsx import XLSX_MEDIA_TYPE

templates_router = Router(tags=["unit"])


def _download(content: bytes, media_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _binary(media_type: str, description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@templates_router.get(
    "/template.xlsx",
    auth=None,
    openapi_extra=_binary(XLSX_MEDIA_TYPE, "The D02-LT template as an Excel workbook"),
)
def report_template_xlsx(request: HttpRequest) -> HttpResponse:
    """The D02-LT template as an Excel workbook: the first sheet's header row names the columns
    in Vietnamese ("Mã số BHXH", "Loại biến động", "Từ tháng", …), the second sheet ("Hướng
    dẫn") explains each column and each change type (tăng, giảm, điều chỉnh lương, truy
    thu). Fill it in and send it to ``POST /unit/reports``."""
    return _download(template_xlsx(), XLSX_MEDIA_TYPE, XLSX_NAME)


@templates_router.get(
    "/template.csv",
    auth=None,
    openapi_extra=_binary("text/csv", "The D02-LT template as a CSV (the header line)"),
)
def report_template_csv(request: HttpRequest) -> HttpResponse:
    """The D02-LT template as a CSV: the header line with the Vietnamese column titles (UTF-8
    with a byte-order mark, so that Excel shows the diacritics)."""
    return _download(template_csv(), "text/csv; charset=utf-8", CSV_NAME)
