"""``/calculators/…``: the citizen's calculators (issue 15 §3), public and read-only. Every
amount is in đồng; ``reference_rows`` lists the dated rows used, with their legal sources."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ansinh.contributions import calculators

from .errors import ApiError
from .schemas import ErrorOut

router = Router(tags=["calculators"])
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class ReferenceRowOut(Schema):
    name: str
    value: int
    valid_from: str
    legal_source: str


class VoluntaryOut(Schema):
    on: str
    income: int
    group: str
    lowest_income: int
    highest_income: int
    rate_basis_points: int
    contribution: int
    support_basis_points: int
    state_support: int
    you_pay: int
    support_max_months: int
    reference_rows: list[ReferenceRowOut]


class MemberOut(Schema):
    member: int
    share_basis_points: int
    monthly: int


class TotalOut(Schema):
    months: int
    amount: int


class HouseholdOut(Schema):
    on: str
    members: list[MemberOut]
    monthly_total: int
    totals: list[TotalOut]
    reference_rows: list[ReferenceRowOut]


class DeductionOut(Schema):
    scheme: str
    basis_points: int
    salary_counted: int
    amount: int


class SalaryOut(Schema):
    on: str
    salary: int
    region: str
    deductions: list[DeductionOut]
    total: int
    take_home: int
    reference_rows: list[ReferenceRowOut]


def _whole(value: str, name: str, code: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        message = _("Must be a whole number.")
        raise ApiError(400, code, message, fields={name: message})
    return int(text)


def _day(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        if not DATE_RE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        message = _("Must be a date written YYYY-MM-DD.")
        raise ApiError(400, "invalid_date", message, fields={"on": message}) from None


RESPONSES: dict[int, Any] = {400: ErrorOut, 429: ErrorOut}


@router.get("/voluntary-bhxh", response={200: VoluntaryOut, **RESPONSES}, auth=None)
def voluntary_bhxh(
    request: HttpRequest, income: str, group: str, on: str | None = None
) -> dict[str, Any]:
    """Voluntary social insurance: 22 % of the chosen monthly ``income`` (between the rural
    poverty line and 20 × the reference level), the state support for the ``group`` (``poor``,
    ``near_poor``, ``ethnic_minority``, ``other``; a share of the contribution at the poverty
    line, for at most ``support_max_months`` months) and what the person pays. Errors:
    ``invalid_income``, ``income_out_of_range``, ``invalid_group``, ``invalid_date``,
    ``no_reference_data``."""
    return calculators.voluntary_bhxh(
        income=_whole(income, "income", "invalid_income"), group=group, on=_day(on)
    )


@router.get("/household-bhyt", response={200: HouseholdOut, **RESPONSES}, auth=None)
def household_bhyt(request: HttpRequest, members: str, on: str | None = None) -> dict[str, Any]:
    """Household health insurance for ``members`` people (1–20): 4.5 % of the reference level
    a month for the first, 70 / 60 / 50 / 40 % of that for the 2nd, 3rd, 4th and each further
    member; totals for 3, 6 and 12 months. Errors: ``invalid_members``, ``invalid_date``,
    ``no_reference_data``."""
    count = _whole(members, "members", "invalid_members")
    return calculators.household_bhyt(members=count, on=_day(on))


@router.get("/salary-deductions", response={200: SalaryOut, **RESPONSES}, auth=None)
def salary_deductions(
    request: HttpRequest, salary: str, region: str = "I", on: str | None = None
) -> dict[str, Any]:
    """An employee's monthly deductions from a ``salary`` in wage ``region`` (I–IV, for the
    BHTN cap): BHXH, BHYT and BHTN at the employee's rates in force, each on the salary up to
    its cap. Errors: ``invalid_salary``, ``invalid_region``, ``invalid_date``,
    ``no_reference_data``."""
    amount = _whole(salary, "salary", "invalid_salary")
    return calculators.salary_deductions(salary=amount, region=region, on=_day(on))
