"""Fault injection: a real ``ansinh worker`` process killed (SIGKILL) in the middle of sending
an OTP email. The email is retried and delivered once, not twice, and the code works.
Needs the real PostgreSQL, which the killed process and this test share."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from ansinh.conftest import Api, run_db_worker
from ansinh.notifications import tasks as email_tasks
from ansinh.notifications.models import EmailStatus, OutboundEmail
from ansinh.notifications.tests.smtp_server import SmtpServer
from ansinh.ops.worker import requeue_stuck_tasks
from ansinh.recovery.tests.helpers import CITIZEN_EMAIL, start, verify

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [
    pytest.mark.services,
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
]


class HangingSmtp(SmtpServer):
    """Accepts connections but, while ``hang`` is set, never answers DATA: the worker sits
    mid-send, with the email claimed and the task running."""

    def __init__(self) -> None:
        super().__init__()
        self.hang = threading.Event()
        self.reached_data = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.hang.is_set():
            self.reached_data.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "421 4.3.0 Shutting down"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def hanging_smtp() -> Iterator[HangingSmtp]:
    server = HangingSmtp()
    server.start()
    try:
        yield server
    finally:
        server.release.set()
        server.stop()


def _worker_process(smtp: SmtpServer) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ansinh.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "WORKER_THREADS": "1",
        "TASK_WORKER_INTERVAL": "0.05",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "ansinh", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, TASK_STUCK_SECONDS=0
)
def test_a_worker_killed_mid_send_is_retried_and_the_code_delivered_once(
    citizen, hanging_smtp, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the killed worker process needs the shared PostgreSQL (make test-services)")
    api = Api(Client())
    hanging_smtp.hang.set()
    recovery_id = start(api).json()["recovery_id"]

    worker = _worker_process(hanging_smtp)
    try:
        assert hanging_smtp.reached_data.wait(timeout=60), "the worker never reached SMTP"
        worker.send_signal(signal.SIGKILL)  # no chance to clean up
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    hanging_smtp.hang.clear()
    hanging_smtp.release.set()

    email = OutboundEmail.objects.get(kind="recovery_code")
    assert email.status == EmailStatus.SENDING  # claimed by the dead worker
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    assert hanging_smtp.messages == []

    # The sweeper of a surviving worker: the task and the email are stale now.
    monkeypatch.setattr(email_tasks, "STALE_SENDING", email_tasks.dt.timedelta(seconds=-1))
    with hanging_smtp.settings():
        assert requeue_stuck_tasks() == 1
        assert email_tasks.requeue_stale() == 1
        run_db_worker("after-the-crash")
        run_db_worker("after-the-crash")  # nothing left: no second email

    [message] = hanging_smtp.messages
    assert message.to == [CITIZEN_EMAIL]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    code = next(
        line.split(": ")[1].strip()
        for line in message.part("text/plain").splitlines()
        if line.startswith("Mã OTP")
    )
    assert verify(api, recovery_id, code).status_code == 200
