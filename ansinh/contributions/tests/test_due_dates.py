"""The law on due dates (issue 12 §2, DESIGN §3.5): since the Law on Social Insurance
41/2024/QH15 (1 July 2025) a month is due by the last day of the following month (before: by
its own last day). A month not yet past its due date is "due", never employer debt. Dates are
computed by hand in each test; the clock is moved with time-machine."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from ansinh.conftest import CITIZEN_PASSWORD, run_on_commit
from ansinh.contributions.duedates import due_date
from ansinh.notifications.models import Notice
from ansinh.portal.tests.helpers import data_field, login, text

from .conftest import line, participation, send

pytestmark = pytest.mark.django_db

D = dt.date


def test_a_month_before_july_2025_is_due_at_its_own_month_end():
    assert due_date(D(2025, 6, 1)) == D(2025, 6, 30)
    assert due_date(D(2024, 2, 1)) == D(2024, 2, 29)
    assert due_date(D(2015, 1, 1)) == D(2015, 1, 31)


def test_a_month_from_july_2025_is_due_at_the_end_of_the_following_month():
    assert due_date(D(2025, 7, 1)) == D(2025, 8, 31)
    assert due_date(D(2026, 1, 1)) == D(2026, 2, 28)
    assert due_date(D(2026, 10, 1)) == D(2026, 11, 30)
    assert due_date(D(2026, 12, 1)) == D(2027, 1, 31)


@pytest.fixture
def august_to_november(api, citizen, unit_key):
    # Today (the tests' clock) is 2026-11-15: 2026-08 was due 2026-09-30 and 2026-09 on
    # 2026-10-31 (both past); 2026-10 is due 2026-11-30 and 2026-11 on 2026-12-31 (not yet).
    send(
        api,
        unit_key,
        "R-1",
        "2026-11",
        [line("0123456789", "hire", "2026-08", salary=10_000_000, job_title="Kế toán")],
    )
    return api.login("0123456789", CITIZEN_PASSWORD)["access_token"]


def test_the_current_and_previous_month_are_due_not_unpaid_and_not_counted(api, august_to_november):
    bhxh = participation(api, august_to_november)["schemes"]["BHXH"]

    assert [(p["from"], p["to"], p["status"], p["lateness"]) for p in bhxh["periods"]] == [
        ("2026-08", "2026-09", "unpaid", "late"),
        ("2026-10", "2026-11", "due", None),
    ]
    assert (bhxh["total_months"], bhxh["unpaid_months"]) == (4, 2)


def test_a_month_becomes_unpaid_the_day_after_its_due_date(_clock, api, august_to_november):
    participation(api, august_to_november)  # a stored document from November 15
    _clock.move_to("2026-11-30 23:00:00+07:00")  # 2026-10's last day to pay
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    first = participation(api, token)["schemes"]["BHXH"]
    _clock.move_to("2026-12-01 08:00:00+07:00")  # 2026-10 is now late
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    second = participation(api, token)["schemes"]["BHXH"]

    # On November 30, 2026-08 (due September 30) is 61 days late: evasion (Decree 274/2025),
    # although the document stored on November 15 showed it late.
    assert [(p["from"], p["to"], p["status"], p["lateness"]) for p in first["periods"]] == [
        ("2026-08", "2026-08", "unpaid", "evasion"),
        ("2026-09", "2026-09", "unpaid", "late"),
        ("2026-10", "2026-11", "due", None),
    ]
    assert [(p["from"], p["to"], p["status"], p["lateness"]) for p in second["periods"]] == [
        ("2026-08", "2026-08", "unpaid", "evasion"),
        ("2026-09", "2026-10", "unpaid", "late"),
        ("2026-11", "2026-11", "due", None),
    ]
    assert second["unpaid_months"] == 3


def test_the_openapi_schema_lists_due_as_a_period_status(api):
    schema = api.get("/openapi.json").json()
    statuses = [
        sorted(prop["enum"])
        for component in schema["components"]["schemas"].values()
        for name, prop in component.get("properties", {}).items()
        if name == "status" and "enum" in prop and "unpaid" in prop["enum"]
    ]
    assert statuses == [["due", "paid", "unpaid"]]


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", "đang trong hạn đóng"), ("en", "within the payment period")],
)
def test_the_history_page_says_a_due_month_is_within_the_payment_period(
    client, august_to_november, language, words
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    login(client, "0123456789", CITIZEN_PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get("/ca-nhan/qua-trinh-tham-gia/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert data_field(response, "unpaid_months").startswith("2")
    assert 'data-status="due"' in response.content.decode()
    page = text(response.content)
    assert words in page.lower()
    # The unit owes the past-due months only.
    assert "08/2026, 09/2026" in page and "10/2026" not in page.split("08/2026, 09/2026")[1]


def _alerts() -> str:
    out = io.StringIO()
    with run_on_commit():
        call_command("unpaid_alerts", stdout=out)
    return out.getvalue()


def test_the_unpaid_alert_comes_30_days_after_the_due_date_not_before(
    _clock, api, citizen, unit_key
):
    send(api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=9_000_000)])
    mail.outbox.clear()
    Notice.objects.all().delete()

    # 2026-10 is due 2026-11-30; 30 days later is 2026-12-30.
    _clock.move_to("2026-12-30 23:00:00+07:00")
    assert _alerts().startswith("0 ")
    assert not Notice.objects.filter(kind="unpaid_months").exists()

    _clock.move_to("2026-12-31 08:00:00+07:00")
    assert _alerts().startswith("1 ")
    assert Notice.objects.filter(kind="unpaid_months").count() == 1
    assert "10/2026" in mail.outbox[0].body
