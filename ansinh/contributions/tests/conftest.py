"""Fixtures of the contributions tests: the unit's API key, another unit with its key, and a
``report`` helper that posts a JSON report through the unit API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from ansinh.accounts.keys import issue_key
from ansinh.conftest import Api
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Unit

# Tests run "in November 2026" unless they move the clock themselves.
NOW = "2026-11-15 10:00:00+07:00"


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def unit_key(unit: Unit) -> str:
    return issue_key(unit=unit, actor=Actor.command(), label="test").raw


@pytest.fixture
def other_unit(office: Office) -> Unit:
    return Unit.objects.create(code="TB00815", name="Công ty TNHH Minh Phát", office=office)


@pytest.fixture
def other_unit_key(other_unit: Unit) -> str:
    return issue_key(unit=other_unit, actor=Actor.command(), label="test").raw


# The personas' dates of birth (``ansinh/conftest.py``), as a unit's HR clerk types them on a
# hire line: the employer knows the person it hires (issue 11 c).
PERSONA_BIRTHS = {
    "0123456789": "1990-05-17",
    "0123456790": "1992-03-08",
    "7912345678": "1985-01-02",
}


def line(bhxh_code: str, type: str, from_month: str, **fields: Any) -> dict[str, Any]:  # noqa: A002
    """A report line; a hire of a persona carries the persona's date of birth unless
    ``date_of_birth`` is given."""
    if type == "hire" and bhxh_code in PERSONA_BIRTHS:
        fields.setdefault("date_of_birth", PERSONA_BIRTHS[bhxh_code])
    return {"bhxh_code": bhxh_code, "type": type, "from_month": from_month, **fields}


def send(api: Api, key: str, reference: str, period: str, lines: list[dict[str, Any]]) -> Any:
    return api.post(
        "/unit/reports",
        {"reference": reference, "period": period, "lines": lines},
        headers={"X-API-Key": key},
    )


def participation(api: Api, token: str) -> dict[str, Any]:
    response = api.get("/me/participation", token=token)
    assert response.status_code == 200, response.content
    return dict(response.json())


@pytest.fixture
def reported(api: Api, citizen: Any, citizen_no_email: Any, unit_key: str) -> None:
    """TA01234 hires An in 2026-08 (10,000,000: 3,200,000 due a month) and Bình in 2026-10
    (60,000,000, capped for BHXH, BHYT and BHTNLĐ-BNN: October's due is 18,440,000)."""
    response = send(
        api,
        unit_key,
        "D02-2026-10",
        "2026-10",
        [
            line("0123456789", "hire", "2026-08", salary=10_000_000),
            line("0123456790", "hire", "2026-10", salary=60_000_000),
        ],
    )
    assert response.status_code == 201, response.content


@pytest.fixture
def october_statement(api: Api, reported: None, unit: Unit, unit_key: str) -> dict[str, Any]:
    """The unit API's statement of 2026-10 after 5,000,000 paid in September and 2,500,000 in
    October: brought forward 1,400,000, carried forward 17,340,000."""
    from ansinh.contributions.payments import record_payment

    for amount, day in ((5_000_000, dt.date(2026, 9, 20)), (2_500_000, dt.date(2026, 10, 5))):
        record_payment(actor=Actor.command(), unit_code=unit.code, amount=amount, paid_on=day)
    response = api.get("/unit/statements/2026-10", headers={"X-API-Key": unit_key})
    assert response.status_code == 200, response.content
    return dict(response.json())


def codes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A 422's line errors as codes only (``line`` and ``fields``), without the texts beside
    them (``row``, ``bhxh_code``, ``messages``, ``message``)."""
    return [{"line": entry["line"], "fields": entry["fields"]} for entry in entries]
