"""The outbox and its delivery task (DESIGN §3.7): rendered in the recipient's language with
subject, text and HTML parts; written in the caller's transaction; delivered once it commits,
retried with back-off, never twice."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from ansinh.conftest import make_citizen, run_db_worker, run_on_commit
from ansinh.notifications import emails
from ansinh.notifications.models import EmailStatus, OutboundEmail
from ansinh.notifications.tasks import STALE_SENDING, deliver_email, requeue_stale
from ansinh.people.models import Sex

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 3, 4, 5, tzinfo=dt.UTC)  # 10:04 in Hà Nội
EN_SUBJECT = "Your An Sinh password was changed"
VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
FAILING = "ansinh.notifications.tests.test_delivery.DisconnectingBackend"


class DisconnectingBackend(BaseEmailBackend):
    """An SMTP relay that drops the connection in the middle of the transaction."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SecondWorkerBackend(BaseEmailBackend):
    """Records the message, but first lets a second worker run the same task meanwhile, as
    when two workers hold a task for the same row."""

    second_worker_said: list[str] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            email_id = OutboundEmail.objects.get(recipient=message.to[0]).pk
            type(self).second_worker_said.append(deliver_email.call(email_id))
        mail.outbox.extend(email_messages)
        return len(email_messages)


def _citizen(*, name: str = "Nguyễn & Co <An>", language: str = "vi"):
    return make_citizen(
        bhxh_code="0123456789",
        cccd="001090012345",
        full_name=name,
        dob=dt.date(1990, 5, 17),
        sex=Sex.MALE,
        email="an.nguyen@example.com",
        language=language,
    )


def _queue_without_delivery(user) -> OutboundEmail:
    """Queue an email whose delivery task is lost: the on-commit hook never runs here."""
    email = emails.send_password_changed(user=user)
    assert email is not None
    return email


# --- Rendering -------------------------------------------------------------------------------


@override_settings(SITE_URL="https://ansinh.example")
def test_password_changed_email_has_subject_text_and_html_parts(mailoutbox):
    user = _citizen(language="en")
    with time_machine.travel(T0, tick=False), run_on_commit():
        email = emails.send_password_changed(user=user)

    assert email is not None
    row = OutboundEmail.objects.get()
    assert (row.kind, row.recipient, row.user, row.language) == (
        "password_changed",
        "an.nguyen@example.com",
        user,
        "en",
    )
    assert row.subject == EN_SUBJECT
    assert "changed at 10:04 01/03/2026" in row.body_text  # the time in Hà Nội
    assert "https://ansinh.example/" in row.body_text
    assert "<p>" in row.body_html and "https://ansinh.example/" in row.body_html
    assert '<html lang="en">' in row.body_html


def test_text_part_is_plain_text_and_html_part_escapes_the_name(mailoutbox):
    user = _citizen(name="Nguyễn & Co <An>", language="en")
    with run_on_commit():
        emails.send_password_changed(user=user)

    row = OutboundEmail.objects.get()
    assert "Hello Nguyễn & Co <An>," in row.body_text
    assert "&amp;" not in row.body_text and "&lt;" not in row.body_text
    assert "<p>" not in row.body_text
    assert "Hello Nguyễn &amp; Co &lt;An&gt;," in row.body_html
    assert "<An>" not in row.body_html


def test_email_language_follows_the_user_and_defaults_to_vietnamese(mailoutbox):
    vi_user = _citizen()
    assert vi_user.language == "vi"  # the default
    with run_on_commit():
        emails.send_password_changed(user=vi_user)

    row = OutboundEmail.objects.get()
    assert row.language == "vi"
    assert '<html lang="vi">' in row.body_html


def test_vietnamese_user_gets_the_email_in_vietnamese(mailoutbox):
    with run_on_commit():
        emails.send_password_changed(user=_citizen(language="vi"))

    row = OutboundEmail.objects.get()
    assert row.subject != EN_SUBJECT
    assert VIETNAMESE_LETTERS & set(row.subject.lower())
    assert VIETNAMESE_LETTERS & set(row.body_text.replace("Nguyễn", "").lower())


def test_no_email_for_a_citizen_without_an_address(citizen_no_email, mailoutbox):
    with run_on_commit():
        assert emails.send_password_changed(user=citizen_no_email) is None
    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


# --- Delivery --------------------------------------------------------------------------------


def test_delivery_sends_a_multipart_message_and_marks_the_row_sent(mailoutbox):
    user = _citizen(language="en")
    with time_machine.travel(T0, tick=False), run_on_commit():
        emails.send_password_changed(user=user)

    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (EmailStatus.SENT, 1, T0, "")
    [message] = mailoutbox
    assert message.to == ["an.nguyen@example.com"]
    assert message.subject == row.subject
    assert message.body == row.body_text
    assert message.alternatives == [(row.body_html, "text/html")]
    assert message.extra_headers["Message-ID"] == f"<{row.public_id}@ansinh>"
    mime = message.message()
    assert mime.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mime.get_payload()] == ["text/plain", "text/html"]
    assert mime["Message-ID"] == f"<{row.public_id}@ansinh>"


def test_delivery_goes_to_the_address_on_the_row(mailoutbox):
    email = _queue_without_delivery(_citizen())
    OutboundEmail.objects.filter(pk=email.pk).update(recipient="moved@example.net")

    assert deliver_email.call(email.pk) == "sent"

    assert [m.to for m in mailoutbox] == [["moved@example.net"]]


# --- Never twice -----------------------------------------------------------------------------


def test_delivering_a_sent_email_again_sends_nothing(mailoutbox):
    with run_on_commit():
        emails.send_password_changed(user=_citizen())
    row = OutboundEmail.objects.get()
    assert row.status == EmailStatus.SENT

    assert deliver_email.call(row.pk) == "skipped"

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)


def test_two_tasks_for_the_same_queued_row_send_once(mailoutbox):
    email = _queue_without_delivery(_citizen())

    assert [deliver_email.call(email.pk), deliver_email.call(email.pk)] == ["sent", "skipped"]
    assert len(mailoutbox) == 1


def test_a_row_another_worker_is_sending_is_not_sent_again(mailoutbox):
    email = _queue_without_delivery(_citizen())
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert deliver_email.call(email.pk) == "skipped"

    assert mailoutbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENDING, 1)


@override_settings(EMAIL_BACKEND="ansinh.notifications.tests.test_delivery.SecondWorkerBackend")
def test_a_second_worker_racing_the_first_mid_send_sends_nothing(mailoutbox, monkeypatch):
    monkeypatch.setattr(SecondWorkerBackend, "second_worker_said", [])
    email = _queue_without_delivery(_citizen())

    assert deliver_email.call(email.pk) == "sent"

    assert SecondWorkerBackend.second_worker_said == ["skipped"]
    assert len(mailoutbox) == 1


# --- Retries ---------------------------------------------------------------------------------


@override_settings(EMAIL_BACKEND=FAILING, EMAIL_MAX_ATTEMPTS=4, EMAIL_RETRY_BASE_SECONDS=30)
def test_failures_back_off_exponentially_then_fail_for_good(mailoutbox):
    with time_machine.travel(T0, tick=False) as traveller:
        with run_on_commit():
            email = _queue_without_delivery(_citizen())  # first attempt runs on commit
        now = T0
        for attempt, delay in [(1, 30), (2, 60), (3, 120)]:
            email.refresh_from_db()
            assert email.status == EmailStatus.QUEUED
            assert email.attempts == attempt
            assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
            assert email.next_attempt_at == now + dt.timedelta(seconds=delay)
            # Not before it is due.
            traveller.move_to(email.next_attempt_at - dt.timedelta(seconds=1))
            assert deliver_email.call(email.pk) == "skipped"
            email.refresh_from_db()
            assert email.attempts == attempt
            # Due: the next attempt.
            now = email.next_attempt_at
            traveller.move_to(now)
            deliver_email.call(email.pk)

        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.FAILED, 4)
        assert email.last_error.startswith("SMTPServerDisconnected")
        traveller.shift(dt.timedelta(days=1))
        assert deliver_email.call(email.pk) == "skipped"
        assert requeue_stale() == 0

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 4)
    assert mailoutbox == []


def test_a_success_after_one_failure_delivers_exactly_once(mailoutbox):
    with time_machine.travel(T0, tick=False) as traveller:
        with override_settings(EMAIL_BACKEND=FAILING), run_on_commit():
            email = _queue_without_delivery(_citizen())
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)

        traveller.move_to(email.next_attempt_at)
        assert deliver_email.call(email.pk) == "sent"
        assert deliver_email.call(email.pk) == "skipped"
        traveller.shift(STALE_SENDING * 2)
        assert requeue_stale() == 0

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert email.sent_at == email.next_attempt_at
    [message] = mailoutbox
    assert message.extra_headers["Message-ID"] == email.message_id


@override_settings(EMAIL_BACKEND=FAILING)
def test_a_failure_mid_way_keeps_the_row_and_its_content(mailoutbox):
    with run_on_commit():
        email = _queue_without_delivery(_citizen())
    assert mailoutbox == []

    row = OutboundEmail.objects.get()
    assert row.pk == email.pk
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert (row.public_id, row.subject, row.body_text, row.body_html) == (
        email.public_id,
        email.subject,
        email.body_text,
        email.body_html,
    )


def test_an_error_while_scheduling_delivery_does_not_break_the_commit(mailoutbox, monkeypatch):
    def broken_queue(email_id: int, **kwargs: object) -> None:
        raise ConnectionError("task queue unavailable")

    monkeypatch.setattr(emails, "schedule_delivery", broken_queue)
    with time_machine.travel(T0, tick=False) as traveller:
        with run_on_commit():  # raises if the on-commit hook lets the error out
            email = _queue_without_delivery(_citizen())
        assert mailoutbox == []

        traveller.shift(dt.timedelta(minutes=2))
        assert requeue_stale() == 1

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(mailoutbox) == 1


# --- Lost tasks and stuck rows ---------------------------------------------------------------


def test_a_row_stuck_in_sending_is_requeued_and_delivered(mailoutbox):
    with time_machine.travel(T0, tick=False):
        email = _queue_without_delivery(_citizen())
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.SENDING,
            attempts=1,
            claimed_at=T0 - STALE_SENDING - dt.timedelta(seconds=1),
        )

        assert requeue_stale() == 1

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    [message] = mailoutbox
    # The same Message-ID as the first try, so a receiving server can drop a duplicate.
    assert message.extra_headers["Message-ID"] == email.message_id


def test_a_queued_row_whose_task_was_lost_is_delivered(mailoutbox):
    with time_machine.travel(T0, tick=False) as traveller:
        email = _queue_without_delivery(_citizen())
        traveller.shift(dt.timedelta(minutes=1, seconds=1))

        assert requeue_stale() == 1

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert len(mailoutbox) == 1


def test_a_due_retry_whose_task_was_lost_is_delivered(mailoutbox):
    with time_machine.travel(T0, tick=False) as traveller:
        with override_settings(EMAIL_BACKEND=FAILING), run_on_commit():
            email = _queue_without_delivery(_citizen())
        email.refresh_from_db()
        assert email.next_attempt_at is not None
        traveller.move_to(email.next_attempt_at + dt.timedelta(minutes=1, seconds=1))

        assert requeue_stale() == 1

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert len(mailoutbox) == 1


def test_fresh_rows_are_left_alone(mailoutbox):
    user = _citizen()
    with time_machine.travel(T0, tick=False):
        sending = _queue_without_delivery(user)
        OutboundEmail.objects.filter(pk=sending.pk).update(
            status=EmailStatus.SENDING,
            attempts=1,
            claimed_at=T0 - STALE_SENDING + dt.timedelta(seconds=1),
        )
        just_queued = _queue_without_delivery(user)
        OutboundEmail.objects.filter(pk=just_queued.pk).update(
            created_at=T0 - dt.timedelta(seconds=30)
        )
        retry_later = _queue_without_delivery(user)
        OutboundEmail.objects.filter(pk=retry_later.pk).update(
            attempts=1,
            created_at=T0 - dt.timedelta(hours=1),
            next_attempt_at=T0 + dt.timedelta(minutes=5),
        )
        sent = _queue_without_delivery(user)
        OutboundEmail.objects.filter(pk=sent.pk).update(
            status=EmailStatus.SENT, attempts=1, created_at=T0 - dt.timedelta(hours=1), sent_at=T0
        )
        before = {e.pk: (e.status, e.attempts) for e in OutboundEmail.objects.all()}

        assert requeue_stale() == 0

    after = {e.pk: (e.status, e.attempts) for e in OutboundEmail.objects.all()}
    assert after == before
    assert before[sending.pk] == (EmailStatus.SENDING, 1)
    assert mailoutbox == []


# --- Transactions ----------------------------------------------------------------------------


def test_a_rolled_back_transaction_sends_no_email(mailoutbox):
    user = _citizen()
    with run_on_commit():
        with pytest.raises(RuntimeError), transaction.atomic():
            emails.send_password_changed(user=user)
            raise RuntimeError("the change failed after the email was queued")

    assert not OutboundEmail.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_real_commit_delivers_and_real_rollback_does_not(mailoutbox):
    user = _citizen()
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.send_password_changed(user=user)
        raise RuntimeError("rolled back")
    assert mailoutbox == []

    with transaction.atomic():
        emails.send_password_changed(user=user)
        assert mailoutbox == []  # not before the commit

    assert len(mailoutbox) == 1
    assert OutboundEmail.objects.get().status == EmailStatus.SENT


# --- The database task worker (production path) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, EMAIL_RETRY_BASE_SECONDS=30
)
def test_db_worker_delivers_after_commit_and_runs_the_retry_when_due(mailoutbox):
    user = _citizen()
    with time_machine.travel(T0, tick=False) as traveller:
        with override_settings(EMAIL_BACKEND=FAILING):
            with transaction.atomic():
                email = emails.send_password_changed(user=user)
            assert email is not None
            run_db_worker()
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
        assert email.next_attempt_at == T0 + dt.timedelta(seconds=30)

        traveller.move_to(T0 + dt.timedelta(seconds=29))
        run_db_worker()  # the retry task is deferred: nothing runs yet
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)

        traveller.move_to(T0 + dt.timedelta(seconds=30))
        run_db_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert len(mailoutbox) == 1
