"""Issue 15 §1: the monthly late notice (once per person, unit and month) and the credited
notice (once per month row, with the declared salary). Amounts from the ``reported`` fixture
(test_late_rules.py): An's month is BHXH 2,500,000 (pension 2,200,000 + sickness 300,000),
BHYT 450,000, BHTN 200,000 and BHTNLĐ-BNN 50,000."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from ansinh.contributions.models import ContributionMonth, LateNotice
from ansinh.contributions.notices import send_late_notices
from ansinh.contributions.payments import record_payment
from ansinh.lib.actor import Actor
from ansinh.notifications.models import Notice, OutboundEmail

from .conftest import line, send

pytestmark = pytest.mark.django_db
D = dt.date


def notices(user, kind):
    return list(Notice.objects.filter(user=user, kind=kind).order_by("pk"))


def test_one_late_notice_per_person_and_unit_a_month(_clock, reported, citizen, citizen_no_email):
    _clock.move_to("2026-12-10 08:00:00+07:00")  # 08, 09 and 10/2026 are late, nothing paid

    assert send_late_notices() == 2  # An and Bình, one unit each
    assert send_late_notices() == 0  # the same month again: nothing
    _clock.move_to("2026-12-28 08:00:00+07:00")
    assert send_late_notices() == 0

    [notice] = notices(citizen, "late_months")
    assert "TA01234" in notice.body
    assert (
        "08/2026 — Bảo hiểm xã hội (BHXH): 2.500.000 đ, Bảo hiểm y tế (BHYT): 450.000 đ, "
        "Bảo hiểm thất nghiệp (BHTN): 200.000 đ"
    ) in notice.body, notice.body
    assert "09/2026" in notice.body and "10/2026" in notice.body
    assert "11/2026" not in notice.body  # still within its deadline (2026-12-31)
    assert LateNotice.objects.get(person=citizen.person).months == ["08/2026", "09/2026", "10/2026"]
    email = OutboundEmail.objects.get(kind="late_months", recipient=citizen.person.email)
    assert "2.500.000 đ" in email.body_text and "450.000 đ" in email.body_text

    _clock.move_to("2027-01-10 08:00:00+07:00")  # a new month: a new notice
    assert send_late_notices() == 2
    assert len(notices(citizen, "late_months")) == 2


def test_the_late_notice_lists_only_what_is_not_booked(_clock, reported, citizen):
    # 6,400,000 + 2,556,000: August, September and October's health insurance are booked.
    record_payment(
        actor=Actor.command(), unit_code="TA01234", amount=8_956_000, paid_on=D(2026, 11, 20)
    )
    _clock.move_to("2026-12-10 08:00:00+07:00")

    send_late_notices()

    [notice] = notices(citizen, "late_months")
    assert "08/2026" not in notice.body and "09/2026" not in notice.body
    assert "10/2026" in notice.body
    assert "450.000" not in notice.body  # health is paid
    assert "2.500.000 đ" in notice.body and "200.000 đ" in notice.body


def test_a_person_with_two_late_units_gets_one_notice_each(
    _clock, api, reported, citizen, other_unit_key
):
    response = send(
        api,
        other_unit_key,
        "R-2",
        "2026-09",
        [line("0123456789", "hire", "2026-09", salary=5_000_000)],
    )
    assert response.status_code == 201, response.content
    _clock.move_to("2026-12-10 08:00:00+07:00")

    send_late_notices()

    bodies = [n.body for n in notices(citizen, "late_months")]
    assert len(bodies) == 2
    assert sum("TA01234" in b for b in bodies) == 1 and sum("TB00815" in b for b in bodies) == 1


def test_the_command_sends_them(_clock, reported, citizen, capsys):
    _clock.move_to("2026-12-10 08:00:00+07:00")
    call_command("late_notices")
    assert "late notice(s) sent" in capsys.readouterr().out
    assert len(notices(citizen, "late_months")) == 1


def test_a_paid_month_is_credited_once_with_the_declared_salary(
    reported, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_payment(
            actor=Actor.command(), unit_code="TA01234", amount=3_200_000, paid_on=D(2026, 9, 25)
        )
    [notice] = notices(citizen, "months_credited")
    assert "08/2026" in notice.body and "10.000.000 đ" in notice.body
    assert "09/2026" not in notice.body

    with django_capture_on_commit_callbacks(execute=True):
        record_payment(
            actor=Actor.command(), unit_code="TA01234", amount=3_200_000, paid_on=D(2026, 10, 25)
        )
    second = notices(citizen, "months_credited")
    assert len(second) == 2
    assert "09/2026" in second[1].body and "08/2026" not in second[1].body
    assert not ContributionMonth.objects.filter(paid=True, credited_at__isnull=True).exists()


def test_consecutive_months_with_one_salary_are_one_entry():
    from ansinh.contributions.notices import salary_runs

    months = [(D(2026, m, 1), 10_000_000) for m in (4, 5, 6)] + [
        (D(2026, 7, 1), 11_000_000),
        (D(2026, 9, 1), 11_000_000),
    ]
    assert salary_runs(months) == [
        ("04/2026–06/2026", 10_000_000, 3),
        ("07/2026", 11_000_000, 1),
        ("09/2026", 11_000_000, 1),
    ]


def test_a_partial_booking_is_not_a_credited_month(
    reported, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_payment(
            actor=Actor.command(), unit_code="TA01234", amount=450_000, paid_on=D(2026, 9, 25)
        )
    assert notices(citizen, "months_credited") == []
