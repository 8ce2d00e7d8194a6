"""The citizen's calculators (issue 15 §3) through ``/api/v1/calculators``: hand-computed
examples from the legal texts, the reference rows used, and bad input refused with stable
codes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/calculators"


def _names(body):
    return {row["name"] for row in body["reference_rows"]}


def test_voluntary_bhxh_for_a_poor_person_at_the_poverty_line(client):
    # 22 % of 1,500,000 = 330,000; support 50 % of 22 % × 1,500,000 = 165,000.
    body = client.get(f"{URL}/voluntary-bhxh?income=1500000&group=poor&on=2026-03-01").json()

    assert (body["contribution"], body["state_support"], body["you_pay"]) == (
        330_000,
        165_000,
        165_000,
    )
    assert (body["lowest_income"], body["highest_income"]) == (1_500_000, 46_800_000)
    assert body["support_max_months"] == 120
    assert {"rural_poverty_line", "reference_level", "support_poor_bp"} <= _names(body)
    assert all(row["legal_source"] for row in body["reference_rows"])


def test_voluntary_bhxh_support_shares_by_group_since_july_2025(client):
    # 5,000,000 × 22 % = 1,100,000; support = share × 330,000.
    expected = {"poor": 165_000, "near_poor": 132_000, "ethnic_minority": 99_000, "other": 66_000}
    for group, support in expected.items():
        body = client.get(f"{URL}/voluntary-bhxh?income=5000000&group={group}&on=2026-03-01")
        assert body.json()["state_support"] == support
        assert body.json()["you_pay"] == 1_100_000 - support


def test_voluntary_bhxh_before_july_2025_uses_the_decree_134_shares(client):
    # Decree 134/2015: 30 % for a poor person: 30 % × 330,000 = 99,000.
    body = client.get(f"{URL}/voluntary-bhxh?income=1500000&group=poor&on=2025-06-30").json()

    assert body["state_support"] == 99_000


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("income=1499999&group=poor", "income_out_of_range"),
        ("income=46800001&group=poor", "income_out_of_range"),
        ("income=abc&group=poor", "invalid_income"),
        ("income=-5&group=poor", "invalid_income"),
        ("income=2000000&group=rich", "invalid_group"),
        ("income=2000000&group=poor&on=2026-13-01", "invalid_date"),
        ("income=2000000&group=poor&on=1990-01-01", "no_reference_data"),
    ],
)
def test_voluntary_bhxh_refuses_bad_input(client, query, code):
    response = client.get(f"{URL}/voluntary-bhxh?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_household_bhyt_for_six_members(client):
    # 4.5 % × 2,340,000 = 105,300; then 70 %, 60 %, 50 %, 40 %, 40 % of it.
    body = client.get(f"{URL}/household-bhyt?members=6&on=2026-03-01").json()

    assert [m["monthly"] for m in body["members"]] == [
        105_300,
        73_710,
        63_180,
        52_650,
        42_120,
        42_120,
    ]
    assert body["monthly_total"] == 379_080
    assert body["totals"] == [
        {"months": 3, "amount": 1_137_240},
        {"months": 6, "amount": 2_274_480},
        {"months": 12, "amount": 4_548_960},
    ]
    assert {"reference_level", "household_rate_bp", "household_share_5_bp"} <= _names(body)


def test_household_bhyt_uses_the_reference_level_in_force_on_the_date(client):
    # 1 March 2024: 1,800,000 × 4.5 % = 81,000.
    body = client.get(f"{URL}/household-bhyt?members=1&on=2024-03-01").json()

    assert body["monthly_total"] == 81_000


@pytest.mark.parametrize("members", ["0", "21", "two", ""])
def test_household_bhyt_refuses_a_bad_number_of_members(client, members):
    response = client.get(f"{URL}/household-bhyt?members={members}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_members"


def test_salary_deductions_of_ten_million(client):
    body = client.get(f"{URL}/salary-deductions?salary=10000000&on=2026-03-15").json()

    assert [(d["scheme"], d["amount"]) for d in body["deductions"]] == [
        ("BHXH", 800_000),
        ("BHYT", 150_000),
        ("BHTN", 100_000),
    ]
    assert (body["total"], body["take_home"]) == (1_050_000, 8_950_000)


def test_salary_deductions_above_the_caps(client):
    # BHXH, BHYT capped at 20 × 2,340,000 = 46,800,000: 3,744,000 and 702,000; BHTN capped at
    # 20 × region IV's 3,700,000 = 74,000,000 (2026): 740,000.
    body = client.get(f"{URL}/salary-deductions?salary=80000000&region=IV&on=2026-03-15").json()

    assert [(d["salary_counted"], d["amount"]) for d in body["deductions"]] == [
        (46_800_000, 3_744_000),
        (46_800_000, 702_000),
        (74_000_000, 740_000),
    ]
    assert "regional_minimum_wage_IV" in _names(body)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("salary=0", "invalid_salary"),
        ("salary=x", "invalid_salary"),
        ("salary=5000000&region=V", "invalid_region"),
    ],
)
def test_salary_deductions_refuse_bad_input(client, query, code):
    response = client.get(f"{URL}/salary-deductions?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
