"""The demo history (DESIGN §5, issue 5): An at TA01234 since 2015-01 with salary changes, a few
unpaid months, card DN4010123456789; synthetic persons get histories; a second run changes
nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ansinh.contributions.models import ContributionMonth, Report
from ansinh.contributions.months import months_between, parse_month

pytestmark = pytest.mark.django_db


def test_demo_gives_an_a_full_history_unpaid_months_and_the_card(api):
    call_command("demo", synthetic=20, stdout=io.StringIO())
    token = api.login("0123456789", "An-Sinh-Demo-2026")["access_token"]

    bhxh = api.get("/me/participation", token=token).json()["schemes"]["BHXH"]
    card = api.get("/me/card", token=token).json()

    first = bhxh["periods"][0]
    assert (first["from"], first["unit_code"]) == ("2015-01", "TA01234")
    assert len({p["salary"] for p in bhxh["periods"]}) >= 3
    last = parse_month(bhxh["periods"][-1]["to"])
    assert bhxh["total_months"] == months_between(parse_month("2015-01"), last)
    # The demo leaves four months unpaid; on 2026-11-15 (the tests' clock) the current and the
    # previous month are still within their payment period, two are overdue.
    assert bhxh["unpaid_months"] == 2
    assert card["card_code"] == "DN4010123456789"
    assert api.post("/cards/verify", {"qr": card["qr"]}).json()["valid"] is True
    assert ContributionMonth.objects.exclude(
        person__bhxh_code__in=["0123456789", "0123456790"]
    ).exists()


def test_running_demo_twice_adds_no_report_and_no_month():
    call_command("demo", synthetic=20, stdout=io.StringIO())
    before = (Report.objects.count(), ContributionMonth.objects.count())

    call_command("demo", synthetic=20, stdout=io.StringIO())

    assert (Report.objects.count(), ContributionMonth.objects.count()) == before
