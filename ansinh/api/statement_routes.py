"""``GET /unit/statements/{YYYY-MM}``: the unit's monthly statement (like C12-TS), with the
unit's API key. JSON by default (the contract of DESIGN §4, unchanged); ``?format=pdf`` gives
the printed one-page A4 statement and ``?format=xlsx`` the same rows as a workbook, both drawn
from ``contributions.statement_doc`` in the request's language (``Accept-Language``).

A unit only ever reads its own statement: the unit is the key's, never a parameter.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from ansinh.contributions import statements
from ansinh.contributions.access import NotAUnit, unit_of_key
from ansinh.contributions.months import parse_month
from ansinh.contributions.services import current_month
from ansinh.contributions.statement_doc import document_of
from ansinh.contributions.statement_files import (
    PDF_TYPE,
    XLSX_TYPE,
    statement_pdf,
    statement_xlsx,
)

from .auth import current_org_key, org_key_auth
from .errors import ApiError
from .schemas import ErrorOut

statements_router = Router(tags=["unit"], auth=org_key_auth)

MONTH_SCHEMA = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"}
FORMATS = ("json", "pdf", "xlsx")
FORMAT_SCHEMA = {
    "type": "string",
    "enum": list(FORMATS),
    "default": "json",
    "description": "json (default), pdf (one A4 page) or xlsx",
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


class SchemeDueOut(Schema):
    employer: int
    employee: int
    total: int


class StatementOut(Schema):
    unit_code: str
    unit_name: str
    month: str
    headcount: int
    salary_fund: int
    due: dict[str, SchemeDueOut]
    due_by_fund: dict[str, dict[str, int]]
    due_total: int
    brought_forward: int
    paid: int
    arrears: int
    carried_forward: int
    due_date: str | None = Field(None, description="the last day to pay this month, YYYY-MM-DD")
    unpaid: int = Field(0, description="what of this month's due is not paid today, in đồng")
    payment_status: Literal["paid", "due", "late", "evasion"] = Field(
        "paid",
        description="today: paid, due (within its deadline), late (after it) or evasion "
        "(unpaid more than the legal number of days after it)",
    )
    days_late: int = Field(0, description="days after the due date while unpaid")
    late_interest: int = Field(
        0, description="late interest so far, in đồng (0.03 % a day of the amount late)"
    )


@statements_router.get(
    "/{month}",
    response={200: StatementOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    openapi_extra={
        "responses": {
            # ninja keys its responses by number: merged into the JSON one.
            200: {
                "description": "The statement: JSON, or with ``format`` the PDF or XLSX file",
                "content": {PDF_TYPE: _BINARY, XLSX_TYPE: _BINARY},
            }
        }
    },
)
def statement(
    request: HttpRequest,
    # Documented, not enforced by ninja: a bad month answers 400 ``invalid_month`` below.
    month: Annotated[str, WithJsonSchema(MONTH_SCHEMA)],
    file_format: Annotated[
        str, WithJsonSchema(FORMAT_SCHEMA), Query("json", alias="format")
    ] = "json",
) -> Any:
    """The unit's statement of a month (like C12-TS): headcount, salary fund, due by scheme
    (employer, employee, total), brought forward, paid in the month, arrears, carried
    forward; amounts in đồng. ``format=pdf`` or ``format=xlsx`` downloads the same statement
    as the unit prints or keeps it (scheme names and labels in the request's language)."""
    try:
        unit = unit_of_key(current_org_key(request))
    except NotAUnit:
        raise ApiError(403, "not_a_unit", _("Only an employer unit's key can do this.")) from None
    if file_format not in FORMATS:
        raise ApiError(
            400,
            "invalid_format",
            _("A statement is given as json, pdf or xlsx."),
            fields={"format": "invalid_format"},
        )
    try:
        first = parse_month(month)
    except ValueError:
        raise ApiError(
            400,
            "invalid_month",
            _("A month is written YYYY-MM."),
            fields={"month": "invalid_month"},
        ) from None
    if first > current_month():
        raise ApiError(404, "no_statement", _("There is no statement for a future month."))
    figures = statements.statement_of(unit=unit, month=first)
    if file_format == "json":
        return Status(200, figures.as_dict())
    document = document_of(figures)
    if file_format == "pdf":
        response = HttpResponse(statement_pdf(document), content_type=PDF_TYPE)
    else:
        response = HttpResponse(statement_xlsx(document), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name(file_format)}"'
    return response
