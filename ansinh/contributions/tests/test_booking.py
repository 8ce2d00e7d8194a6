"""Booking a partial payment (``contributions.booking``, issue 15 §1) stored set-based (issue
16, goal 5: memory bounded per request). The hand-computed cases are in ``test_late_rules``;
here the stored booking is compared, amount by amount across every boundary, with the legal
order walked row by row as the decree states it (a reference written in this test), with and
without a leaving employee."""

from __future__ import annotations

import datetime as dt

import pytest

from ansinh.contributions import booking
from ansinh.contributions.models import (
    ALL_FUNDS_PAID,
    FUND_PAID_BITS,
    ContributionMonth,
    Employment,
    ParticipationSnapshot,
)
from ansinh.contributions.participation import participation_json
from ansinh.contributions.rates import FUNDS, RateTable, region_of

from .conftest import line, send

OCTOBER = dt.date(2026, 10, 1)
pytestmark = pytest.mark.django_db


def walked_row_by_row(unit, month, amount):
    """{row pk: (paid, paid_funds)}: each step of the order in turn, persons in the order they
    were registered, a leaving employee's funds one by one; stop at the first amount that does
    not fit in what is left."""
    order = booking.order_for(month)
    terms = RateTable.load().terms(month, region=region_of(unit.pk))
    rows = list(
        ContributionMonth.objects.filter(unit=unit, month=month)
        .order_by("person_id", "pk")
        .values_list("pk", "person_id", "salary", "schemes")
    )
    leaving = set(
        Employment.objects.filter(unit=unit, ended=month).values_list("person_id", flat=True)
    )
    items = []
    for step in order:
        for pk, person, salary, schemes in rows:
            amounts = terms.amounts(salary, schemes)
            if step == booking.LEAVING and person in leaving:
                items += [(pk, fund, sum(amounts[fund].values())) for fund in FUNDS]
            elif step != booking.LEAVING and person not in leaving:
                items.append((pk, step, sum(amounts[step].values())))
    bits = {pk: 0 for pk, *_ in rows}
    left = amount
    for pk, fund, due in items:
        if due > left:
            break
        left -= due
        bits[pk] |= FUND_PAID_BITS[fund]
    expected = {}
    for pk, _person, _salary, schemes in rows:
        owes = booking.funds_of(schemes)
        paid = bits[pk] & owes == owes
        expected[pk] = (paid, ALL_FUNDS_PAID if paid else bits[pk])
    return expected, [due for *_, due in items]


def stored(unit, month):
    return {
        pk: (paid, funds)
        for pk, paid, funds in ContributionMonth.objects.filter(unit=unit, month=month).values_list(
            "pk", "paid", "paid_funds"
        )
    }


def boundaries(dues):
    """0, 1 and every running total of the dues, one đồng either side."""
    amounts, running = {0, 1}, 0
    for due in dues:
        running += due
        amounts |= {running - 1, running, running + 1}
    return sorted(amount for amount in amounts if amount >= 0)


def test_the_stored_booking_is_the_legal_order_walked_row_by_row(reported, unit):
    _, dues = walked_row_by_row(unit, OCTOBER, 0)
    assert len(dues) == 2 * len(FUNDS)  # nobody leaving: An and Bình, in each fund's step
    for amount in boundaries(dues):
        booking.book_partial_month(unit=unit, month=OCTOBER, amount=amount)
        assert stored(unit, OCTOBER) == walked_row_by_row(unit, OCTOBER, amount)[0], amount


def test_a_leaving_employee_cut_between_two_of_her_funds_matches_the_walk(
    api, reported, unit, unit_key
):
    response = send(api, unit_key, "R-leave", "2026-11", [line("0123456789", "leave", "2026-11")])
    assert response.status_code == 201, response.content
    _, dues = walked_row_by_row(unit, OCTOBER, 0)
    # An's five funds one by one first, then Bình's, one per step.
    assert len(dues) == len(FUNDS) + len(FUNDS)
    for amount in boundaries(dues):
        booking.book_partial_month(unit=unit, month=OCTOBER, amount=amount)
        assert stored(unit, OCTOBER) == walked_row_by_row(unit, OCTOBER, amount)[0], amount


def test_only_the_persons_whose_rows_change_lose_their_snapshot(reported, unit, citizen):
    an, binh = (
        ContributionMonth.objects.get(unit=unit, month=OCTOBER, person__bhxh_code=code).person
        for code in ("0123456789", "0123456790")
    )
    # Health for both (450,000 + 2,106,000), then An's unemployment (200,000).
    booking.book_partial_month(unit=unit, month=OCTOBER, amount=2_756_000)
    for person in (an, binh):
        participation_json(person=person)
    assert ParticipationSnapshot.objects.filter(person__in=[an, binh]).count() == 2

    # 1,200,000 more reaches Bình's unemployment: only Bình's rows change.
    changed, newly_paid = booking.book_partial_month(
        unit=unit, month=OCTOBER, amount=2_756_000 + 1_200_000
    )

    assert (changed, newly_paid) == (True, False)
    assert set(ParticipationSnapshot.objects.values_list("person_id", flat=True)) >= {an.pk}
    assert not ParticipationSnapshot.objects.filter(person=binh).exists()


def test_booking_nothing_walks_no_row(reported, unit, monkeypatch):
    # No money left for October (or no rule in force): every row that owes a fund is unpaid,
    # set-based; the rows are not walked (a million of them for a large report).
    def walk(**kwargs):
        raise AssertionError("the rows were walked when nothing is booked")

    monkeypatch.setattr(booking, "cutoff", walk)
    october = ContributionMonth.objects.filter(unit=unit, month=OCTOBER)
    october.update(paid_funds=1)

    assert booking.book_partial_month(unit=unit, month=OCTOBER, amount=0) == (True, False)
    assert set(october.values_list("paid", "paid_funds")) == {(False, 0)}
    # Nothing left to change: no row changes again.
    assert booking.book_partial_month(unit=unit, month=OCTOBER, amount=0) == (False, False)
