"""When a month's contributions are due (DESIGN §3.5), from the dated ``DueDateRule`` rows:
the one definition that participation, the unpaid-month alerts and the portal read.

A month is "due" up to and including its due date and late from the next day. Due dates never
go backwards from one month to the next, so the months past due are exactly those up to
``last_month_past_due(today)``.
"""

from __future__ import annotations

import datetime as dt

from .models import DueDateRule
from .months import add_months, last_day, month_of


def _rules() -> list[tuple[dt.date, int]]:
    return sorted(DueDateRule.objects.values_list("valid_from", "months_after"))


def _months_after(rules: list[tuple[dt.date, int]], month: dt.date) -> int:
    # The rule in force for ``month``; before the first rule, the first rule (the months are
    # older than any the rate table covers) and, with no rule at all, the month itself.
    chosen = rules[0][1] if rules else 0
    for valid_from, months_after in rules:
        if valid_from <= month:
            chosen = months_after
    return chosen


def due_date(month: dt.date, *, rules: list[tuple[dt.date, int]] | None = None) -> dt.date:
    """The last day to pay ``month`` (the first day of a month)."""
    rules = _rules() if rules is None else rules
    return last_day(add_months(month_of(month), _months_after(rules, month_of(month))))


def last_month_due_by(day: dt.date) -> dt.date:
    """The latest month whose due date is on or before ``day``."""
    rules = _rules()
    month = month_of(day)
    while due_date(month, rules=rules) > day:
        month = add_months(month, -1)
    return month


def last_month_past_due(today: dt.date) -> dt.date:
    """The latest month that is late on ``today`` (its due date is before ``today``)."""
    return last_month_due_by(today - dt.timedelta(days=1))
