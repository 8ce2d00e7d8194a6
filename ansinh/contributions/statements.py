"""Units' monthly statements (like C12-TS) and payments.

A month's amount due is computed in the database, one aggregate query per unit and range of
months: per row, per fund and per payer, ``(min(salary, cap) × bp × 2 + 10000) / 20000`` in
integer arithmetic (round half up per person, month, fund and payer; rates.py), summed.
Payments settle months oldest first: a month is paid once everything due up to and including
it is covered by the unit's payments. Figures (docs/contributions.md):

* brought forward = due before the month − paid before the month (negative: a credit);
* carried forward = brought forward + due − paid in the month;
* arrears = what was owed before the month and is still unpaid at its end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Least
from django.utils import timezone

from ansinh.audit.services import log_access
from ansinh.people.models import Unit

from .access import get_unit_for_staff
from .lateness import unit_lateness
from .models import (
    ALL_FUNDS_PAID,
    FUND_SCHEME,
    SCHEME_BITS,
    ContributionMonth,
    Employment,
    Payment,
    Scheme,
    Statement,
)
from .months import add_months, format_month, iter_months, month_of
from .rates import FUND_BITS, FUNDS, PAYERS, MonthTerms, RateTable, region_of

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor


def _aggregates(terms: MonthTerms) -> dict[str, Any]:
    aggregates: dict[str, Any] = {
        "headcount": Count("person_id", distinct=True),
        "salary_fund": Sum("salary"),
    }
    for fund in FUNDS:
        for payer in PAYERS:
            bp = terms.basis_points[(fund, payer)]
            if bp == 0:
                continue
            amount = ExpressionWrapper(
                (Least(F("salary"), Value(terms.caps[fund])) * Value(bp * 2) + Value(10_000))
                / Value(20_000),
                output_field=BigIntegerField(),
            )
            aggregates[f"{fund}__{payer}"] = Sum(
                Case(
                    When(~Q(**{f"bit_{fund}": 0}), then=amount),
                    default=Value(0),
                    output_field=BigIntegerField(),
                )
            )
    return aggregates


def refresh_statements(*, unit: Unit, first: dt.date, last: dt.date) -> None:
    """Recompute the unit's statements of ``first``–``last`` (first days of months) from its
    month rows; a month without rows gets no statement (and loses one it had). One aggregate
    query per run of months with the same rates and caps."""
    region = region_of(unit.pk)
    now = timezone.now()
    rows = ContributionMonth.objects.filter(unit=unit, month__gte=first, month__lte=last)
    # order_by(): the model's ordering (person, month) would make DISTINCT return every row.
    present = sorted(set(rows.values_list("month", flat=True).order_by().distinct()))
    Statement.objects.filter(unit=unit, month__gte=first, month__lte=last).exclude(
        month__in=present
    ).delete()
    groups: dict[tuple[Any, ...], tuple[MonthTerms, list[dt.date]]] = {}
    table = RateTable.load()
    for month in present:
        terms = table.terms(month, region=region)
        signature = (tuple(sorted(terms.basis_points.items())), tuple(sorted(terms.caps.items())))
        groups.setdefault(signature, (terms, []))[1].append(month)
    existing = {s.month: s for s in Statement.objects.filter(unit=unit, month__in=present)}
    created: list[Statement] = []
    updated: list[Statement] = []
    for terms, months in groups.values():
        selected = rows.filter(month__in=months)
        for fund in FUNDS:
            selected = selected.alias(**{f"bit_{fund}": F("schemes").bitand(FUND_BITS[fund])})
        for figures in selected.values("month").annotate(**_aggregates(terms)).order_by():
            due_by_fund = {
                fund: {payer: int(figures.get(f"{fund}__{payer}") or 0) for payer in PAYERS}
                for fund in FUNDS
            }
            values = {
                "headcount": figures["headcount"] or 0,
                "salary_fund": figures["salary_fund"] or 0,
                "due_by_fund": due_by_fund,
                "due": sum(sum(by_payer.values()) for by_payer in due_by_fund.values()),
                "computed_at": now,
            }
            stored = existing.get(figures["month"])
            if stored is None:
                created.append(Statement(unit=unit, month=figures["month"], **values))
            else:
                for name, value in values.items():
                    setattr(stored, name, value)
                updated.append(stored)
    Statement.objects.bulk_create(created, batch_size=500)
    Statement.objects.bulk_update(
        updated, ["headcount", "salary_fund", "due_by_fund", "due", "computed_at"], batch_size=500
    )


def settle(*, unit: Unit) -> dt.date | None:
    """Mark the unit's months paid oldest first as far as its payments reach, and book what is
    left for the next month in the legal order (``booking``); returns the last month paid in
    full. Persons whose months change get their snapshots dropped; months that became paid
    are announced to their persons (``notices.announce_credited``, after the commit)."""
    from .booking import book_partial_month, drop_snapshots_of
    from .notices import schedule_credited

    paid_total = Payment.objects.filter(unit=unit).aggregate(total=Sum("amount"))["total"] or 0
    covered: dt.date | None = None
    partial: tuple[dt.date, int] | None = None
    running = 0
    for month, due in (
        Statement.objects.filter(unit=unit).order_by("month").values_list("month", "due")
    ):
        if running + due > paid_total:
            partial = (month, paid_total - running)
            break
        running += due
        covered = month
    rows = ContributionMonth.objects.filter(unit=unit)
    paid_in_full = Q(paid=True, paid_funds=ALL_FUNDS_PAID)
    if covered is None:
        to_pay = rows.none()
        later = rows
    else:
        to_pay = rows.filter(month__lte=covered).exclude(paid_in_full)
        later = rows.filter(month__gt=covered)
    if partial is not None:
        later = later.exclude(month=partial[0])
    to_unpay = later.filter(Q(paid=True) | ~Q(paid_funds=0))
    newly_paid = to_pay.filter(paid=False).exists()
    # The persons whose rows change lose their snapshots, selected by the same statements (no
    # list of them in memory: a million rows can change at once).
    drop_snapshots_of(to_pay)
    drop_snapshots_of(to_unpay)
    to_pay.update(paid=True, paid_funds=ALL_FUNDS_PAID)
    to_unpay.update(paid=False, paid_funds=0)
    if partial is not None:
        _, became_paid = book_partial_month(unit=unit, month=partial[0], amount=partial[1])
        newly_paid = newly_paid or became_paid
    if newly_paid:
        schedule_credited(unit_id=unit.pk)
    return covered


@dataclass(frozen=True)
class StatementFigures:
    unit: Unit
    month: dt.date
    headcount: int
    salary_fund: int
    due_by_fund: dict[str, dict[str, int]]
    due: int
    brought_forward: int
    paid: int
    arrears: int
    carried_forward: int
    computed_at: dt.datetime | None
    # The month as it stands today (``lateness``): its due date, what of it is unpaid, its
    # status (paid | due | late | evasion), the days late and the late interest so far.
    due_date: dt.date | None = None
    unpaid: int = 0
    payment_status: str = "paid"
    days_late: int = 0
    late_interest: int = 0

    def due_by_scheme(self) -> dict[str, dict[str, int]]:
        result = {scheme: {"employer": 0, "employee": 0, "total": 0} for scheme in Scheme.values}
        for fund, by_payer in self.due_by_fund.items():
            scheme = FUND_SCHEME[fund]
            for payer, amount in by_payer.items():
                result[scheme][payer] += amount
                result[scheme]["total"] += amount
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_code": self.unit.code,
            "unit_name": self.unit.name,
            "month": format_month(self.month),
            "headcount": self.headcount,
            "salary_fund": self.salary_fund,
            "due": self.due_by_scheme(),
            "due_by_fund": self.due_by_fund,
            "due_total": self.due,
            "brought_forward": self.brought_forward,
            "paid": self.paid,
            "arrears": self.arrears,
            "carried_forward": self.carried_forward,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "unpaid": self.unpaid,
            "payment_status": self.payment_status,
            "days_late": self.days_late,
            "late_interest": self.late_interest,
        }


def statement_of(*, unit: Unit, month: dt.date) -> StatementFigures:
    """The unit's statement for ``month``, computing it (and extending open employments to
    that month) first. Read-only callers get the same figures as the statements command."""
    from .employments import extend_open_employments

    with transaction.atomic():
        stored = Statement.objects.filter(unit=unit, month=month).first()
        if stored is None or _has_gap(unit, month):
            extend_open_employments(unit=unit, to_month=month)
            first = first_gap(unit, month)
            refresh_statements(unit=unit, first=first, last=month)
            settle(unit=unit)
            stored = Statement.objects.filter(unit=unit, month=month).first()
        return _figures(unit, month, stored)


def _has_gap(unit: Unit, month: dt.date) -> bool:
    return Employment.objects.filter(unit=unit, ended__isnull=True, covered_to__lt=month).exists()


def first_gap(unit: Unit, month: dt.date) -> dt.date:
    oldest = (
        Employment.objects.filter(unit=unit, ended__isnull=True, covered_to__lt=month)
        .order_by("covered_to")
        .values_list("covered_to", flat=True)
        .first()
    )
    return add_months(oldest, 1) if oldest else month


def _figures(unit: Unit, month: dt.date, stored: Statement | None) -> StatementFigures:
    next_month = add_months(month, 1)
    due_before = (
        Statement.objects.filter(unit=unit, month__lt=month).aggregate(total=Sum("due"))["total"]
        or 0
    )
    payments = Payment.objects.filter(unit=unit)
    paid_before = payments.filter(paid_on__lt=month).aggregate(total=Sum("amount"))["total"] or 0
    paid = (
        payments.filter(paid_on__gte=month, paid_on__lt=next_month).aggregate(total=Sum("amount"))[
            "total"
        ]
        or 0
    )
    due = stored.due if stored else 0
    brought_forward = due_before - paid_before
    late = unit_lateness(unit=unit, today=timezone.localdate()).get(month)
    return StatementFigures(
        unit=unit,
        month=month,
        headcount=stored.headcount if stored else 0,
        salary_fund=stored.salary_fund if stored else 0,
        due_by_fund=stored.due_by_fund
        if stored
        else {fund: dict.fromkeys(PAYERS, 0) for fund in FUNDS},
        due=due,
        brought_forward=brought_forward,
        paid=paid,
        arrears=max(0, brought_forward - paid),
        carried_forward=brought_forward + due - paid,
        computed_at=stored.computed_at if stored else None,
        due_date=late.due_date if late else None,
        unpaid=late.unpaid if late else 0,
        payment_status=late.status if late else "paid",
        days_late=late.days_late if late else 0,
        late_interest=late.interest if late else 0,
    )


def compute_all_statements(*, month: dt.date) -> int:
    """The statements command (``ansinh statements YYYY-MM``): extend every open employment
    to ``month`` and compute every unit's statements up to it; returns how many units."""
    from .employments import extend_open_employments

    with transaction.atomic():
        extend_open_employments(unit=None, to_month=month)
        unit_ids = set(
            ContributionMonth.objects.filter(month=month)
            .values_list("unit_id", flat=True)
            .order_by()
            .distinct()
        )
        units = Unit.objects.filter(pk__in=unit_ids).order_by("code")
        for unit in units:
            stored = (
                Statement.objects.filter(unit=unit, month__lte=month)
                .order_by("-month")
                .values_list("month", flat=True)
                .first()
            )
            # Months after the last stored statement up to ``month``; always ``month`` itself.
            first = add_months(stored, 1) if stored and stored < month else month
            refresh_statements(unit=unit, first=first, last=month)
            settle(unit=unit)
        return len(unit_ids)


# --- The statement as staff read it ------------------------------------------------------------

STATEMENT_PAGE_SIZE = 100


@dataclass(frozen=True)
class StatementLine:
    """One person's month in a unit's statement, as the back office lists it."""

    bhxh_code: str
    full_name: str
    salary: int
    job_title: str
    schemes: list[str]
    paid: bool


@dataclass(frozen=True)
class StaffStatement:
    figures: StatementFigures
    lines: list[StatementLine]
    page: int
    pages: int
    persons: int


def statement_for_staff(
    *, actor: Actor, unit_code: str, month: dt.date, page: int = 1
) -> StaffStatement:
    """A unit's statement of ``month`` with its per-person lines, ``STATEMENT_PAGE_SIZE`` a
    page, for BHXH staff.

    Contract: the unit must be of the actor's office (``access.get_unit_for_staff``: another
    office's unit raises ``UnitNotFound`` like an unknown code, before anything is computed);
    every person shown is access-logged (``what="statement"``), so each of them can read that
    this staff member saw their salary (``GET /me/access-log``).
    """
    unit = get_unit_for_staff(actor, unit_code)
    figures = statement_of(unit=unit, month=month)
    rows = (
        ContributionMonth.objects.filter(unit=unit, month=month)
        .select_related("person")
        .order_by("person__bhxh_code", "pk")
    )
    persons = rows.count()
    pages = max(1, -(-persons // STATEMENT_PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = list(rows[(page - 1) * STATEMENT_PAGE_SIZE : page * STATEMENT_PAGE_SIZE])
    lines: list[StatementLine] = []
    for row in shown:
        log_access(person=row.person, what="statement", by=actor, unit=unit, month=month)
        lines.append(
            StatementLine(
                bhxh_code=row.person.bhxh_code,
                full_name=row.person.full_name,
                salary=row.salary,
                job_title=row.job_title,
                schemes=[name for name, bit in SCHEME_BITS.items() if row.schemes & bit],
                paid=row.paid,
            )
        )
    return StaffStatement(figures=figures, lines=lines, page=page, pages=pages, persons=persons)


def months_owed(*, unit: Unit) -> dict[dt.date, int]:
    """Unpaid months of the unit with the number of persons in each (for staff pages)."""
    counts: dict[dt.date, int] = defaultdict(int)
    for month, count in (
        ContributionMonth.objects.filter(unit=unit, paid=False)
        .values_list("month")
        .annotate(n=Count("id"))
    ):
        counts[month] = count
    return dict(counts)


def unit_months(*, unit: Unit) -> list[dt.date]:
    return list(
        Statement.objects.filter(unit=unit).order_by("month").values_list("month", flat=True)
    )


__all__ = [
    "StaffStatement",
    "compute_all_statements",
    "iter_months",
    "month_of",
    "refresh_statements",
    "settle",
    "statement_for_staff",
    "statement_of",
]
