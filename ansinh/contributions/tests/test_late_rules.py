"""Issue 15 §1: the rules in force, computed by hand from the legal texts in the tests.

* Due date: by the last day of the month before 07/2025 (Luật BHXH 58/2014), by the last day of
  the following month from 07/2025 (Luật BHXH 41/2024); late from the next day.
* Late interest 0.03 % a day on the amount late (Luật BHXH 41/2024, Điều 40).
* Evasion when unpaid more than 60 days after the due date (Nghị định 274/2025/NĐ-CP, from
  30/11/2025): day 61 is evasion.
* A partial payment booked in the legal order (Nghị định 233/2025/NĐ-CP, Điều 7 khoản 4).

The ``reported`` fixture: TA01234 employs An from 2026-08 at 10,000,000 đ (3,200,000 đ a
month: pension 2,200,000, sickness 300,000, accident 50,000, unemployment 200,000, health
450,000) and Bình from 2026-10 at 60,000,000 đ (capped at 20 × 2,340,000 = 46,800,000 for
BHXH and BHYT: pension 10,296,000, sickness 1,404,000, accident 234,000, unemployment
1,200,000 on 60,000,000, health 2,106,000; 15,240,000 a month).
"""

from __future__ import annotations

import datetime as dt

import pytest

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.lateness import Rules
from ansinh.contributions.models import ContributionMonth, ContributionRate
from ansinh.contributions.payments import record_payment
from ansinh.contributions.rates import terms_for
from ansinh.lib.actor import Actor

from .conftest import line, participation, send

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("month", "today", "expected"),
    [
        # Before Luật 41/2024: 2025-06 is due by 2025-06-30.
        (D(2025, 6, 1), D(2025, 6, 30), ("due", 0)),
        (D(2025, 6, 1), D(2025, 7, 1), ("late", 1)),
        # From 07/2025: 2025-07 is due by the last day of August.
        (D(2025, 7, 1), D(2025, 8, 31), ("due", 0)),
        (D(2025, 7, 1), D(2025, 9, 1), ("late", 1)),
        # No evasion threshold before 30/11/2025: 90 days late on 29/11/2025 is still late …
        (D(2025, 7, 1), D(2025, 11, 29), ("late", 90)),
        # … and evasion from the decree's first day (91 > 60).
        (D(2025, 7, 1), D(2025, 11, 30), ("evasion", 91)),
        # 2026-01 is due 2026-02-28: day 60 is 2026-04-29, day 61 2026-04-30.
        (D(2026, 1, 1), D(2026, 4, 29), ("late", 60)),
        (D(2026, 1, 1), D(2026, 4, 30), ("evasion", 61)),
    ],
)
def test_due_late_and_evasion_around_each_boundary(month, today, expected):
    assert Rules.load().state(month, paid=False, today=today) == expected


def test_a_paid_month_is_paid_whatever_the_day():
    assert Rules.load().state(D(2026, 1, 1), paid=True, today=D(2027, 1, 1)) == ("paid", 0)


def statement(api, key, month):
    response = api.get(f"/unit/statements/{month}", headers={"X-API-Key": key})
    assert response.status_code == 200, response.content
    return response.json()


def pay(amount, day):
    record_payment(actor=Actor.command(), unit_code="TA01234", amount=amount, paid_on=day)


def test_late_interest_is_0_03_percent_a_day_of_the_amount_late(_clock, api, reported, unit_key):
    # 08 and 09 paid on time (6,400,000 by 2026-10-05); October (18,440,000) is due 2026-11-30.
    pay(5_000_000, D(2026, 9, 20))
    pay(2_500_000, D(2026, 10, 5))  # 1,100,000 of October paid in advance: 17,340,000 left
    _clock.move_to("2026-12-10 09:00:00+07:00")
    pay(10_000_000, D(2026, 12, 5))

    october = statement(api, unit_key, "2026-10")

    # 1–4 December: 17,340,000 × 0.0003 × 4 = 20,808; 5–10 December: 7,340,000 × 0.0003 × 6
    # = 13,212 (the payment counts from its day).
    assert (october["due_date"], october["payment_status"], october["days_late"]) == (
        "2026-11-30",
        "late",
        10,
    )
    assert (october["unpaid"], october["late_interest"]) == (7_340_000, 20_808 + 13_212)
    september = statement(api, unit_key, "2026-09")
    assert (september["payment_status"], september["late_interest"]) == ("paid", 0)
    november = statement(api, unit_key, "2026-11")  # due 2026-12-31
    assert (november["payment_status"], november["late_interest"]) == ("due", 0)


def test_a_month_unpaid_on_day_61_is_evasion(_clock, api, reported, unit_key):
    pay(6_400_000, D(2026, 10, 20))  # August and September paid
    _clock.move_to("2027-01-29 09:00:00+07:00")  # October, due 2026-11-30: day 60
    day_60 = statement(api, unit_key, "2026-10")
    _clock.move_to("2027-01-30 09:00:00+07:00")  # day 61
    day_61 = statement(api, unit_key, "2026-10")

    assert (day_60["payment_status"], day_60["days_late"]) == ("late", 60)
    assert (day_61["payment_status"], day_61["days_late"]) == ("evasion", 61)
    # 18,440,000 × 0.0003 × 61 = 337,452
    assert day_61["late_interest"] == 337_452


def booked(bhxh_code, month):
    row = ContributionMonth.objects.get(person__bhxh_code=bhxh_code, month=month)
    return row.paid, row.paid_funds


def test_a_partial_payment_books_health_then_unemployment_in_order(api, reported, citizen):
    # August and September (6,400,000) and 3,000,000 of October: health for both (450,000 +
    # 2,106,000 = 2,556,000), then unemployment for An (200,000), leaving 244,000 — less than
    # Bình's unemployment (1,200,000), so booking stops there.
    pay(9_400_000, D(2026, 11, 10))

    assert booked("0123456789", D(2026, 9, 1)) == (True, 31)
    assert booked("0123456789", D(2026, 10, 1)) == (False, 1 | 2)  # health, unemployment
    assert booked("0123456790", D(2026, 10, 1)) == (False, 1)  # health only


def test_the_citizen_sees_health_paid_while_social_insurance_is_not(api, reported, citizen):
    pay(9_400_000, D(2026, 11, 10))
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    schemes = participation(api, token)["schemes"]

    def october(scheme):
        return [
            p["status"] for p in schemes[scheme]["periods"] if p["from"] <= "2026-10" <= p["to"]
        ]

    assert october("BHYT") == ["paid"]
    assert october("BHTN") == ["paid"]
    assert october("BHXH") == ["due"]  # within its deadline on 2026-11-15
    assert october("BHTNLD_BNN") == ["due"]


def test_a_leaving_employee_is_booked_in_full_first(api, reported, unit_key):
    # An leaves after October (a leave line from 2026-11): her October is booked first, in full
    # (3,200,000), then health for Bình (2,106,000).
    response = send(api, unit_key, "R-leave", "2026-11", [line("0123456789", "leave", "2026-11")])
    assert response.status_code == 201, response.content
    pay(6_400_000 + 3_200_000 + 2_106_000, D(2026, 11, 10))

    assert booked("0123456789", D(2026, 10, 1)) == (True, 31)
    assert booked("0123456790", D(2026, 10, 1)) == (False, 1)


def test_a_full_payment_books_every_fund(api, reported):
    pay(6_400_000 + 18_440_000, D(2026, 11, 10))
    assert booked("0123456790", D(2026, 10, 1)) == (True, 31)


def test_2025_to_2026_regional_wages_move_the_unemployment_cap():
    # Region I: 20 × 4,960,000 (Nghị định 74/2024) in 12/2025, 20 × 5,310,000 (Nghị định
    # 293/2025) from 01/2026; region IV: 20 × 3,450,000, then 20 × 3,700,000.
    assert terms_for(D(2025, 12, 1), region="I").caps["unemployment"] == 99_200_000
    assert terms_for(D(2026, 1, 1), region="I").caps["unemployment"] == 106_200_000
    assert terms_for(D(2025, 12, 1), region="IV").caps["unemployment"] == 69_000_000
    assert terms_for(D(2026, 1, 1), region="IV").caps["unemployment"] == 74_000_000
    # The reference level and its cap of 20 ×: 46,800,000.
    assert terms_for(D(2026, 1, 1)).caps["pension"] == 46_800_000


def test_the_2026_unemployment_rates_are_dated_rows_of_the_law_on_employment_2025():
    rows = ContributionRate.objects.filter(fund="unemployment", valid_from=D(2026, 1, 1))
    assert sorted((r.payer, r.basis_points) for r in rows) == [("employee", 100), ("employer", 100)]
    assert all("74/2025/QH15" in r.legal_source for r in rows)
    terms = terms_for(D(2026, 1, 1))
    assert terms.basis_points[("unemployment", "employee")] == 100
