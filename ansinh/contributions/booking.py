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
from collections import defaultdict

from django.db.models import Q

from ansinh.people.models import Unit

from .models import (
    ALL_FUNDS_PAID,
    ALL_SCHEMES,
    FUND_PAID_BITS,
    ContributionMonth,
    Employment,
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
    return steps


def funds_of(schemes: int) -> int:
    """The ``paid_funds`` bits a row with ``schemes`` owes (all booked: the row is paid)."""
    return sum(FUND_PAID_BITS[fund] for fund in FUNDS if schemes & FUND_BITS[fund])


def plan(*, unit: Unit, month: dt.date, amount: int) -> dict[int, int]:
    """The ``paid_funds`` of each month row of ``unit`` in ``month`` when ``amount`` đồng (less
    than the month's due) is booked in the legal order: {row pk: bits}."""
    order = order_for(month)
    rows = list(
        ContributionMonth.objects.filter(unit=unit, month=month)
        .order_by("person_id", "pk")
        .values_list("pk", "person_id", "salary", "schemes")
    )
    booked: dict[int, int] = dict.fromkeys((pk for pk, _p, _s, _b in rows), 0)
    if order is None or amount <= 0 or not rows:
        return booked
    terms = RateTable.load().terms(month, region=region_of(unit.pk))
    leaving = set(
        Employment.objects.filter(unit=unit, ended=month).values_list("person_id", flat=True)
    )
    owed: dict[int, dict[str, int]] = {}
    for pk, _person, salary, schemes in rows:
        amounts = terms.amounts(salary, schemes)
        owed[pk] = {fund: sum(amounts[fund].values()) for fund in FUNDS}
    items: list[tuple[int, str, int]] = []  # (row, fund, đồng) in booking order
    for step in order:
        if step == LEAVING:
            items += [
                (pk, fund, owed[pk][fund])
                for pk, person, _s, _b in rows
                if person in leaving
                for fund in FUNDS
            ]
        else:
            items += [
                (pk, step, owed[pk][step]) for pk, person, _s, _b in rows if person not in leaving
            ]
    left = amount
    for pk, fund, due in items:
        if booked[pk] & FUND_PAID_BITS[fund]:
            continue
        if due > left:
            break
        left -= due
        booked[pk] |= FUND_PAID_BITS[fund]
    return booked


def book_partial_month(*, unit: Unit, month: dt.date, amount: int) -> tuple[set[int], bool]:
    """Store ``plan``'s booking for ``month``: the persons whose rows changed, and whether a
    row became paid (its credited notice is then due)."""
    if amount <= 0 or order_for(month) is None:
        return _book_nothing(unit=unit, month=month)
    booked = plan(unit=unit, month=month, amount=amount)
    current = {
        pk: (paid, paid_funds, person_id, schemes)
        for pk, paid, paid_funds, person_id, schemes in ContributionMonth.objects.filter(
            unit=unit, month=month
        ).values_list("pk", "paid", "paid_funds", "person_id", "schemes")
    }
    groups: dict[tuple[int, bool], list[int]] = defaultdict(list)
    changed: set[int] = set()
    newly_paid = False
    for pk, bits in booked.items():
        paid, paid_funds, person_id, schemes = current[pk]
        owes = funds_of(schemes)
        now_paid = bits & owes == owes
        stored = ALL_FUNDS_PAID if now_paid else bits
        if (paid, paid_funds) != (now_paid, stored):
            groups[(stored, now_paid)].append(pk)
            changed.add(person_id)
            newly_paid = newly_paid or (now_paid and not paid)
    for (bits, now_paid), pks in groups.items():
        for start in range(0, len(pks), 5000):
            ContributionMonth.objects.filter(pk__in=pks[start : start + 5000]).update(
                paid_funds=bits, paid=now_paid
            )
    return changed, newly_paid


def _book_nothing(*, unit: Unit, month: dt.date) -> tuple[set[int], bool]:
    """``book_partial_month`` when nothing is booked (no money left, or no rule in force), in
    two statements instead of row by row (a report of a million hires settles its month here):
    a row that owes no fund is paid in full, every other row is unpaid."""
    rows = ContributionMonth.objects.filter(unit=unit, month=month)
    owe_nothing = [schemes for schemes in range(ALL_SCHEMES + 1) if not funds_of(schemes)]
    to_pay = rows.filter(schemes__in=owe_nothing).exclude(paid=True, paid_funds=ALL_FUNDS_PAID)
    to_unpay = rows.exclude(schemes__in=owe_nothing).filter(Q(paid=True) | ~Q(paid_funds=0))
    newly_paid = to_pay.filter(paid=False).exists()
    changed = set(to_pay.values_list("person_id", flat=True).order_by().distinct())
    changed |= set(to_unpay.values_list("person_id", flat=True).order_by().distinct())
    to_pay.update(paid=True, paid_funds=ALL_FUNDS_PAID)
    to_unpay.update(paid=False, paid_funds=0)
    return changed, newly_paid
