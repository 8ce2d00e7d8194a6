"""The citizen's calculators (issue 15 §3): voluntary social insurance, household health
insurance and an employee's monthly deductions from a salary. Every parameter is a dated row
(``CalculatorParameter`` and the rate tables, docs/contributions.md); each answer lists the rows
it used, with their legal sources. Amounts are whole đồng, rounded half up (``rates``).

Public: nothing here is personal, so the functions take no actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from ansinh.lib.errors import Invalid

from .models import (
    ALL_SCHEMES,
    CalculatorParameter,
    ContributionRate,
    Fund,
    Payer,
    ReferenceLevel,
    RegionalMinimumWage,
    SalaryCap,
    WageRegion,
)
from .money import thousands
from .months import month_of
from .rates import MissingReferenceData, round_half_up, terms_for

GROUPS: tuple[str, ...] = ("poor", "near_poor", "ethnic_minority", "other")
HOUSEHOLD_MONTHS: tuple[int, ...] = (3, 6, 12)
MAX_MEMBERS = 20
MAX_SALARY = 10_000_000_000


class NoReferenceData(Invalid):
    code = "no_reference_data"
    message = _("No reference data is in force on that date.")


@dataclass
class Used:
    """The reference rows an answer used, in the order it used them."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, value: int, valid_from: dt.date, source: str) -> int:
        row = {
            "name": name,
            "value": value,
            "valid_from": valid_from.isoformat(),
            "legal_source": source,
        }
        if row not in self.rows:
            self.rows.append(row)
        return value

    def in_force(self, rows: QuerySet[Any], name: str, on: dt.date, attr: str) -> int:
        row: Model | None = rows.filter(valid_from__lte=on).order_by("-valid_from").first()
        if row is None:
            raise NoReferenceData(fields={"on": str(NoReferenceData.message)})
        value = int(getattr(row, attr))
        return self.add(name, value, row.valid_from, row.legal_source)  # type: ignore[attr-defined]

    def parameter(self, key: str, on: dt.date) -> int:
        return self.in_force(CalculatorParameter.objects.filter(key=key), key, on, "value")

    def reference_level(self, on: dt.date) -> int:
        return self.in_force(ReferenceLevel.objects.all(), "reference_level", on, "amount")


def _share(amount: int, basis_points: int) -> int:
    return round_half_up(amount * basis_points, 10_000)


def voluntary_bhxh(*, income: int, group: str, on: dt.date) -> dict[str, Any]:
    """22 % of the chosen monthly income, less the state support: a share (by group) of the
    contribution at the rural poverty line, for at most ``support_max_months`` months."""
    if group not in GROUPS:
        raise Invalid(
            "invalid_group",
            _("Choose one of: poor, near_poor, ethnic_minority, other."),
            fields={"group": str(_("Unknown group."))},
        )
    used = Used()
    poverty_line = used.parameter("rural_poverty_line", on)
    level = used.reference_level(on)
    highest = used.parameter("voluntary_cap_multiplier", on) * level
    if not poverty_line <= income <= highest:
        message = _("The monthly income must be between %(low)s and %(high)s đồng.") % {
            "low": thousands(poverty_line),
            "high": thousands(highest),
        }
        raise Invalid("income_out_of_range", message, fields={"income": message})
    rate = used.parameter("voluntary_rate_bp", on)
    share = used.parameter(f"support_{group}_bp", on)
    contribution = _share(income, rate)
    support = _share(_share(poverty_line, rate), share)
    return {
        "on": on.isoformat(),
        "income": income,
        "group": group,
        "lowest_income": poverty_line,
        "highest_income": highest,
        "rate_basis_points": rate,
        "contribution": contribution,
        "support_basis_points": share,
        "state_support": support,
        "you_pay": contribution - support,
        "support_max_months": used.parameter("support_max_months", on),
        "reference_rows": used.rows,
    }


def household_bhyt(*, members: int, on: dt.date) -> dict[str, Any]:
    """4.5 % of the reference level a month for the first member; 70 / 60 / 50 / 40 % of that
    for the second, third, fourth and each further member; totals for 3, 6 and 12 months."""
    if not 1 <= members <= MAX_MEMBERS:
        message = _("The number of members must be between 1 and %(max)d.") % {"max": MAX_MEMBERS}
        raise Invalid("invalid_members", message, fields={"members": message})
    used = Used()
    level = used.reference_level(on)
    first = _share(level, used.parameter("household_rate_bp", on))
    lines = []
    for position in range(1, members + 1):
        if position == 1:
            share, monthly = 10_000, first
        else:
            share = used.parameter(f"household_share_{min(position, 5)}_bp", on)
            monthly = _share(first, share)
        lines.append({"member": position, "share_basis_points": share, "monthly": monthly})
    monthly_total = sum(line["monthly"] for line in lines)
    return {
        "on": on.isoformat(),
        "members": lines,
        "monthly_total": monthly_total,
        "totals": [{"months": m, "amount": monthly_total * m} for m in HOUSEHOLD_MONTHS],
        "reference_rows": used.rows,
    }


SALARY_SCHEMES = (
    ("BHXH", (Fund.PENSION, Fund.SICKNESS)),
    ("BHYT", (Fund.HEALTH,)),
    ("BHTN", (Fund.UNEMPLOYMENT,)),
)


def salary_deductions(*, salary: int, region: str, on: dt.date) -> dict[str, Any]:
    """What an employee's salary loses each month: BHXH, BHYT, BHTN at the employee's rates in
    force, each on the salary up to its cap."""
    if not 0 < salary <= MAX_SALARY:
        message = _("The salary must be a positive whole number of đồng.")
        raise Invalid("invalid_salary", message, fields={"salary": str(message)})
    if region not in WageRegion.values:
        message = _("The wage region must be one of I, II, III, IV.")
        raise Invalid("invalid_region", message, fields={"region": str(message)})
    month = month_of(on)
    try:
        terms = terms_for(month, region=region)
    except MissingReferenceData:
        raise NoReferenceData(fields={"on": str(NoReferenceData.message)}) from None
    amounts = terms.amounts(salary, ALL_SCHEMES)
    used = Used()
    used.reference_level(month)
    used.in_force(
        RegionalMinimumWage.objects.filter(region=region),
        f"regional_minimum_wage_{region}",
        month,
        "amount",
    )
    schemes: list[dict[str, Any]] = []
    for scheme, funds in SALARY_SCHEMES:
        for fund in funds:
            rates = ContributionRate.objects.filter(fund=fund, payer=Payer.EMPLOYEE)
            used.in_force(rates, f"rate_{fund}_employee_bp", month, "basis_points")
            used.in_force(SalaryCap.objects.filter(fund=fund), f"cap_{fund}", month, "multiplier")
        schemes.append(
            {
                "scheme": scheme,
                "basis_points": sum(terms.basis_points[(f, Payer.EMPLOYEE)] for f in funds),
                "salary_counted": min(salary, terms.caps[funds[0]]),
                "amount": sum(amounts[f][Payer.EMPLOYEE] for f in funds),
            }
        )
    total = sum(s["amount"] for s in schemes)
    return {
        "on": on.isoformat(),
        "salary": salary,
        "region": region,
        "deductions": schemes,
        "total": total,
        "take_home": salary - total,
        "reference_rows": used.rows,
    }
