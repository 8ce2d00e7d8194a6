"""The dossiers' emails, one function per email (STYLE §12), through the outbox of
``notifications.emails.queue_email`` (written in the caller's transaction, delivered by the
task worker after commit). Templates: ``templates/emails/<kind>.subject.txt|.txt|.html``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from ansinh.notifications.emails import queue_email, send_credentials
from ansinh.notifications.models import OutboundEmail

if TYPE_CHECKING:
    from ansinh.accounts.models import User

    from .models import Registration


def send_dossier_update(
    *,
    recipient: str,
    language: str,
    name: str,
    context: dict[str, Any],
    user: User | None = None,
) -> OutboundEmail | None:
    """A dossier's status changed (or its email change moved on): the headline sentence, the
    per-field outcome once decided, and where to follow it. To a verified address only."""
    if not recipient:
        return None
    return queue_email(
        kind="dossier_update",
        recipient=recipient,
        language=language,
        user=user,
        context={"name": name, **context},
    )


def send_email_change_code(
    *,
    recipient: str,
    language: str,
    name: str,
    code: str,
    expires_at: dt.datetime,
    dossier_id: str,
    can_recover: bool = False,
) -> OutboundEmail:
    """The code that proves the owner of a newly approved address reads it; sent to that new
    address (the only address this code ever goes to). Text line ``Code: NNNNNN``. With
    ``can_recover`` (the person has no verified address, so this one is the recovery channel)
    it also says that "Quên mật khẩu" with this address works without signing in."""
    return queue_email(
        kind="email_change_code",
        recipient=recipient,
        language=language,
        sensitive=True,
        context={
            "name": name,
            "code": code,
            "dossier_id": dossier_id,
            "expires_at": timezone.localtime(expires_at),
            "confirm_url": settings.SITE_URL + "/ca-nhan/xac-nhan-email/",
            "can_recover": can_recover,
            "recovery_url": settings.SITE_URL + "/quen-mat-khau/",
        },
    )


def send_email_change_notice(
    *,
    recipient: str,
    language: str,
    name: str,
    new_email_masked: str,
    dossier_id: str,
    dispute_url: str,
    valid_days: int,
    user: User | None = None,
) -> OutboundEmail:
    """To the OLD address: the email on record is being changed; if that was not the person,
    the signed link freezes the change (the link is built from ``SITE_URL``)."""
    return queue_email(
        kind="email_change_notice",
        recipient=recipient,
        language=language,
        user=user,
        sensitive=True,  # the link is a capability: erased from the outbox once delivered
        context={
            "name": name,
            "new_email_masked": new_email_masked,
            "dossier_id": dossier_id,
            "dispute_url": dispute_url,
            "valid_days": valid_days,
            "when": timezone.localtime(),
        },
    )


def send_registration_code(*, registration: Registration, code: str) -> OutboundEmail:
    """Registration (01/ĐK-GD): the code to the address the person TYPED — the one place mail
    goes to a typed address; rate-limited per address, per identifier and per client."""
    return queue_email(
        kind="registration_code",
        recipient=registration.email,
        language=registration.language,
        sensitive=True,
        context={
            "name": registration.full_name,
            "code": code,
            "expires_at": timezone.localtime(registration.expires_at),
            "minutes": max(1, settings.REGISTRATION_CODE_TTL_SECONDS // 60),
        },
    )


def send_registration_credentials(
    *, user: User, temporary_password: str, expires_at: dt.datetime, dossier_id: str
) -> OutboundEmail | None:
    """An approved registration: the new account's identifiers and a temporary password that
    works once, until ``expires_at``, and forces a change (``Mã số BHXH: …``,
    ``Temporary password: …``), like recovery's credentials email."""
    return send_credentials(
        kind="registration_credentials",
        user=user,
        temporary_password=temporary_password,
        expires_at=expires_at,
        context={"dossier_id": dossier_id},
    )
