"""Audit events (DESIGN §3.7): append-only, UTC, never a password, OTP or token."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A masked identifier when no account is known (e.g. a failed login for "01******89").
    identifier = models.CharField(max_length=40, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=10, blank=True)  # "api", "portal", "backoffice", "cli"
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["subject", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event}"


class DataAccess(models.Model):
    """One read of a person's record by someone other than the person (DESIGN §3.7): BHXH
    staff or an employer unit / collection organisation. The person can read their own log
    ("Ai đã xem hồ sơ của tôi", ``GET /me/access-log``)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    accessed_at = models.DateTimeField()
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "people.CollectionOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was looked at, as a stable code: "profile", "dossier", "participation", …
    what = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, blank=True)
    # Which dossier the read concerns, when it concerns one: its public id and form code, so
    # the person's log names it ("Hồ sơ HS-2026-… (TK1-TS)") and links to it.
    dossier_ref = models.CharField(max_length=20, blank=True)
    dossier_form = models.CharField(max_length=20, blank=True)
    # Which unit's papers and which month showed the person (a unit's monthly statement).
    about_unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about_month = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        indexes = [models.Index(fields=["person", "-accessed_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.what} @ {self.accessed_at:%Y-%m-%d %H:%M}"
