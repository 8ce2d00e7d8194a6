"""An email backend that keeps messages in the database for the dev mailbox page."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class DevMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from .models import DevMailboxMessage

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = str(content)
            DevMailboxMessage.objects.create(
                recipients=", ".join(message.recipients()),
                subject=str(message.subject),
                body_text=str(message.body),
                body_html=html,
                message_id=message.extra_headers.get("Message-ID", ""),
            )
        return len(email_messages)
