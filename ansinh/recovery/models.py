"""Password recovery by emailed one-time code (DESIGN §3.3, docs/recovery.md).

Every well-formed recovery request creates a ``Recovery`` row, whether or not the identifier and
email match the record: an unmatched one is a *decoy* (``user`` is null) that answers every later
step exactly like a real one, so no step tells a registered person from anyone else.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecoveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the code")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Too many wrong codes")
    SUPERSEDED = "superseded", _("Replaced by a newer request")


class RecoveryOutcome(models.TextChoices):
    CREDENTIALS_EMAILED = "credentials_emailed", _("Temporary password emailed")
    PASSWORD_CHANGED = "password_changed", _("New password chosen")


class Recovery(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Null for a decoy: the identifier and email did not match a person with that email.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Whose visible budgets this recovery spends: "p:<digest of the identifier and the mailbox
    # typed>", for a match and a decoy alike (services.typed_pair_key, defect f).
    subject_key = models.CharField(max_length=80)
    channel = models.CharField(max_length=10)
    status = models.CharField(
        max_length=10, choices=RecoveryStatus.choices, default=RecoveryStatus.PENDING
    )
    created_at = models.DateTimeField()
    # When the current code stops working; a resend starts a new code and a new lifetime.
    expires_at = models.DateTimeField()
    # When a code was last asked for (the request or a resend): the resend cool-down counts
    # from here, identically for real and decoy recoveries.
    last_sent_at = models.DateTimeField()
    resends = models.PositiveSmallIntegerField(default=0)
    # When the worker issued the current code: a task run again for the same request or
    # resend (a worker died after its commit) finds it set and sends nothing twice.
    code_issued_at = models.DateTimeField(null=True, blank=True)
    # HMAC-SHA256 of the current code, keyed by SECRET_KEY and salted per code (ansinh.accounts.
    # codes); empty until the worker issues a code (and forever for a decoy).
    code_salt = models.CharField(max_length=32, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # wrong codes entered
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=RecoveryOutcome.choices, blank=True)
    # Set when the person had no verified address and the typed one was an approved, not yet
    # confirmed address (issue 12 §1a): the code goes there and entering it confirms it.
    email_change = models.ForeignKey(
        "dossiers.EmailChange",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["subject_key", "status"])]

    def __str__(self) -> str:
        return f"recovery {self.public_id} ({self.status})"


class RecoveryFailureCounter(models.Model):
    """Wrong codes per typed identifier-and-mailbox pair ("p:…", visible) and per account
    ("u:<pk>", never shown) across every recovery, session, channel and client address: the
    budgets that a fresh recovery does not reset (``accounts.codes.FailureBudget``)."""

    subject_key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.subject_key}: {self.failures}"
