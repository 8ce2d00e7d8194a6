"""Amounts due from the dated reference data (docs/contributions.md): hand-computed examples,
the caps and the rounding rule."""

from __future__ import annotations

import datetime as dt

import pytest

from ansinh.contributions.models import ALL_SCHEMES, SCHEME_BITS, ContributionRate, Fund
from ansinh.contributions.rates import contribution, round_half_up, terms_for

pytestmark = pytest.mark.django_db

NOV_2026 = dt.date(2026, 11, 1)


def _totals(amounts: dict[str, dict[str, int]]) -> tuple[int, int]:
    return (
        sum(a["employee"] for a in amounts.values()),
        sum(a["employer"] for a in amounts.values()),
    )


def test_a_salary_of_ten_million_costs_the_employee_1050000_and_the_employer_2150000():
    amounts = terms_for(NOV_2026).amounts(10_000_000, ALL_SCHEMES)

    assert _totals(amounts) == (1_050_000, 2_150_000)
    assert amounts[Fund.PENSION] == {"employer": 1_400_000, "employee": 800_000}
    assert amounts[Fund.SICKNESS] == {"employer": 300_000, "employee": 0}
    assert amounts[Fund.ACCIDENT] == {"employer": 50_000, "employee": 0}
    assert amounts[Fund.UNEMPLOYMENT] == {"employer": 100_000, "employee": 100_000}
    assert amounts[Fund.HEALTH] == {"employer": 300_000, "employee": 150_000}


def test_a_salary_above_the_bhxh_cap_is_counted_at_20_reference_levels():
    # Cap 20 × 2,340,000 = 46,800,000 for BHXH, BHYT, BHTNLĐ; BHTN region I cap in 2026 is
    # 20 × 5,310,000 = 106,200,000, so BHTN counts the whole 60,000,000.
    amounts = terms_for(NOV_2026).amounts(60_000_000, ALL_SCHEMES)

    assert amounts[Fund.PENSION] == {"employer": 6_552_000, "employee": 3_744_000}
    assert amounts[Fund.HEALTH] == {"employer": 1_404_000, "employee": 702_000}
    assert amounts[Fund.UNEMPLOYMENT] == {"employer": 600_000, "employee": 600_000}
    # Employee: 3,744,000 + 702,000 + 600,000; employer: 17.5 % of 46.8 M + 3 % + 1 % of 60 M.
    assert _totals(amounts) == (5_046_000, 10_194_000)


def test_bhtn_is_capped_at_20_regional_minimum_wages_of_the_units_region():
    terms = terms_for(NOV_2026, region="IV")  # 20 × 3,700,000 = 74,000,000
    amounts = terms.amounts(120_000_000, ALL_SCHEMES)

    assert amounts[Fund.UNEMPLOYMENT] == {"employer": 740_000, "employee": 740_000}
    assert amounts[Fund.PENSION]["employee"] == 3_744_000


def test_earlier_months_use_the_reference_level_and_rates_then_in_force():
    # June 2024: reference level 1,800,000 → cap 36,000,000.
    assert terms_for(dt.date(2024, 6, 1)).caps[Fund.PENSION] == 36_000_000
    assert terms_for(dt.date(2024, 7, 1)).caps[Fund.PENSION] == 46_800_000
    # Accident and disease: 1 % until May 2017, 0.5 % since June 2017.
    assert terms_for(dt.date(2017, 5, 1)).basis_points[(Fund.ACCIDENT, "employer")] == 100
    assert terms_for(dt.date(2017, 6, 1)).basis_points[(Fund.ACCIDENT, "employer")] == 50


def test_only_the_schemes_a_person_is_in_are_due():
    amounts = terms_for(NOV_2026).amounts(10_000_000, SCHEME_BITS["BHYT"])

    assert _totals(amounts) == (150_000, 300_000)


def test_a_rate_added_by_staff_applies_from_its_month_without_code_changes():
    ContributionRate.objects.create(
        fund=Fund.HEALTH,
        payer="employee",
        basis_points=200,
        valid_from=dt.date(2027, 1, 1),
        legal_source="test",
    )

    assert (
        terms_for(dt.date(2026, 12, 1)).amounts(10_000_000, ALL_SCHEMES)[Fund.HEALTH]["employee"]
        == 150_000
    )
    assert (
        terms_for(dt.date(2027, 1, 1)).amounts(10_000_000, ALL_SCHEMES)[Fund.HEALTH]["employee"]
        == 200_000
    )


@pytest.mark.parametrize(
    ("salary", "bp", "expected"),
    [
        (1_234_567, 150, 18_519),
        (1_000_033, 50, 5_000),
        (1_000_100, 50, 5_001),
        (1, 50, 0),
        (100, 50, 1),
    ],
)
def test_amounts_are_rounded_half_up_to_a_whole_dong(salary, bp, expected):
    # 1,234,567 × 1.5 % = 18,518.505 → 18,519; 1,000,100 × 0.5 % = 5,000.5 → 5,001.
    assert contribution(salary, bp, 10**12) == expected


def test_round_half_up():
    assert [round_half_up(n, 2) for n in (0, 1, 2, 3, 5)] == [0, 1, 1, 2, 3]
