"""Email over real SMTP (marker ``smtp``): the "password changed" email of a password change
through the API reaches an aiosmtpd server on loopback as one multipart message; a server
that refuses it (451), a relay that is not running at all, and a relay that goes down in the
middle of a batch each get every email again, exactly once, when the retry runs after they
recover."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.test import override_settings

from ansinh.conftest import CITIZEN_PASSWORD, run_db_worker
from ansinh.notifications import emails, tasks
from ansinh.notifications.models import EmailStatus, OutboundEmail
from ansinh.notifications.tasks import (
    STALE_SENDING,
    deliver_email,
    requeue_stale,
    send_over_kept_connection,
)
from ansinh.notifications.tests.smtp_server import SmtpServer

pytestmark = pytest.mark.smtp

T0 = dt.datetime(2026, 3, 1, 3, 4, 5, tzinfo=dt.UTC)
NEW_PASSWORD = "Mot-Mat-Khau-Moi-That-Dai"
TRY_AGAIN_LATER = "451 4.3.0 Try again later"


def _change_password(api, *, current: str = CITIZEN_PASSWORD):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    return api.post(
        "/auth/password",
        {"current_password": current, "new_password": NEW_PASSWORD},
        token=tokens["access_token"],
    )


def _lines(body: str) -> str:
    """A body with its line ends made canonical (SMTP carries CRLF)."""
    return "\n".join(body.strip().splitlines())


@pytest.mark.django_db
def test_password_change_email_is_delivered_over_smtp_as_one_multipart_message(
    api, citizen, smtp_server
):
    with smtp_server.settings():
        response = _change_password(api)

    assert response.status_code == 204
    row = OutboundEmail.objects.get()
    assert (row.kind, row.status, row.attempts, row.last_error) == (
        "password_changed",
        EmailStatus.SENT,
        1,
        "",
    )
    [received] = smtp_server.messages
    # The envelope and the headers.
    assert received.rcpt_tos == ["an.nguyen@example.com"]
    assert received.mail_from == "no-reply@ansinh.example"
    message = received.message
    assert message["To"] == "an.nguyen@example.com"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL == "An Sinh <no-reply@ansinh.example>"
    assert received.message_id == row.message_id == f"<{row.public_id}@ansinh>"
    # Django folds a long non-ASCII Subject right after the colon; Python's parser keeps the
    # folding space that mail clients drop.
    assert received.subject.strip() == row.subject
    # Text and HTML alternatives, in that order, with the rendered bodies.
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    text, html = _lines(received.part("text/plain")), _lines(received.part("text/html"))
    assert text == _lines(row.body_text)
    assert html == _lines(row.body_html)
    assert "<p>" in html and "<p>" not in text
    # Nothing secret in the message.
    for secret in (CITIZEN_PASSWORD, NEW_PASSWORD):
        assert secret.encode() not in received.raw
    assert smtp_server.refused == 0


@pytest.mark.django_db
def test_refused_password_change_sends_nothing_over_smtp(api, citizen, smtp_server):
    with smtp_server.settings():
        response = _change_password(api, current="Sai-Mat-Khau-2026")

    assert response.status_code == 400
    assert smtp_server.messages == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
@override_settings(EMAIL_RETRY_BASE_SECONDS=30)
def test_email_refused_with_451_stays_queued_and_the_retry_delivers_it_once(
    api, citizen, smtp_server
):
    smtp_server.reply = TRY_AGAIN_LATER
    with time_machine.travel(T0, tick=False) as traveller, smtp_server.settings():
        assert _change_password(api).status_code == 204

        row = OutboundEmail.objects.get()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert row.next_attempt_at == T0 + dt.timedelta(seconds=30)
        assert row.last_error.startswith("SMTPDataError")
        assert "451" in row.last_error
        assert (smtp_server.refused, smtp_server.messages) == (1, [])

        # Recovered, but the retry is not due yet: nothing happens.
        smtp_server.reply = None
        traveller.move_to(row.next_attempt_at - dt.timedelta(seconds=1))
        assert deliver_email.call(row.pk) == "skipped"
        assert smtp_server.messages == []

        traveller.move_to(row.next_attempt_at)
        assert deliver_email.call(row.pk) == "sent"
        # A duplicate task and the sweeper find nothing left to send.
        assert deliver_email.call(row.pk) == "skipped"
        traveller.shift(STALE_SENDING * 2)
        assert requeue_stale() == 0

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (EmailStatus.SENT, 2, "")
    assert row.sent_at == T0 + dt.timedelta(seconds=30)
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["an.nguyen@example.com"]
    # The same Message-ID on every attempt.
    assert received.message_id == row.message_id
    assert smtp_server.refused == 1


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, EMAIL_RETRY_BASE_SECONDS=30
)
def test_db_worker_retries_an_email_refused_with_451_once_the_server_recovers(
    api, citizen, smtp_server
):
    smtp_server.reply = TRY_AGAIN_LATER
    with time_machine.travel(T0, tick=False) as traveller, smtp_server.settings():
        assert _change_password(api).status_code == 204
        run_db_worker()  # the first attempt: refused
        row = OutboundEmail.objects.get()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert smtp_server.refused == 1

        smtp_server.reply = None
        traveller.move_to(T0 + dt.timedelta(seconds=29))
        run_db_worker()  # the retry is deferred until it is due
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert smtp_server.messages == []

        traveller.move_to(T0 + dt.timedelta(seconds=30))
        run_db_worker()
        traveller.shift(dt.timedelta(hours=1))
        run_db_worker()  # nothing left: no second delivery

    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 2)
    [received] = smtp_server.messages
    assert received.message_id == row.message_id
    assert received.rcpt_tos == ["an.nguyen@example.com"]


class FlakyRelay(SmtpServer):
    """A relay that accepts ``accept`` messages and then, while ``accept`` is not ``None``,
    drops every further connection in the middle of DATA (no reply at all), as a relay that
    crashes or is cut off mid-batch."""

    def __init__(self, accept: int | None) -> None:
        super().__init__()
        self.accept = accept
        self.dropped = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.accept is not None and len(self.messages) >= self.accept:
            self.dropped += 1
            server.transport.close()
            return "421 4.3.0 Going down"
        return await super().handle_DATA(server, session, envelope)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
@override_settings(EMAIL_RETRY_BASE_SECONDS=30)
def test_a_relay_that_is_down_then_comes_back_gets_the_email_exactly_once(api, citizen):
    port = _free_port()
    nobody_listening = SmtpServer(port=port)  # never started: connections are refused
    with time_machine.travel(T0, tick=False) as traveller, nobody_listening.settings():
        assert _change_password(api).status_code == 204
        row = OutboundEmail.objects.get()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert row.last_error.startswith("ConnectionRefusedError")

        relay = SmtpServer(port=port)  # the relay comes back on its address
        relay.start()
        try:
            traveller.move_to(row.next_attempt_at)
            assert deliver_email.call(row.pk) == "sent"
            assert deliver_email.call(row.pk) == "skipped"
            traveller.shift(STALE_SENDING * 2)
            assert requeue_stale() == 0
        finally:
            relay.stop()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 2)
    [received] = relay.messages
    assert received.message_id == row.message_id
    assert received.rcpt_tos == ["an.nguyen@example.com"]


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, EMAIL_RETRY_BASE_SECONDS=30
)
def test_a_relay_going_down_mid_batch_loses_no_email_and_sends_none_twice(citizen):
    relay = FlakyRelay(accept=2)
    relay.start()
    try:
        with time_machine.travel(T0, tick=False) as traveller, relay.settings():
            with transaction.atomic():
                rows = [emails.send_password_changed(user=citizen) for _ in range(5)]
            run_db_worker()  # two go through, then the relay drops the connection mid-DATA

            assert len(relay.messages) == 2
            # The third email is dropped on the worker's kept session, then once more on the
            # fresh session that replaces it; the fourth and fifth on a fresh session each.
            assert relay.dropped == 4
            states = sorted(
                OutboundEmail.objects.values_list("status", "attempts", "last_error"),
                key=lambda s: s[0],
            )
            assert [(s, a) for s, a, _e in states] == [(EmailStatus.QUEUED, 1)] * 3 + [
                (EmailStatus.SENT, 1)
            ] * 2
            assert all(e.startswith("SMTPServerDisconnected") for s, _a, e in states if s != "sent")

            relay.accept = None  # back up
            traveller.move_to(T0 + dt.timedelta(seconds=30))
            run_db_worker()
            traveller.shift(dt.timedelta(hours=1))
            run_db_worker()  # nothing left: no second delivery of anything
    finally:
        relay.stop()

    assert sorted(OutboundEmail.objects.values_list("status", "attempts")) == sorted(
        [(EmailStatus.SENT, 1)] * 2 + [(EmailStatus.SENT, 2)] * 3
    )
    received_ids = [m.message_id for m in relay.messages]
    assert len(received_ids) == 5
    assert sorted(received_ids) == sorted(r.message_id for r in rows if r is not None)


def _message(number: int) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(subject=f"Thư {number}", body="…", to=["an@example.com"])


@pytest.mark.django_db
def test_a_worker_thread_keeps_its_smtp_session_and_replaces_one_the_relay_closed(smtp_server):
    with smtp_server.settings():
        for number in range(3):
            send_over_kept_connection(_message(number))
        assert smtp_server.sessions == 1

        # The relay dropped the idle session: the next email goes out at once on a new one.
        tasks._kept.connection.connection.close()
        send_over_kept_connection(_message(3))

    assert smtp_server.sessions == 2
    assert [m.subject for m in smtp_server.messages] == ["Thư 0", "Thư 1", "Thư 2", "Thư 3"]


@pytest.mark.django_db
def test_smtp_keep_seconds_zero_opens_a_session_per_email(smtp_server):
    with smtp_server.settings(SMTP_KEEP_SECONDS=0):
        for number in range(2):
            send_over_kept_connection(_message(number))

    assert (smtp_server.sessions, len(smtp_server.messages)) == (2, 2)
