"""A month still unpaid 30 days after it was due (the last day of the following month since
07/2025) is announced to the person,
by email and in-app notice, once (time-machine, no sleeps)."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from ansinh.conftest import run_on_commit
from ansinh.notifications.models import Notice

from .conftest import line, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def october_unpaid(api, citizen, citizen_no_email, unit_key):
    send(
        api,
        unit_key,
        "R-1",
        "2026-10",
        [
            line("0123456789", "hire", "2026-10", salary=10_000_000),
            line("0123456790", "hire", "2026-10", salary=8_000_000),
        ],
    )
    # The hires were announced ("new employer", issue 11 c); these tests count unpaid alerts.
    assert Notice.objects.filter(kind="new_employer").count() == 2
    mail.outbox.clear()
    Notice.objects.all().delete()


def _alerts() -> str:
    out = io.StringIO()
    with run_on_commit():
        call_command("unpaid_alerts", stdout=out)
    return out.getvalue()


def test_nothing_is_said_until_30_days_after_the_due_date(_clock, october_unpaid):
    _clock.move_to("2026-12-30 23:00:00+07:00")  # due 30 Nov + 30 days

    assert _alerts().startswith("0 ")
    assert mail.outbox == [] and not Notice.objects.exists()


def test_the_alert_is_sent_once_by_email_and_in_app(_clock, citizen, october_unpaid):
    _clock.move_to("2026-12-31 08:00:00+07:00")

    assert _alerts().startswith("2 ")
    assert _alerts().startswith("0 ")
    _clock.move_to("2027-01-20 08:00:00+07:00")
    assert _alerts().startswith("0 ")

    # Only An has an email on record; both get the in-app notice.
    assert [m.to for m in mail.outbox] == [["an.nguyen@example.com"]]
    text = mail.outbox[0].body
    assert "TA01234 Công ty TNHH An Khang: 10/2026" in text and "2026-10" not in text
    html = str(mail.outbox[0].alternatives[0][0])
    assert "TA01234 Công ty TNHH An Khang: 10/2026" in html and "2026-10" not in html
    assert Notice.objects.filter(kind="unpaid_months").count() == 2
    notice = Notice.objects.get(user=citizen)
    assert notice.link == "/ca-nhan/qua-trinh-tham-gia/"
    # The notice names the months too, written as the person reads them.
    assert "TA01234 Công ty TNHH An Khang: 10/2026" in notice.body
    assert "2026-10" not in notice.body and "10/2026" in notice.body


def test_a_paid_month_is_never_announced(_clock, unit, october_unpaid):
    import datetime as dt

    from ansinh.contributions.payments import record_payment
    from ansinh.lib.actor import Actor

    record_payment(
        unit_code=unit.code,
        amount=10_000_000,
        paid_on=dt.date(2026, 11, 20),
        actor=Actor.command(),
    )
    _clock.move_to("2027-01-05 08:00:00+07:00")

    assert _alerts().startswith("0 ")


def test_a_later_month_gets_its_own_alert(_clock, api, unit_key, october_unpaid):
    _clock.move_to("2026-12-31 08:00:00+07:00")
    _alerts()
    call_command("statements", "2026-11", stdout=io.StringIO())
    _clock.move_to("2027-01-31 08:00:00+07:00")  # 2026-11 due 31 Dec + 30 days is 30 Jan

    assert _alerts().startswith("2 ")
    assert len(mail.outbox) == 2
    assert "11/2026" in mail.outbox[1].body and "10/2026" not in mail.outbox[1].body
