"""One function per email (STYLE §12). Each renders subject, text and HTML templates from
``templates/emails/`` in the recipient's language, writes the outbox row in the caller's
transaction and hands delivery to the task worker once that transaction commits."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from ansinh.lib.metrics import count_email

from .models import OutboundEmail
from .tasks import deliver_email, schedule_delivery

if TYPE_CHECKING:
    from ansinh.accounts.models import User


def queue_email(
    *,
    kind: str,
    recipient: str,
    language: str,
    context: dict[str, Any],
    user: User | None = None,
    sensitive: bool = False,
    deliver_now: bool = False,
) -> OutboundEmail:
    """Render and store one email; deliver it after the caller's transaction commits.

    ``sensitive`` marks a body holding a code or password (erased after delivery).
    ``deliver_now`` is for callers already running in the worker: the first attempt happens
    right after the commit in the same process instead of through another task (a retry still
    goes through the queue), which saves a queue round trip on time-critical mail (OTP codes).
    """
    context = {"site_url": settings.SITE_URL, "support_phone": "1900 9068", **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", context).split())
        body_text = render_to_string(f"emails/{kind}.txt", context)
        body_html = render_to_string(f"emails/{kind}.html", context)
    email = OutboundEmail.objects.create(
        kind=kind,
        recipient=recipient,
        user=user,
        language=language,
        subject=subject[:200],
        body_text=body_text,
        body_html=body_html,
        created_at=timezone.now(),
        sensitive=sensitive,
    )
    # Robust: the change that caused the email has committed; if the task queue is unreachable
    # now, the row stays queued and ``requeue_stale`` delivers it later.
    count_email("queued")
    if deliver_now:
        transaction.on_commit(lambda: deliver_email.call(email.pk), robust=True)
    else:
        transaction.on_commit(lambda: schedule_delivery(email.pk), robust=True)
    return email


def send_password_changed(
    *, user: User, passkey_reminder: str | Promise = ""
) -> OutboundEmail | None:
    """Tell the address on record that the password changed, and what to do if it wasn't them.
    ``passkey_reminder``: the sentence about the passkeys that still sign in, if any
    (``accounts.passkey_reminder``)."""
    recipient = user.contact_email
    if not recipient:
        return None
    return queue_email(
        kind="password_changed",
        recipient=recipient,
        language=user.language,
        user=user,
        context={
            "name": user.display_name,
            "when": timezone.localtime(),
            "passkey_reminder": passkey_reminder,
        },
    )


def send_passkey_added(*, user: User, name: str) -> OutboundEmail | None:
    """Tell the address on record that a passkey was added (it signs in without the password),
    and what to do if it wasn't them."""
    recipient = user.contact_email
    if not recipient:
        return None
    return queue_email(
        kind="passkey_added",
        recipient=recipient,
        language=user.language,
        user=user,
        context={
            "name": user.display_name,
            "passkey_name": name,
            "when": timezone.localtime(),
            "manage_url": settings.SITE_URL + "/app/",
        },
    )


def send_recovery_code(
    *,
    user: User,
    code: str,
    expires_at: dt.datetime,
    deliver_now: bool = False,
    recipient: str = "",
) -> OutboundEmail | None:
    """The one-time code of a password recovery, to the verified address on record — or,
    when the person has none, to the approved address the recovery service chose
    (``recipient``, issue 12 §1a). The text part carries the line ``Mã OTP: NNNNNN``
    (English: ``Code: NNNNNN``)."""
    recipient = recipient or user.contact_email
    if not recipient:
        return None
    return queue_email(
        kind="recovery_code",
        recipient=recipient,
        language=user.language,
        user=user,
        sensitive=True,
        deliver_now=deliver_now,
        context={
            "name": user.display_name,
            "code": code,
            "expires_at": timezone.localtime(expires_at),
            "minutes": max(1, settings.RECOVERY_OTP_TTL_SECONDS // 60),
        },
    )


def send_recovery_credentials(
    *,
    user: User,
    temporary_password: str,
    expires_at: dt.datetime,
    passkey_reminder: str | Promise = "",
) -> OutboundEmail | None:
    """The account's identifiers and a temporary password (``Mã số BHXH: …``,
    ``Mật khẩu tạm thời: …``) that works once, until ``expires_at``, and forces a change;
    and the passkeys that still sign in, if any (``passkey_reminder``)."""
    return send_credentials(
        kind="recovery_credentials",
        user=user,
        temporary_password=temporary_password,
        expires_at=expires_at,
        context={"passkey_reminder": passkey_reminder},
    )


def send_credentials(
    *,
    kind: str,
    user: User,
    temporary_password: str,
    expires_at: dt.datetime,
    context: dict[str, Any] | None = None,
) -> OutboundEmail | None:
    """An email of ``kind`` carrying the account's identifiers and a temporary password: the
    body is erased from the outbox once delivered (``sensitive``)."""
    recipient = user.contact_email
    if not recipient:
        return None
    person = user.person
    return queue_email(
        kind=kind,
        recipient=recipient,
        language=user.language,
        user=user,
        sensitive=True,
        context={
            "name": user.display_name,
            "bhxh_code": person.bhxh_code if person else user.username,
            "temporary_password": temporary_password,
            "expires_at": timezone.localtime(expires_at),
            "login_url": settings.SITE_URL + "/dang-nhap/",
            **(context or {}),
        },
    )


def send_password_reset(
    *, user: User, chose_password: bool, passkey_reminder: str | Promise = ""
) -> OutboundEmail | None:
    """ "Your password was reset", with what to do if it was not the person (NIST 800-63B),
    and the passkeys that still sign in, if any (``passkey_reminder``)."""
    recipient = user.contact_email
    if not recipient:
        return None
    return queue_email(
        kind="password_reset",
        recipient=recipient,
        language=user.language,
        user=user,
        context={
            "name": user.display_name,
            "when": timezone.localtime(),
            "chose_password": chose_password,
            "passkey_reminder": passkey_reminder,
        },
    )
