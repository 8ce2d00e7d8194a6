"""The outbox: every email the system sends, written in the same transaction as the change
that caused it, then delivered by the task worker (DESIGN §3.7, docs/operations.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)  # template name, e.g. "password_changed"
    recipient = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=2, default="vi")
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=7, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    # Holds a one-time code or a temporary password: the bodies are erased once the message
    # is delivered or given up on, so the secret does not outlive its delivery in the database.
    sensitive = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # Codes per mailbox in the last day (recovery's flood ceiling).
            models.Index(fields=["recipient", "kind", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"

    @property
    def message_id(self) -> str:
        # Stable across retries, so a receiving server can drop a duplicate delivery.
        return f"<{self.public_id}@ansinh>"


class DevMailboxMessage(models.Model):
    """What the development mailbox backend "delivered" (embedded profile only)."""

    recipients = models.CharField(max_length=1000)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.recipients}: {self.subject}"


class Notice(models.Model):
    """One entry of a person's in-app notification list (``GET /me/notifications``, the portal
    page): rendered in the person's language when created, kept as written."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=40)  # stable code, e.g. "dossier_approved"
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)  # a path on this site, e.g. /ca-nhan/…
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
