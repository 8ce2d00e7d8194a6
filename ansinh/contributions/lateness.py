"""Late payment (issue 15 §1, docs/contributions.md): from the dated ``DueDateRule`` and
``LatePaymentRule`` rows, never from constants.

A month is **due** up to and including its due date, **late** from the next day and
**evasion** once it is still unpaid more than ``evasion_after_days`` days after its due date
(60 days: Nghị định 274/2025/NĐ-CP, from 30/11/2025; day 61 is evasion). **Late interest**
accrues each day of lateness on the amount late that day, at the rate of the rule in force that
day (0.03 % a day: Luật BHXH 41/2024/QH15, from 01/07/2025); days before the first rule accrue
nothing here (the office computes the interest of the law then in force). A payment counts from
the day it is made; the unit's payments cover its months oldest first (``statements.settle``),
so the amount of a month late on a day is what its cumulated due exceeds the payments up to
that day, at most the month's due.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from django.db.models import Sum

from ansinh.people.models import Unit

from .duedates import due_date
from .models import DueDateRule, LatePaymentRule, Payment, Statement
from .rates import round_half_up

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class LateRule:
    valid_from: dt.date
    interest_ppm_per_day: int
    evasion_after_days: int | None


@dataclass(frozen=True)
class Rules:
    """The due-date and late-payment rules, loaded once (two small queries)."""

    due: list[tuple[dt.date, int]]
    late: list[LateRule]

    @classmethod
    def load(cls) -> Rules:
        return cls(
            due=sorted(DueDateRule.objects.values_list("valid_from", "months_after")),
            late=[
                LateRule(*row)
                for row in LatePaymentRule.objects.order_by("valid_from").values_list(
                    "valid_from", "interest_ppm_per_day", "evasion_after_days"
                )
            ],
        )

    def due_date(self, month: dt.date) -> dt.date:
        return due_date(month, rules=self.due)

    def on(self, day: dt.date) -> LateRule | None:
        chosen = None
        for rule in self.late:
            if rule.valid_from <= day:
                chosen = rule
        return chosen

    def state(self, month: dt.date, *, paid: bool, today: dt.date) -> tuple[str, int]:
        """("paid" | "due" | "late" | "evasion", days late) of a month on ``today``."""
        if paid:
            return "paid", 0
        days = (today - self.due_date(month)).days
        if days <= 0:
            return "due", 0
        rule = self.on(today)
        if (
            rule is not None
            and rule.evasion_after_days is not None
            and days > rule.evasion_after_days
        ):
            return "evasion", days
        return "late", days

    def becomes_evasion(self, month: dt.date, *, today: dt.date) -> dt.date | None:
        """The first day after ``today`` on which the unpaid ``month`` turns to evasion under
        the rules known today (None: never, or already)."""
        rule = self.on(today)
        candidates = [r.valid_from for r in self.late if r.valid_from > today]
        if rule is not None and rule.evasion_after_days is not None:
            day = self.due_date(month) + dt.timedelta(days=rule.evasion_after_days + 1)
            if day > today:
                candidates.append(day)
        return min(candidates, default=None)


@dataclass(frozen=True)
class MonthLateness:
    """One month of a unit's statement as it stands on a day."""

    month: dt.date
    due_date: dt.date
    due: int
    unpaid: int
    status: str  # paid | due | late | evasion
    days_late: int
    interest: int


def unit_lateness(
    *, unit: Unit, today: dt.date, rules: Rules | None = None
) -> dict[dt.date, MonthLateness]:
    """Every statement month of ``unit`` with what is unpaid, its status and its late interest
    on ``today`` (payments made after ``today`` are not counted)."""
    rules = rules or Rules.load()
    statements = list(
        Statement.objects.filter(unit=unit).order_by("month").values_list("month", "due")
    )
    payments = list(
        Payment.objects.filter(unit=unit, paid_on__lte=today)
        .values_list("paid_on")
        .annotate(total=Sum("amount"))
        .order_by("paid_on")
    )
    pay_days = [day for day, _amount in payments]
    paid_upto = list(accumulate(amount for _day, amount in payments))

    def paid_by(day: dt.date) -> int:
        index = bisect.bisect_right(pay_days, day)
        return paid_upto[index - 1] if index else 0

    result: dict[dt.date, MonthLateness] = {}
    cumulated = 0
    for month, due in statements:
        cumulated += due
        deadline = rules.due_date(month)

        def late_on(day: dt.date, cumulated: int = cumulated, due: int = due) -> int:
            return min(due, max(0, cumulated - paid_by(day)))

        unpaid = late_on(today)
        status, days = rules.state(month, paid=unpaid == 0, today=today)
        result[month] = MonthLateness(
            month=month,
            due_date=deadline,
            due=due,
            unpaid=unpaid,
            status=status,
            days_late=days,
            interest=_interest(deadline + ONE_DAY, today, late_on, pay_days, rules),
        )
    return result


def _interest(
    start: dt.date,
    end: dt.date,
    late_on: Callable[[dt.date], int],
    pay_days: list[dt.date],
    rules: Rules,
) -> int:
    """Σ over the days ``start``…``end`` of the amount late that day × that day's rate."""
    if start > end:
        return 0
    points = sorted(
        {start}
        | {day for day in pay_days if start < day <= end}
        | {rule.valid_from for rule in rules.late if start < rule.valid_from <= end}
    )
    millionths = 0
    for index, first in enumerate(points):
        last = points[index + 1] - ONE_DAY if index + 1 < len(points) else end
        rule = rules.on(first)
        if rule is not None:
            millionths += late_on(first) * rule.interest_ppm_per_day * ((last - first).days + 1)
    return round_half_up(millionths, 1_000_000)
