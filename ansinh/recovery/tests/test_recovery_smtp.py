"""Recovery mail over real SMTP (aiosmtpd on loopback) through the production task path: the
database task backend and the worker. The request never touches SMTP; with the relay down the
code is delivered once it is back, once and not twice."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from ansinh.conftest import Api, run_db_worker
from ansinh.notifications.models import EmailStatus, OutboundEmail
from ansinh.notifications.tests.smtp_server import smtp_server

from .helpers import CITIZEN_EMAIL, start, verify

__all__ = ["smtp_server"]
pytestmark = [
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
]
DB_TASKS = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, EMAIL_RETRY_BASE_SECONDS=30
)
CODE_RE = re.compile(r"^Mã OTP: ([0-9]{6})\r?$", re.M)  # SMTP lines end in CRLF


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _code(message) -> str:
    match = CODE_RE.search(message.part("text/plain"))
    assert match, "no code line in the text part"
    return match.group(1)


@DB_TASKS
def test_the_request_answers_at_once_and_the_worker_delivers_the_code(citizen, smtp_server):
    api = Api(Client())
    with smtp_server.settings():
        response = start(api)
        assert response.status_code == 202
        assert smtp_server.messages == []  # nothing is sent inside the request
        assert not OutboundEmail.objects.exists()  # not even written: the worker issues the code

        run_db_worker()

    [message] = smtp_server.messages
    assert message.to == [CITIZEN_EMAIL]
    assert message.message.is_multipart()
    assert len(_code(message)) == 6
    assert "Mã OTP" in message.part("text/html")


@DB_TASKS
def test_with_the_relay_down_the_code_arrives_once_it_is_back(citizen, smtp_server):
    api = Api(Client())
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller:
        with smtp_server.settings(), override_settings(EMAIL_PORT=_closed_port()):  # refused
            recovery_id = start(api).json()["recovery_id"]
            run_db_worker()
        email = OutboundEmail.objects.get(kind="recovery_code")
        assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
        assert "Connection" in email.last_error or "refused" in email.last_error.lower()

        traveller.shift(dt.timedelta(seconds=30))
        with smtp_server.settings():  # the relay is back
            run_db_worker()
            run_db_worker()  # a second pass finds nothing more to send

    [message] = smtp_server.messages
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert message.message_id == email.message_id
    with smtp_server.settings():
        assert verify(api, recovery_id, _code(message)).status_code == 200


@DB_TASKS
def test_a_relay_refusing_with_451_then_accepting_delivers_exactly_once(citizen, smtp_server):
    api = Api(Client())
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller, smtp_server.settings():
        smtp_server.reply = "451 4.3.0 Try again later"
        start(api)
        run_db_worker()
        assert smtp_server.refused == 1 and smtp_server.messages == []

        smtp_server.reply = None
        traveller.shift(dt.timedelta(seconds=30))
        run_db_worker()
        run_db_worker()

    assert len(smtp_server.messages) == 1
    email = OutboundEmail.objects.get(kind="recovery_code")
    assert email.status == EmailStatus.SENT
    assert email.body_text == "[erased after delivery]"
