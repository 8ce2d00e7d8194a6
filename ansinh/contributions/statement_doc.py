"""The C12-TS statement as a unit reads it: the same figures as ``GET /unit/statements/{month}``
(``statements.statement_of``), laid out in labelled rows for the print page, the PDF and the
XLSX (``statement_files.py``). Scheme and fund names are the ones printed on BHXH paperwork,
with their diacritics (BHTNLĐ-BNN, "Bảo hiểm xã hội"), never the data codes.

Payments are not split by scheme (a unit's payments settle its months oldest first, whole;
``statements.settle``), so brought forward, paid and carried forward are the unit's totals; the
amounts due are per scheme (and per fund of BHXH), employer and employee shares.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.people.models import Unit

from .access import get_unit_for_staff
from .models import FUND_SCHEME, Fund, Scheme
from .months import format_month, written_month
from .statements import StatementFigures, statement_of

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from ansinh.lib.actor import Actor

FORM_NAME = "C12-TS"

# The schemes as BHXH prints them: the short name (with its diacritics) and the full name.
SCHEME_SHORT: dict[str, str] = {
    Scheme.BHXH: "BHXH",
    Scheme.BHYT: "BHYT",
    Scheme.BHTN: "BHTN",
    Scheme.BHTNLD_BNN: "BHTNLĐ-BNN",
}
SCHEME_NAMES: dict[str, Promise] = {
    Scheme.BHXH: gettext_lazy("Social insurance"),
    Scheme.BHYT: gettext_lazy("Health insurance"),
    Scheme.BHTN: gettext_lazy("Unemployment insurance"),
    Scheme.BHTNLD_BNN: gettext_lazy("Occupational accident and disease insurance"),
}
NEGATIVE_NOTE = gettext_lazy("A negative amount is money the unit paid in advance.")
# The order of the rows: as the scheme names are listed on BHXH's forms.
SCHEME_ORDER = (Scheme.BHXH, Scheme.BHYT, Scheme.BHTN, Scheme.BHTNLD_BNN)


def scheme_short(code: str) -> str:
    """``BHTNLD_BNN`` → ``BHTNLĐ-BNN``; an unknown code unchanged."""
    return SCHEME_SHORT.get(code, code)


def scheme_name(code: str) -> str:
    """``BHXH`` → "Bảo hiểm xã hội" (in the active language)."""
    name = SCHEME_NAMES.get(code)
    return str(name) if name is not None else code


@dataclass(frozen=True)
class DueRow:
    """One row of the amounts due: a scheme, one of BHXH's funds ("of which"), or the total.
    ``key`` is the data code (for tests and ``data-`` attributes only; never printed)."""

    key: str
    kind: str  # "scheme", "fund" or "total"
    short: str
    label: str
    employer: int
    employee: int
    total: int


@dataclass(frozen=True)
class BalanceRow:
    key: str  # the field of the JSON statement it shows
    label: str
    amount: int


@dataclass(frozen=True)
class StatementDocument:
    unit_code: str
    unit_name: str
    office_name: str
    month: dt.date
    headcount: int
    salary_fund: int
    due_rows: tuple[DueRow, ...]
    balance_rows: tuple[BalanceRow, ...]
    # "Due by 30/11/2026 — late, 10 days" (``payment_status_text``)
    status_text: str = ""

    form_name = FORM_NAME

    @property
    def month_text(self) -> str:
        return written_month(self.month)

    @property
    def month_param(self) -> str:
        """The month as links and the API write it: ``2026-10``."""
        return format_month(self.month)

    @property
    def title(self) -> str:
        return _("Notice of contributions paid: BHXH, BHYT, BHTN, BHTNLĐ-BNN")

    @property
    def period_text(self) -> str:
        return _("Month %(month)s") % {"month": self.month_text}

    @property
    def note(self) -> str:
        return str(NEGATIVE_NOTE)

    def file_name(self, extension: str) -> str:
        """``C12-TS_TA01234_2026-10.pdf``: ASCII only (unit codes are)."""
        return f"{FORM_NAME}_{self.unit_code}_{format_month(self.month)}.{extension}"

    def amount(self, key: str) -> int:
        """A figure by its JSON name (``due_total``, ``carried_forward`` …)."""
        return next(row.amount for row in self.balance_rows if row.key == key)


def _due_rows(figures: StatementFigures) -> tuple[DueRow, ...]:
    by_scheme = figures.due_by_scheme()
    rows: list[DueRow] = []
    for scheme in SCHEME_ORDER:
        due = by_scheme[scheme]
        rows.append(
            DueRow(
                key=scheme,
                kind="scheme",
                short=scheme_short(scheme),
                label=scheme_name(scheme),
                employer=due["employer"],
                employee=due["employee"],
                total=due["total"],
            )
        )
        funds = [fund for fund in Fund if FUND_SCHEME[fund] == scheme]
        if len(funds) > 1:  # BHXH: retirement and survivors, sickness and maternity
            for fund in funds:
                by_payer = figures.due_by_fund.get(fund.value, {})
                employer, employee = by_payer.get("employer", 0), by_payer.get("employee", 0)
                rows.append(
                    DueRow(
                        key=fund.value,
                        kind="fund",
                        short="",
                        label=_("of which: %(fund)s") % {"fund": fund.label},
                        employer=employer,
                        employee=employee,
                        total=employer + employee,
                    )
                )
    rows.append(
        DueRow(
            key="total",
            kind="total",
            short="",
            label=_("Total"),
            employer=sum(r.employer for r in rows if r.kind == "scheme"),
            employee=sum(r.employee for r in rows if r.kind == "scheme"),
            total=figures.due,
        )
    )
    return tuple(rows)


def document_of(figures: StatementFigures) -> StatementDocument:
    """The statement ``figures`` as the unit reads them, in the active language."""
    unit = figures.unit
    return StatementDocument(
        unit_code=unit.code,
        unit_name=unit.name,
        office_name=unit.office.name,
        month=figures.month,
        headcount=figures.headcount,
        salary_fund=figures.salary_fund,
        due_rows=_due_rows(figures),
        balance_rows=(
            BalanceRow("brought_forward", _("Brought forward"), figures.brought_forward),
            BalanceRow("due_total", _("Due this month"), figures.due),
            BalanceRow("paid", _("Paid this month"), figures.paid),
            BalanceRow("carried_forward", _("Carried forward"), figures.carried_forward),
            BalanceRow("arrears", _("of which owed for earlier months"), figures.arrears),
            BalanceRow("unpaid", _("Of this month, not paid today"), figures.unpaid),
            BalanceRow(
                "late_interest", _("Late interest so far (0.03 % a day)"), figures.late_interest
            ),
        ),
        status_text=payment_status_text(figures),
    )


def payment_status_text(figures: StatementFigures) -> str:
    """The month's due date and status as a clerk reads them (issue 15 §1)."""
    if figures.due_date is None:
        return ""
    status = {
        "paid": _("paid"),
        "due": _("within the payment period"),
        "late": _("late, %(days)s days") % {"days": figures.days_late},
        "evasion": _("evasion: unpaid %(days)s days after the due date")
        % {"days": figures.days_late},
    }[figures.payment_status]
    return _("Due by %(date)s — %(status)s") % {
        "date": figures.due_date.strftime("%d/%m/%Y"),
        "status": status,
    }


def document_for_unit(*, unit: Unit, month: dt.date) -> StatementDocument:
    """The unit's own statement (the unit API: the unit is the key's)."""
    return document_of(statement_of(unit=unit, month=month))


def document_for_staff(*, actor: Actor, unit_code: str, month: dt.date) -> StatementDocument:
    """A unit's statement for BHXH staff to print or download.

    Contract: the unit must be of the actor's office (``access.get_unit_for_staff``: another
    office's unit raises ``UnitNotFound`` like an unknown code, before anything is computed).
    The document names no person (figures of the unit only), so nothing is access-logged."""
    unit = get_unit_for_staff(actor, unit_code)
    return document_of(statement_of(unit=unit, month=month))
