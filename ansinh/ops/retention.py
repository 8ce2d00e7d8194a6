"""Retention (docs/security.md "Personal data"): what is kept how long, and the purge that
deletes the rest. Decree 13/2023/NĐ-CP asks that personal data be kept no longer than its
purpose needs; the defaults below are settings, so an operator can follow the agency's rules.

| data | kept after it stops being useful | setting |
|---|---|---|
| recovery rows (no code in clear, ever) | 30 days | ``RETENTION_RECOVERY_DAYS`` |
| spent wrong-code budgets | their window | ``RECOVERY_ACCOUNT_WINDOW_SECONDS`` |
| failed-login counters of typed identifiers and passkeys (keyed digests) | 30 days after the last failure | ``LOGIN_FAILURE_MEMORY_SECONDS`` |
| unused passkey challenges (digests) | at once when expired | ``PASSKEY_CHALLENGE_TTL_SECONDS`` |
| expired or revoked app tokens and device sessions (a device never logged out: from the expiry of its last refresh token) | 30 days | ``RETENTION_TOKENS_DAYS`` |
| sent or failed emails (bodies of sensitive ones already erased) | 90 days | ``RETENTION_EMAILS_DAYS`` |
| finished background tasks | 7 days | ``RETENTION_TASKS_DAYS`` |
| audit events and the data-access log (PostgreSQL: whole months' partitions dropped, rows deleted only in the month at the boundary) | 5 years | ``RETENTION_AUDIT_DAYS`` |
| expired web sessions and CAPTCHA challenges | at once | — |
| photos of an online registration never confirmed (CCCD front, back, portrait): rows and files | once its code can no longer be used (expired, too many wrong codes, superseded) | — |
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from ansinh.lib import partitions
from ansinh.ops.partitions import drop_log_partitions


def purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is past its retention; returns how many rows of each kind went."""
    from captcha.models import CaptchaStore
    from django_tasks_db.models import DBTaskResult

    from ansinh.accounts import relying_party, throttle
    from ansinh.accounts.models import AppToken, DeviceSession
    from ansinh.audit.models import AuditEvent, DataAccess
    from ansinh.dossiers.registration import delete_unconfirmed_images
    from ansinh.notifications.models import EmailStatus, OutboundEmail
    from ansinh.recovery.models import Recovery, RecoveryFailureCounter

    now = now or timezone.now()

    def days(setting: str) -> dt.datetime:
        return now - dt.timedelta(days=getattr(settings, setting))

    tokens_cutoff = days("RETENTION_TOKENS_DAYS")
    audit_cutoff = days("RETENTION_AUDIT_DAYS")
    counts = {
        "recoveries": Recovery.objects.filter(created_at__lt=days("RETENTION_RECOVERY_DAYS")),
        "recovery_budgets": RecoveryFailureCounter.objects.filter(
            window_started_at__lt=now
            - dt.timedelta(seconds=settings.RECOVERY_ACCOUNT_WINDOW_SECONDS)
        ),
        "login_failures": throttle.expired(now),
        "passkey_challenges": relying_party.expired(now),
        "app_tokens": AppToken.objects.filter(
            Q(expires_at__lt=tokens_cutoff) | Q(revoked_at__lt=tokens_cutoff)
        ),
        # A device never logged out ends when its last refresh token expires: every refresh
        # token it holds was issued at or before ``last_seen_at``.
        "device_sessions": DeviceSession.objects.filter(
            Q(revoked_at__lt=tokens_cutoff)
            | Q(
                revoked_at__isnull=True,
                last_seen_at__lt=tokens_cutoff
                - dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS),
            )
        ),
        "emails": OutboundEmail.objects.filter(
            status__in=[EmailStatus.SENT, EmailStatus.FAILED],
            created_at__lt=days("RETENTION_EMAILS_DAYS"),
        ),
        "tasks": DBTaskResult.objects.filter(
            status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=days("RETENTION_TASKS_DAYS")
        ),
        "audit_events": AuditEvent.objects.filter(occurred_at__lt=audit_cutoff),
        "data_access": DataAccess.objects.filter(accessed_at__lt=audit_cutoff),
        "sessions": Session.objects.filter(expire_date__lt=now),
        "captchas": CaptchaStore.objects.filter(expiration__lt=now),
    }
    # On PostgreSQL the logs are partitioned by month: the months entirely past the retention
    # are dropped as tables (no row-by-row delete, no dead rows to vacuum); the delete below
    # then only finds the rows of the month at the boundary (and of the default partition).
    dropped = {
        "audit_events": drop_log_partitions(partitions.AUDIT_EVENTS, audit_cutoff),
        "data_access": drop_log_partitions(partitions.DATA_ACCESS, audit_cutoff),
    }
    deleted = {
        name: queryset.delete()[0] + dropped.get(name, 0) for name, queryset in counts.items()
    }
    deleted["registration_images"] = delete_unconfirmed_images(now=now)
    return deleted
