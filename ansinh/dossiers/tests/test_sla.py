"""The SLA in working days: weekends and listed public holidays are skipped."""

import datetime as dt

import pytest

from ansinh.dossiers.sla import add_working_days, due_date

MONDAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (MONDAY, 5, dt.date(2026, 3, 9)),  # Monday + 5 working days = next Monday
        (dt.date(2026, 3, 6), 1, dt.date(2026, 3, 9)),  # Friday + 1 = Monday
        (dt.date(2026, 3, 7), 5, dt.date(2026, 3, 13)),  # Saturday + 5 = Friday
        (dt.date(2026, 3, 8), 5, dt.date(2026, 3, 13)),  # Sunday + 5 = Friday
        (MONDAY, 0, MONDAY),
    ],
)
def test_working_days_skip_weekends(start, days, due):
    assert add_working_days(start, days) == due


def test_listed_public_holidays_are_skipped_too(settings):
    settings.DOSSIER_PUBLIC_HOLIDAYS = ["2026-09-01", "2026-09-02"]  # Tuesday, Wednesday
    assert add_working_days(dt.date(2026, 8, 31), 3) == dt.date(2026, 9, 7)


def test_the_due_date_follows_the_setting(settings):
    settings.DOSSIER_SLA_WORKING_DAYS = 10
    assert due_date(MONDAY) == dt.date(2026, 3, 16)
