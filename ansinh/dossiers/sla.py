"""The SLA of a dossier: a number of working days (``DOSSIER_SLA_WORKING_DAYS``).

Working days are Monday to Friday, minus the dates listed in ``DOSSIER_PUBLIC_HOLIDAYS``
(ISO dates, set by the operator; nothing is built in: Vietnam's lunar holidays move every
year). The count starts the working day after submission, so a dossier filed on a Friday
evening or on a Saturday with 5 working days is due the next Friday.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def holidays() -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day) for day in settings.DOSSIER_PUBLIC_HOLIDAYS)


def is_working_day(day: dt.date, *, off: frozenset[dt.date] | None = None) -> bool:
    return day.weekday() < 5 and day not in (holidays() if off is None else off)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    off = holidays()
    day, left = start, max(days, 0)
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, off=off):
            left -= 1
    return day


def due_date(submitted_on: dt.date) -> dt.date:
    return add_working_days(submitted_on, settings.DOSSIER_SLA_WORKING_DAYS)
