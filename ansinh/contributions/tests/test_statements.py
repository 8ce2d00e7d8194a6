"""Monthly statements (like C12-TS), payments and which months are paid; the statements
command; a unit sees only its own statement."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.models import ContributionMonth, Payment, Statement
from ansinh.contributions.payments import import_bank_transfers, record_payment
from ansinh.lib.actor import Actor

from .conftest import line, participation, send

pytestmark = pytest.mark.django_db


def _statement(api, key, month):
    response = api.get(f"/unit/statements/{month}", headers={"X-API-Key": key})
    assert response.status_code == 200, response.content
    return response.json()


def test_statement_figures_before_any_payment(api, unit, unit_key, reported):
    august = _statement(api, unit_key, "2026-08")
    october = _statement(api, unit_key, "2026-10")

    assert (august["headcount"], august["salary_fund"], august["due_total"]) == (
        1,
        10_000_000,
        3_200_000,
    )
    # 3,200,000 for An + 15,240,000 for Bình, whose 60,000,000 is capped at 46,800,000
    # for BHXH, BHYT and BHTNLĐ-BNN (BHTN counts it whole in region I).
    assert (october["headcount"], october["salary_fund"], october["due_total"]) == (
        2,
        70_000_000,
        18_440_000,
    )
    assert october["due"]["BHXH"] == {
        "employer": 1_700_000 + 7_956_000,
        "employee": 800_000 + 3_744_000,
        "total": 14_200_000,
    }
    assert october["due"]["BHYT"] == {
        "employer": 1_704_000,
        "employee": 852_000,
        "total": 2_556_000,
    }
    assert october["due"]["BHTN"] == {"employer": 700_000, "employee": 700_000, "total": 1_400_000}
    assert october["due"]["BHTNLD_BNN"] == {"employer": 284_000, "employee": 0, "total": 284_000}
    assert (october["brought_forward"], october["paid"], october["arrears"]) == (
        6_400_000,
        0,
        6_400_000,
    )
    assert october["carried_forward"] == 24_840_000


def test_a_payment_settles_months_oldest_first_and_the_citizen_sees_them_paid(
    api, unit, unit_key, reported
):
    record_payment(
        unit_code=unit.code, amount=6_400_000, paid_on=dt.date(2026, 10, 5), actor=Actor.command()
    )

    october = _statement(api, unit_key, "2026-10")
    assert (october["brought_forward"], october["paid"], october["arrears"]) == (
        6_400_000,
        6_400_000,
        0,
    )
    assert october["carried_forward"] == 18_440_000
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    bhxh = participation(api, token)["schemes"]["BHXH"]
    assert [(p["from"], p["to"], p["status"]) for p in bhxh["periods"]] == [
        ("2026-08", "2026-09", "paid"),
        ("2026-10", "2026-10", "due"),  # due by 2026-11-30
    ]
    assert (bhxh["total_months"], bhxh["unpaid_months"]) == (3, 0)


def test_a_partial_payment_leaves_the_month_unpaid(api, unit, unit_key, reported):
    record_payment(
        unit_code=unit.code, amount=6_399_999, paid_on=dt.date(2026, 10, 5), actor=Actor.command()
    )

    assert list(ContributionMonth.objects.filter(paid=True).values_list("month", flat=True)) == [
        dt.date(2026, 8, 1)
    ]


def test_bank_transfers_import_once_and_validate_whole(unit, reported):
    text = (
        "bank_reference,unit_code,amount,paid_on\n"
        "VCB-0001,TA01234,3200000,2026-09-02\n"
        "VCB-0002,TA01234,3200000,2026-10-02\n"
    )

    first = import_bank_transfers(text=text, actor=Actor.command())
    second = import_bank_transfers(text=text, actor=Actor.command())
    bad = import_bank_transfers(
        text="bank_reference,unit_code,amount,paid_on\nX-1,NOPE,-5,2026-02-30\n",
        actor=Actor.command(),
    )

    assert (first.recorded, first.duplicates) == (2, 0)
    assert (second.recorded, second.duplicates) == (0, 2)
    assert bad.errors == [
        {
            "line": 1,
            "fields": {
                "unit_code": "unknown_unit",
                "amount": "invalid_amount",
                "paid_on": "invalid_date",
            },
        }
    ]
    assert Payment.objects.count() == 2
    assert ContributionMonth.objects.filter(paid=True).count() == 2


def test_the_statements_command_carries_open_employments_on_to_the_month(unit, reported):
    out = io.StringIO()
    with pytest.MonkeyPatch.context():
        call_command("statements", "2026-11", stdout=out)

    assert "1 unit" in out.getvalue()
    november = Statement.objects.get(unit=unit, month=dt.date(2026, 11, 1))
    assert (november.headcount, november.due) == (2, 18_440_000)
    assert ContributionMonth.objects.filter(month=dt.date(2026, 11, 1)).count() == 2
    # Again: nothing changes.
    call_command("statements", "2026-11", stdout=io.StringIO())
    assert ContributionMonth.objects.filter(month=dt.date(2026, 11, 1)).count() == 2


def test_a_unit_reads_only_its_own_statement(api, unit_key, other_unit_key, reported):
    theirs = _statement(api, other_unit_key, "2026-10")

    assert (theirs["unit_code"], theirs["headcount"], theirs["due_total"]) == ("TB00815", 0, 0)


@pytest.mark.parametrize(("month", "status"), [("2026-13", 400), ("26-10", 400), ("2027-01", 404)])
def test_a_bad_or_future_month_is_a_4xx(api, unit_key, month, status):
    assert (
        api.get(f"/unit/statements/{month}", headers={"X-API-Key": unit_key}).status_code == status
    )


def test_a_correction_of_a_paid_month_changes_its_due_and_unsettles_later_months(
    api, unit, unit_key, reported
):
    record_payment(
        unit_code=unit.code, amount=6_400_000, paid_on=dt.date(2026, 10, 5), actor=Actor.command()
    )

    send(
        api,
        unit_key,
        "CORR-1",
        "2026-10",
        [line("0123456789", "correct_period", "2026-08", to_month="2026-08", salary=12_000_000)],
    )

    august = _statement(api, unit_key, "2026-08")
    assert august["due_total"] == 3_840_000  # 32 % of 12,000,000
    # 6,400,000 paid no longer covers August (3,840,000) and September (3,200,000).
    assert list(ContributionMonth.objects.filter(paid=True).values_list("month", flat=True)) == [
        dt.date(2026, 8, 1)
    ]
