"""Booking a unit's payments to its months (issue 15 §1, docs/contributions.md).

Months are settled oldest first: a month is paid once everything due up to and including it is
covered by the unit's payments (``statements.settle``). What is left over for the first month
not covered in full is booked in the legal order of the ``PaymentBookingRule`` in force for
that month (Nghị định 233/2025/NĐ-CP, Điều 7 khoản 4): first, in full, the employees who are
leaving (their employment at the unit ends with that month); then health insurance for
everybody else, then unemployment insurance, then social insurance — sickness and maternity,
occupational accident and disease, retirement and survivors. Within one step persons are taken
in the order they were registered; booking stops at the first amount the money left does not
cover (a later, smaller amount does not jump the queue). So a partial payment keeps the
employees' health insurance paid first.

What is booked is kept per month row as ``paid_funds`` (``FUND_PAID_BITS``); a row whose funds
are all booked is ``paid``. The benefit claims that also come first under the decree are not
part of this system (docs/contributions.md says so).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ansinh.people.models import Unit

from .models import (
    ALL_FUNDS_PAID,
    ALL_SCHEMES,
    FUND_PAID_BITS,
    ContributionMonth,
    Employment,
    ParticipationSnapshot,
    PaymentBookingRule,
)
from .rates import FUND_BITS, FUNDS, RateTable, region_of

LEAVING = "leaving"


def order_for(month: dt.date) -> list[str] | None:
    """The booking order in force for ``month`` (None before the first rule)."""
    rule = (
        PaymentBookingRule.objects.filter(valid_from__lte=month)
        .order_by("-valid_from")
        .values_list("order", flat=True)
        .first()
    )
    if rule is None:
        return None
    steps = [step.strip() for step in rule.split(",") if step.strip()]
    unknown = [step for step in steps if step != LEAVING and step not in FUNDS]
    if unknown:
        raise ValueError(f"unknown booking steps {unknown} in the rule for {month:%Y-%m}")
    if len(set(steps)) != len(steps):
        raise ValueError(f"a booking step twice in the rule for {month:%Y-%m}: {steps}")
    return steps


def funds_of(schemes: int) -> int:
    """The ``paid_funds`` bits a row with ``schemes`` owes (all booked: the row is paid)."""
    return sum(FUND_PAID_BITS[fund] for fund in FUNDS if schemes & FUND_BITS[fund])


@dataclass(frozen=True)
class Cutoff:
    """Where the money ran out, in the booking order: the steps before ``step`` are booked in
    full; in ``step``, the rows before ``row`` (``(person_id, pk)``, the order persons were
    registered in) and, of the row ``row`` itself, its funds before ``FUNDS[fund]`` (a leaving
    employee's funds are booked one by one). ``step == len(order)``: everything is booked;
    ``row is None``: no row of ``step`` is."""

    order: tuple[str, ...]
    step: int
    row: tuple[int, int] | None = None
    fund: int = 0

    def bits(self, *, leaving: bool, position: str) -> int:
        """The ``paid_funds`` bits booked for a row (``leaving`` or not) ``position``ed
        "before", "at" or "after" ``row``."""
        bits = 0
        for index, step in enumerate(self.order):
            if (step == LEAVING) != leaving:
                continue
            funds = FUNDS if step == LEAVING else (step,)
            for number, fund in enumerate(funds):
                booked = index < self.step or (
                    index == self.step
                    and (position == "before" or (position == "at" and number < self.fund))
                )
                if booked:
                    bits |= FUND_PAID_BITS[fund]
        return bits


def _rows(unit: Unit, month: dt.date) -> QuerySet[ContributionMonth]:
    return ContributionMonth.objects.filter(unit=unit, month=month)


def _leaving(unit: Unit, month: dt.date) -> Q:
    """The rows of the employees whose employment at ``unit`` ends with ``month``."""
    ending = Employment.objects.filter(unit=unit, ended=month).values("person_id")
    return Q(person_id__in=ending)


def cutoff(*, unit: Unit, month: dt.date, amount: int, order: list[str]) -> Cutoff:
    """Walk the rows of ``unit`` in ``month`` in the legal order, step by step, each step in
    the order persons were registered, taking what each owes from ``amount`` until an amount
    does not fit. The rows stream from the database (one step at a time): memory does not grow
    with the size of the unit (issue 16, goal 5)."""
    terms = RateTable.load().terms(month, region=region_of(unit.pk))
    rows = _rows(unit, month).order_by("person_id", "pk")
    leaving = _leaving(unit, month)
    left = amount
    for index, step in enumerate(order):
        funds = FUNDS if step == LEAVING else (step,)
        stepped = rows.filter(leaving) if step == LEAVING else rows.exclude(leaving)
        fields = stepped.values_list("pk", "person_id", "salary", "schemes")
        for pk, person_id, salary, schemes in fields.iterator(chunk_size=2000):
            amounts = terms.amounts(salary, schemes)
            for number, fund in enumerate(funds):
                due = sum(amounts[fund].values())
                if due > left:
                    return Cutoff(tuple(order), index, (person_id, pk), number)
                left -= due
    return Cutoff(tuple(order), len(order))


def book_partial_month(*, unit: Unit, month: dt.date, amount: int) -> tuple[bool, bool]:
    """Store the booking of ``amount`` đồng for ``month`` (``cutoff``) in a few statements, one
    per set of bits the kinds of rows get (leaving or not; before, at or after the cutoff) and
    per row owing what is booked or not, and drop the snapshots of the persons whose rows
    change, selected by the same conditions. Returns (whether a row changed, whether a row became paid — its credited
    notice is then due)."""
    order = order_for(month)
    if order is None or amount <= 0:
        found = Cutoff((), 0)
    else:
        found = cutoff(unit=unit, month=month, amount=amount, order=order)
    rows = _rows(unit, month)
    leaving = _leaving(unit, month)
    if found.row is None:
        before, at = Q(pk__in=[]), Q(pk__in=[])
    else:
        person_id, pk = found.row
        before = Q(person_id__lt=person_id) | Q(person_id=person_id, pk__lt=pk)
        at = Q(pk=pk)
    after = ~before & ~at
    # The kinds of rows that get the same bits are stored together: when nothing is booked,
    # every row gets none, and the month is stored in one pass (a report of a million hires
    # settles its month here).
    groups: dict[int, Q] = {}
    for is_leaving, kind in ((True, leaving), (False, ~leaving)):
        for position, where in (("before", before), ("at", at), ("after", after)):
            bits = found.bits(leaving=is_leaving, position=position)
            groups[bits] = groups[bits] | (kind & where) if bits in groups else kind & where
    if len(groups) == 1:
        groups = dict.fromkeys(groups, Q())
    changed = newly_paid = False
    for bits, where in groups.items():
        owing_booked = [s for s in range(ALL_SCHEMES + 1) if bits & funds_of(s) == funds_of(s)]
        part = rows.filter(where)
        to_pay = part.filter(schemes__in=owing_booked).exclude(paid=True, paid_funds=ALL_FUNDS_PAID)
        to_part = part.exclude(schemes__in=owing_booked).exclude(paid=False, paid_funds=bits)
        newly_paid = newly_paid or to_pay.filter(paid=False).exists()
        drop_snapshots_of(to_pay)
        drop_snapshots_of(to_part)
        paid = to_pay.update(paid=True, paid_funds=ALL_FUNDS_PAID)
        parted = to_part.update(paid=False, paid_funds=bits)
        changed = changed or bool(paid or parted)
    return changed, newly_paid


def drop_snapshots_of(rows: QuerySet[ContributionMonth]) -> None:
    """Drop the participation snapshots of the persons of ``rows`` (about to change), in one
    statement."""
    ParticipationSnapshot.objects.filter(person_id__in=rows.values("person_id")).delete()
