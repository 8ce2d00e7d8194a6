"""The citizen's correction case of a contribution period (issue 15 §2, docs/contributions.md
"Correction cases"). The rules are here; the API and the pages only call these functions.

A person files a case about one unit and a range of months; the unit has
``CORRECTION_CASE_UNIT_WORKING_DAYS`` working days to answer with a correction report (its
``correct_period`` lines go through ``contributions.services.ingest_report``, like any report)
or to dispute it; a disputed case, or one the unit left unanswered (``escalate_overdue``), goes
to the unit's office, which upholds it (its decision is a ``correct_period`` report of its own,
again through ``ingest_report``) or rejects it with a reason. The participation history changes
only through those two reports. The unit sees the person's name only when the person allowed
it; every read by the unit or the office writes the data-access log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ansinh.accounts.access import require_staff_office
from ansinh.audit.services import log_access
from ansinh.contributions.access import NotAUnit, unit_of_key
from ansinh.contributions.models import LineType
from ansinh.contributions.months import format_month, month_of, parse_month
from ansinh.contributions.services import ingest_report
from ansinh.lib.actor import Actor
from ansinh.lib.errors import Conflict, Forbidden, Invalid, NotFound
from ansinh.notifications.services import notify
from ansinh.people.models import Unit

from .access import person_of_citizen
from .case_models import (
    CASE_FOR_OFFICE,
    CaseEvent,
    CaseEventKind,
    CaseEvidence,
    CaseStatus,
    CorrectionCase,
    Problem,
    new_case_id,
)
from .notify import fill
from .sla import add_working_days
from .uploads import UploadRejected, check_files

MAX_MONTHS = 120
MAX_SALARY = 10_000_000_000
LINE_FIELDS = frozenset({"from_month", "to_month", "salary", "job_title", "schemes"})

NOTICES: dict[str, Any] = {
    CaseEventKind.FILED: _("Correction case %(case_id)s filed: the unit has until %(due)s."),
    CaseEventKind.CORRECTED: _("Case %(case_id)s: the unit sent a correction of your history."),
    CaseEventKind.DISPUTED: _("Case %(case_id)s: the unit disputes it; the office decides."),
    CaseEventKind.ESCALATED: _("Case %(case_id)s: the unit did not answer; the office decides."),
    CaseEventKind.UPHELD: _("Case %(case_id)s: the office upheld it and corrected your history."),
    CaseEventKind.REJECTED: _("Case %(case_id)s: the office rejected it."),
}


def _invalid(fields: dict[str, str]) -> Invalid:
    return Invalid(fields=fields)


def _month(value: Any, field: str, errors: dict[str, str]) -> dt.date | None:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_month(value)
    except ValueError:
        errors[field] = "invalid_month"
        return None


def check_months(from_value: Any, to_value: Any) -> tuple[dt.date, dt.date]:
    """``YYYY-MM`` … ``YYYY-MM``, in order, not in the future, at most ``MAX_MONTHS``."""
    errors: dict[str, str] = {}
    first, last = _month(from_value, "from_month", errors), _month(to_value, "to_month", errors)
    if first and last:
        if last < first:
            errors["to_month"] = "before_from_month"
        elif last > month_of(timezone.localdate()):
            errors["to_month"] = "future_month"
        elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
            errors["to_month"] = "too_many_months"
    if errors or first is None or last is None:
        raise _invalid(errors)
    return first, last


def _event(
    case: CorrectionCase, kind: str, actor: Actor, *, label: str = "", note: str = ""
) -> None:
    CaseEvent.objects.create(
        case=case,
        kind=kind,
        status=case.status,
        at=timezone.now(),
        actor=actor.user if actor.user is not None and actor.user.pk else None,
        actor_label=label[:120],
        note=note[:500],
    )
    account = getattr(case.person, "account", None)
    if account is not None:
        due = case.unit_due.isoformat()
        notify(
            user=account,
            kind=f"correction_case_{kind}",
            title=fill(NOTICES[kind], {"case_id": case.public_id, "due": due}),
            body=note,
            link=f"/ca-nhan/dieu-chinh/{case.public_id}/",
        )


def _store_evidence(case: CorrectionCase, uploads: Sequence[UploadedFile]) -> None:
    try:
        checked = check_files(list(uploads), required=False)
    except UploadRejected as refusal:
        raise Invalid(refusal.code, refusal.message, fields={"files": refusal.code}) from None
    for item in checked:
        evidence = CaseEvidence(
            case=case,
            content_type=item.content_type,
            size=item.size,
            original_name=item.name,
            sha256=item.sha256,
            uploaded_at=case.filed_at,
        )
        item.upload.seek(0)
        evidence.file.save("upload", File(item.upload), save=False)
        evidence.save()


def file_case(
    *, actor: Actor, data: Mapping[str, Any], files: Sequence[UploadedFile] = ()
) -> CorrectionCase:
    """The acting citizen files a case; ``Invalid`` (nothing stored) for bad input."""
    person = person_of_citizen(actor)
    first, last = check_months(data.get("from_month"), data.get("to_month"))
    errors: dict[str, str] = {}
    unit = Unit.objects.filter(code=str(data.get("unit_code") or "")).first()
    if unit is None:
        errors["unit_code"] = "unknown_unit"
    problem = str(data.get("problem") or "")
    if problem not in Problem.values:
        errors["problem"] = "invalid_choice"
    salary = data.get("salary")
    if salary is not None and (
        not isinstance(salary, int) or isinstance(salary, bool) or not 0 < salary <= MAX_SALARY
    ):
        errors["salary"] = "invalid_salary"
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > 1000:
        errors["description"] = "too_long"
    name_visible = data.get("name_visible", False)
    if not isinstance(name_visible, bool):
        errors["name_visible"] = "invalid_choice"
    if errors or unit is None:
        raise _invalid(errors)
    now = timezone.now()
    with transaction.atomic():
        while CorrectionCase.objects.filter(public_id=(public_id := new_case_id())).exists():
            pass
        case = CorrectionCase.objects.create(
            public_id=public_id,
            person=person,
            unit=unit,
            office=unit.office,
            from_month=first,
            to_month=last,
            problem=problem,
            salary=salary,
            description=description,
            name_visible=name_visible,
            filed_at=now,
            unit_due=add_working_days(
                timezone.localdate(), settings.CORRECTION_CASE_UNIT_WORKING_DAYS
            ),
        )
        _store_evidence(case, files)
        _event(case, CaseEventKind.FILED, actor)
    return case


def cases_for_citizen(actor: Actor) -> QuerySet[CorrectionCase]:
    return CorrectionCase.objects.filter(person=person_of_citizen(actor)).select_related("unit")


def get_case_for_citizen(actor: Actor, public_id: str) -> CorrectionCase:
    case = cases_for_citizen(actor).filter(public_id=public_id).first()
    if case is None:
        raise NotFound
    return case


def _unit_of(actor: Actor) -> Unit:
    if actor.key is None:
        raise Forbidden("not_a_unit", _("Only an employer unit's key can do this."))
    try:
        return unit_of_key(actor.key)
    except NotAUnit:
        raise Forbidden("not_a_unit", _("Only an employer unit's key can do this.")) from None


def cases_for_unit(actor: Actor) -> QuerySet[CorrectionCase]:
    """The unit's cases; the list shows no names, so it logs no read."""
    return CorrectionCase.objects.filter(unit=_unit_of(actor)).select_related("person", "unit")


def get_case_for_unit(actor: Actor, public_id: str, *, lock: bool = False) -> CorrectionCase:
    """One case of the acting unit (another unit's is answered like an unknown one); logged
    in the person's data-access log."""
    cases = cases_for_unit(actor).filter(public_id=public_id)
    case = (cases.select_for_update(of=("self",)) if lock else cases).first()
    if case is None:
        raise NotFound
    log_access(person=case.person, what="correction_case", by=actor, unit=case.unit)
    return case


def _locked_for_unit(actor: Actor, public_id: str) -> CorrectionCase:
    case = get_case_for_unit(actor, public_id, lock=True)
    if case.status != CaseStatus.AWAITING_UNIT:
        raise Conflict("case_answered", _("This case has already been answered or escalated."))
    return case


def _correction_lines(case: CorrectionCase, lines: Any) -> list[dict[str, Any]]:
    """The unit's lines as ``correct_period`` lines of the case's person, inside its months."""
    if not isinstance(lines, list) or not lines or len(lines) > MAX_MONTHS:
        raise _invalid({"lines": "invalid_lines"})
    result = []
    for number, item in enumerate(lines, start=1):
        if not isinstance(item, dict) or not set(item) <= LINE_FIELDS:
            raise _invalid({"lines": f"invalid_line_{number}"})
        first, last = check_months(item.get("from_month"), item.get("to_month"))
        if first < case.from_month or last > case.to_month:
            raise _invalid({"lines": f"outside_case_months_{number}"})
        result.append({**item, "bhxh_code": case.person.bhxh_code, "type": LineType.CORRECT_PERIOD})
    return result


def answer_with_correction(
    *, actor: Actor, public_id: str, reference: Any, lines: Any
) -> CorrectionCase:
    """The unit answers with a correction report: ``lines`` (months, salary, …) become its
    ``correct_period`` lines for the person; ``ReportRejected`` stores nothing."""
    with transaction.atomic():
        case = _locked_for_unit(actor, public_id)
        result = ingest_report(
            unit=case.unit,
            reference=reference,
            period=format_month(month_of(timezone.localdate())),
            lines=_correction_lines(case, lines),
            actor=actor,
        )
        if not result.created:
            raise Conflict("reference_used", _("This report reference is already used."))
        case.status, case.report, case.closed_at = (
            CaseStatus.CORRECTED,
            result.report,
            timezone.now(),
        )
        case.save(update_fields=["status", "report", "closed_at"])
        _event(case, CaseEventKind.CORRECTED, actor, label=case.unit.code)
    return case


def _to_office(case: CorrectionCase) -> None:
    case.office_due = add_working_days(
        timezone.localdate(), settings.CORRECTION_CASE_OFFICE_WORKING_DAYS
    )
    case.save(update_fields=["status", "reason", "office_due"])


def dispute(*, actor: Actor, public_id: str, reason: Any) -> CorrectionCase:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise _invalid({"reason": "required"})
    with transaction.atomic():
        case = _locked_for_unit(actor, public_id)
        case.status, case.reason = CaseStatus.DISPUTED, reason.strip()
        _to_office(case)
        _event(case, CaseEventKind.DISPUTED, actor, label=case.unit.code, note=case.reason)
    return case


def escalate_overdue(*, actor: Actor, today: dt.date | None = None) -> int:
    """Send every case whose unit let its deadline pass to the office; returns how many."""
    today = today or timezone.localdate()
    count = 0
    overdue = CorrectionCase.objects.filter(status=CaseStatus.AWAITING_UNIT, unit_due__lt=today)
    for public_id in overdue.values_list("public_id", flat=True):
        with transaction.atomic():
            case = (
                CorrectionCase.objects.select_for_update()
                .filter(public_id=public_id, status=CaseStatus.AWAITING_UNIT)
                .first()
            )
            if case is None:
                continue
            case.status = CaseStatus.ESCALATED
            _to_office(case)
            _event(case, CaseEventKind.ESCALATED, actor, label="system")
            count += 1
    return count


def cases_for_office(actor: Actor) -> QuerySet[CorrectionCase]:
    _, office = require_staff_office(actor)
    return CorrectionCase.objects.filter(office=office).select_related("person", "unit")


def get_case_for_staff(actor: Actor, public_id: str, *, lock: bool = False) -> CorrectionCase:
    cases = cases_for_office(actor).filter(public_id=public_id)
    case = (cases.select_for_update(of=("self",)) if lock else cases).first()
    if case is None:
        raise NotFound
    log_access(person=case.person, what="correction_case", by=actor, unit=case.unit)
    return case


def decide(
    *, actor: Actor, public_id: str, uphold: Any, reason: Any = "", salary: Any = None
) -> CorrectionCase:
    """The office upholds (its ``correct_period`` report at ``salary``, or the salary the
    person gave, corrects the history) or rejects with a reason a case sent to it."""
    if not isinstance(uphold, bool):
        raise _invalid({"uphold": "invalid_choice"})
    reason = reason.strip() if isinstance(reason, str) else ""
    if not uphold and not reason:
        raise _invalid({"reason": "required"})
    with transaction.atomic():
        case = get_case_for_staff(actor, public_id, lock=True)
        if case.status not in CASE_FOR_OFFICE:
            raise Conflict("case_not_for_office", _("This case is not waiting for the office."))
        case.reason, case.closed_at = reason[:500], timezone.now()
        if uphold:
            salary = case.salary if salary is None else salary
            if (
                not isinstance(salary, int)
                or isinstance(salary, bool)
                or not 0 < salary <= MAX_SALARY
            ):
                raise _invalid({"salary": "invalid_salary"})
            line = {
                "bhxh_code": case.person.bhxh_code,
                "type": LineType.CORRECT_PERIOD,
                "from_month": format_month(case.from_month),
                "to_month": format_month(case.to_month),
                "salary": salary,
            }
            result = ingest_report(
                unit=case.unit,
                reference=case.public_id,
                period=format_month(month_of(timezone.localdate())),
                lines=[line],
                actor=actor,
            )
            case.status, case.report = CaseStatus.UPHELD, result.report
        else:
            case.status = CaseStatus.REJECTED
        case.save(update_fields=["status", "report", "reason", "closed_at"])
        kind = CaseEventKind.UPHELD if uphold else CaseEventKind.REJECTED
        _event(case, kind, actor, note=case.reason)
    return case


def present(case: CorrectionCase, *, for_unit: bool = False) -> dict[str, Any]:
    """The case as the person, the unit (the name only when allowed) or the office sees it."""
    person: dict[str, str] | None = {
        "bhxh_code": case.person.bhxh_code,
        "full_name": case.person.full_name,
    }
    if for_unit and not case.name_visible:
        person = None
    return {
        "case_id": case.public_id,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "unit_code": case.unit.code,
        "unit_name": case.unit.name,
        "from_month": format_month(case.from_month),
        "to_month": format_month(case.to_month),
        "problem": case.problem,
        "problem_label": str(Problem(case.problem).label),
        "salary": case.salary,
        "description": case.description,
        "name_visible": case.name_visible,
        "person": person,
        "filed_at": case.filed_at.isoformat(),
        "unit_due": case.unit_due.isoformat(),
        "office_due": case.office_due.isoformat() if case.office_due else None,
        "reason": case.reason,
        "report_id": str(case.report.public_id) if case.report else None,
        "evidence": case.evidence.count(),
        "events": [
            {
                "kind": event.kind,
                "label": str(CaseEventKind(event.kind).label),
                "at": event.at.isoformat(),
                "note": event.note,
            }
            for event in case.events.all()
        ],
    }
