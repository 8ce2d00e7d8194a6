"""Correction cases of a contribution period (issue 15 §2; rules in ``dossiers.cases``):

* ``/me/correction-cases``: the citizen files (multipart: a ``payload`` JSON part and
  ``evidence`` files), lists and reads their cases;
* ``/unit/correction-cases``: the unit (its API key) lists and reads its cases (the person's
  name only when they allowed it) and answers once: a correction (``correct_period`` lines
  through the report ingestion) or a dispute;
* ``/staff/correction-cases``: the office reads and decides the cases sent to it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ansinh.contributions.validation import ReportRejected
from ansinh.dossiers import cases
from ansinh.lib.actor import Actor, Channel

from . import multipart
from .auth import current_citizen, current_org_key, current_user, org_key_auth, token_auth
from .errors import ApiError
from .report_files import rejected
from .schemas import ErrorOut

me_router = Router(tags=["me"], auth=token_auth)
unit_router = Router(tags=["unit"], auth=org_key_auth)
staff_router = Router(tags=["staff"], auth=token_auth)

ERRORS: dict[int, Any] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut
}  # fmt: skip


class CaseIn(Schema):
    unit_code: str
    from_month: str
    to_month: str
    problem: str
    salary: int | None = None
    description: str = ""
    name_visible: bool = False


class CaseEventOut(Schema):
    kind: str
    label: str
    at: str
    note: str


class CasePersonOut(Schema):
    bhxh_code: str
    full_name: str


class CaseOut(Schema):
    case_id: str
    status: str
    status_label: str
    unit_code: str
    unit_name: str
    from_month: str
    to_month: str
    problem: str
    problem_label: str
    salary: int | None
    description: str
    name_visible: bool
    person: CasePersonOut | None
    filed_at: str
    unit_due: str
    office_due: str | None
    reason: str
    report_id: str | None
    evidence: int
    events: list[CaseEventOut]


class CaseListOut(Schema):
    items: list[CaseOut]


class CorrectionLineIn(Schema):
    from_month: str
    to_month: str
    salary: int
    job_title: str = ""


class AnswerIn(Schema):
    """``correct``: ``reference`` and ``lines`` (the person's code and ``correct_period`` are
    added); ``dispute``: ``reason``."""

    action: str
    reference: str = ""
    lines: list[CorrectionLineIn] = []
    reason: str = ""


class DecisionIn(Schema):
    uphold: bool
    reason: str = ""
    salary: int | None = None


CASE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["payload"],
                    "properties": {
                        "payload": {
                            "type": "string",
                            "description": 'JSON: {"unit_code": "TA01234", "from_month": '
                            '"2026-01", "to_month": "2026-03", "problem": "missing_months" | '
                            '"wrong_salary" | "wrong_unit" | "deducted_not_paid", "salary": '
                            '10000000, "description": "", "name_visible": false}',
                        },
                        "evidence": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "0 to 4 payslips, contract, photos: PNG, JPEG or PDF",
                        },
                    },
                }
            }
        },
    }
}


def _citizen(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API, user=current_citizen(request))


def _unit(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API, key=current_org_key(request))


def _staff(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API, user=current_user(request))


@me_router.post("", response={201: CaseOut, **ERRORS}, openapi_extra=CASE_BODY)
def my_file_case(request: HttpRequest) -> Status[CaseOut]:
    """File a correction case about one unit and a range of months (at most 120, none in the
    future), with evidence. Bad input: 400 with the fields, nothing stored."""
    actor = _citizen(request)
    raw, files = multipart.form_parts(request)
    payload = multipart.payload_of(raw, CaseIn)
    case = cases.file_case(actor=actor, data=payload.model_dump(), files=files.getlist("evidence"))
    return Status(201, CaseOut(**cases.present(case)))


@me_router.get("", response={200: CaseListOut, **ERRORS})
def my_cases(request: HttpRequest) -> CaseListOut:
    return CaseListOut(items=[cases.present(c) for c in cases.cases_for_citizen(_citizen(request))])  # type: ignore[misc]


@me_router.get("/{case_id}", response={200: CaseOut, **ERRORS})
def my_case(request: HttpRequest, case_id: str) -> CaseOut:
    return CaseOut(**cases.present(cases.get_case_for_citizen(_citizen(request), case_id)))


@unit_router.get("", response={200: CaseListOut, **ERRORS})
def unit_cases(request: HttpRequest) -> CaseListOut:
    """The unit's cases, newest first; ``person`` is null unless the person allowed it."""
    items = [cases.present(c, for_unit=True) for c in cases.cases_for_unit(_unit(request))]
    return CaseListOut(items=items)  # type: ignore[arg-type]


@unit_router.get("/{case_id}", response={200: CaseOut, **ERRORS})
def unit_case(request: HttpRequest, case_id: str) -> CaseOut:
    case = cases.get_case_for_unit(_unit(request), case_id)
    return CaseOut(**cases.present(case, for_unit=True))


@unit_router.post("/{case_id}/answer", response={200: CaseOut, **ERRORS})
def unit_answer(request: HttpRequest, case_id: str, payload: AnswerIn) -> CaseOut:
    """Answer once: ``correct`` sends a correction report (422 ``invalid_report`` when a line
    is refused, nothing stored), ``dispute`` sends the case to the office. Again: 409
    ``case_answered``. Another unit's case: 404."""
    actor = _unit(request)
    if payload.action == "correct":
        lines = [line.model_dump() for line in payload.lines]
        try:
            case = cases.answer_with_correction(
                actor=actor, public_id=case_id, reference=payload.reference, lines=lines
            )
        except ReportRejected as exc:
            raise rejected(exc, None) from None
    elif payload.action == "dispute":
        case = cases.dispute(actor=actor, public_id=case_id, reason=payload.reason)
    else:
        raise ApiError(
            400, "invalid_input", "action: correct | dispute", fields={"action": "invalid_choice"}
        )
    return CaseOut(**cases.present(case, for_unit=True))


@staff_router.get("", response={200: CaseListOut, **ERRORS})
def staff_cases(request: HttpRequest) -> CaseListOut:
    items = [cases.present(c) for c in cases.cases_for_office(_staff(request))]
    return CaseListOut(items=items)  # type: ignore[arg-type]


@staff_router.get("/{case_id}", response={200: CaseOut, **ERRORS})
def staff_case(request: HttpRequest, case_id: str) -> CaseOut:
    """One case of the caller's office (in the person's access log); another office's: 404."""
    return CaseOut(**cases.present(cases.get_case_for_staff(_staff(request), case_id)))


@staff_router.post("/{case_id}/decision", response={200: CaseOut, **ERRORS})
def staff_decide(request: HttpRequest, case_id: str, payload: DecisionIn) -> CaseOut:
    """Uphold (the office's ``correct_period`` report corrects the history) or reject with a
    reason a case the unit disputed or left unanswered; otherwise 409."""
    case = cases.decide(
        actor=_staff(request),
        public_id=case_id,
        uphold=payload.uphold,
        reason=payload.reason,
        salary=payload.salary,
    )
    return CaseOut(**cases.present(case))
