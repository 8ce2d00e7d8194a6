"""A real SMTP server on loopback for tests (aiosmtpd), keeping every message it accepts.

Use the ``smtp_server`` fixture (registered in this package's ``conftest.py``; other test
packages import it from here)::

    @pytest.mark.smtp
    def test_something(smtp_server):
        with smtp_server.settings():  # Django's SMTP backend pointed at this server
            ...
        assert [m.to for m in smtp_server.messages] == [["an.nguyen@example.com"]]

Set ``smtp_server.reply = "451 4.3.0 Try again later"`` to make it refuse messages (at DATA)
until it is set back to ``None``. The server listens on 127.0.0.1 on a port the OS picks, so
parallel test processes never collide, and the fixture always stops it; ``SmtpServer(port=…)``
starts one on a given port (a relay that comes back where it was).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def to(self) -> list[str]:
        return self.rcpt_tos

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, content_type: str) -> str:
        """The decoded body of the (first) part with this content type, e.g. ``text/html``."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return str(part.get_content())
        raise LookupError(f"no {content_type} part in {self.message.get_content_type()} message")


class _LoopbackController(Controller):
    def _trigger_server(self) -> None:
        # Bound to port 0: learn the port the OS picked before the readiness probe uses it.
        assert self.server is not None
        self.port = cast(asyncio.Server, self.server).sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """An aiosmtpd server in a thread; ``messages`` holds what it accepted, in order."""

    def __init__(self, port: int = 0) -> None:
        self.reply: str | None = None
        self.messages: list[ReceivedMessage] = []
        self.refused = 0
        self.sessions = 0  # EHLO greetings: one per SMTP session a client opened
        self._lock = threading.Lock()
        self._controller = _LoopbackController(self, hostname=HOST, port=port)
        self.host = HOST
        self.port = port

    async def handle_EHLO(  # noqa: N802 - aiosmtpd handler hook
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    # aiosmtpd handler hook; runs on the server's thread before it answers the DATA command,
    # so a message is recorded before the client's ``sendmail`` returns.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self.reply is not None:
                self.refused += 1
                return self.reply
            raw = envelope.original_content or envelope.content
            self.messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), raw=bytes(raw)
                )
            )
        return "250 2.0.0 Message accepted for delivery"

    def start(self) -> None:
        self._controller.start()
        self.port = self._controller.port

    def stop(self) -> None:
        self._controller.stop(no_assert=True)

    def settings(self, **extra: Any) -> override_settings:
        """Django's SMTP backend pointed at this server (usable as a context manager)."""
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=self.host,
            EMAIL_PORT=self.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
            **extra,
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
