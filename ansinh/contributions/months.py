"""Months (DESIGN §2: ``YYYY-MM``), stored as the first day of the month."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)


def parse_month(value: str) -> dt.date:
    """``"2015-01"`` → ``date(2015, 1, 1)``; ``ValueError`` for anything else (ASCII only)."""
    match = MONTH_RE.fullmatch(value)
    if not match or int(match.group(1)) < 1900:
        raise ValueError(f"not a YYYY-MM month: {value!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def format_month(value: dt.date) -> str:
    """The data format (DESIGN §2, the API, report lines): ``2026-09``."""
    return f"{value.year:04d}-{value.month:02d}"


def written_month(value: dt.date) -> str:
    """A month as a person or a clerk reads it (Vietnamese documents, both languages):
    ``09/2026``. Templates use the ``month`` filter (``templatetags/month_format.py``); emails
    and notices built in Python call this."""
    return f"{value.month:02d}/{value.year:04d}"


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months from ``first`` to ``last``, both included (0 if ``last < first``)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def iter_months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for offset in range(months_between(first, last)):
        yield add_months(first, offset)


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])
