"""App tokens and the security stamp that ends every web session and app device at once
(DESIGN §3.2, issue 11 b; docs/operations.md "Login, tokens, sessions").

A device session is bound to the account's security stamp of its login; its tokens work, and
refresh, only while the account still has that stamp. Rotating the stamp (``end_all_sessions``:
reset, password change, logout-all, an administrator) ends them all, including one that a login
running at the same moment is issuing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.lib.inserts import insert
from ansinh.notifications.services import notify

from . import lookups
from .models import AppToken, DeviceSession, TokenKind, User, new_security_stamp
from .passkey_reminder import passkeys_left, reminder

TOKEN_PREFIX = "ans_"  # noqa: S105 - a prefix, not a secret


class InvalidToken(Exception):  # noqa: N818
    pass


def signed_in(actor: Actor) -> User:
    """The user of a signed-in actor (the adapters' authentication guarantees one)."""
    if actor.user is None:
        raise ValueError("this service needs a signed-in actor")
    return actor.user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    device: DeviceSession


def _issue_pair(device: DeviceSession) -> TokenPair:
    now = timezone.now()
    access, refresh = (
        TOKEN_PREFIX + secrets.token_urlsafe(32),
        TOKEN_PREFIX + secrets.token_urlsafe(32),
    )
    insert(  # one precompiled INSERT of both rows (ansinh.lib.inserts): every login
        [
            AppToken(
                device=device,
                kind=TokenKind.ACCESS,
                digest=_digest(access),
                created_at=now,
                expires_at=now + dt.timedelta(seconds=settings.ACCESS_TOKEN_TTL_SECONDS),
            ),
            AppToken(
                device=device,
                kind=TokenKind.REFRESH,
                digest=_digest(refresh),
                created_at=now,
                expires_at=now + dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS),
            ),
        ]
    )
    return TokenPair(access, refresh, settings.ACCESS_TOKEN_TTL_SECONDS, device)


def issue_tokens(*, user: User, device_name: str) -> TokenPair:
    """Start a device session and return its first access/refresh pair (raw tokens, shown once).
    Inside a caller's transaction it adds no savepoint (a failure undoes the caller's writes).

    The device is bound to ``user.security_stamp`` as loaded: call it after ``record_login``
    claimed that stamp, in the same transaction (``login_with_tokens`` does)."""
    with transaction.atomic(savepoint=False):
        (device,) = insert(
            [
                DeviceSession(
                    user=user, device_name=device_name[:100], security_stamp=user.security_stamp
                )
            ]
        )
        return _issue_pair(device)


def refresh_tokens(*, raw_refresh: str, actor: Actor) -> TokenPair:
    """Exchange a refresh token for a new pair; the old pair stops working.

    A refresh token is good exactly once. Presenting an already-exchanged one means two
    parties hold it, so the whole device session is revoked (RFC 9700 §4.14.2). The device
    must still carry the account's security stamp (the user row is locked with the token, so
    a reset either sees the new pair or makes this refresh fail).
    """
    now = timezone.now()
    pair: TokenPair | None = None
    with transaction.atomic():
        token = (
            AppToken.objects.select_for_update()
            .select_related("device__user")
            .filter(digest=_digest(raw_refresh), kind=TokenKind.REFRESH)
            .first()
        )
        if token is None:
            raise InvalidToken
        device, user = token.device, token.device.user
        if token.used_at is not None and device.revoked_at is None:
            # Committed before InvalidToken is raised below, outside the transaction.
            _revoke_devices(
                DeviceSession.objects.filter(pk=device.pk), reason="refresh_token_reuse"
            )
            record("token.reuse_detected", subject=user, by=actor.as_user(user))
        elif (
            token.used_at is None
            and token.revoked_at is None
            and token.expires_at > now
            and device.revoked_at is None
            and device.security_stamp == user.security_stamp
            and user.is_active
        ):
            token.used_at = now
            token.save(update_fields=["used_at"])
            AppToken.objects.filter(
                device=device, kind=TokenKind.ACCESS, revoked_at__isnull=True
            ).update(revoked_at=now)
            pair = _issue_pair(device)
            device.last_seen_at = now
            device.save(update_fields=["last_seen_at"])
    if pair is None:
        raise InvalidToken
    record("token.refreshed", subject=user, by=actor.as_user(user))
    return pair


def access_token_device(raw: str) -> DeviceSession | None:
    """The live device session a raw access token belongs to, or ``None``.

    One indexed query; the token must be unrevoked and unexpired, its device unrevoked and
    bound to the account's current security stamp, and its user active.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    device = lookups.access_device(_digest(raw), timezone.now())
    if device is None or not device.user.is_active:
        return None
    return device


def _revoke_devices(devices: QuerySet[DeviceSession], *, reason: str) -> int:
    now = timezone.now()
    ids = list(devices.filter(revoked_at__isnull=True).values_list("pk", flat=True))
    DeviceSession.objects.filter(pk__in=ids).update(revoked_at=now, revoked_reason=reason)
    AppToken.objects.filter(device_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
    return len(ids)


def logout_device(*, device: DeviceSession, actor: Actor) -> None:
    """End one device session of the actor (its own, or one it picked from its list)."""
    user = signed_in(actor)
    if device.user_id != user.pk:
        raise ValueError("a device of another account")
    _revoke_devices(DeviceSession.objects.filter(pk=device.pk), reason="logout")
    record("logout", subject=user, by=actor, details={"device": str(device.public_id)})


def rotate_security_stamp(user: User) -> None:
    """Give ``user`` a new security stamp: every web session and app device bound to the old
    one stops working at its next request or refresh, including one being issued right now by
    a login that verified the password before this (``record_login``). The caller holds the
    transaction."""
    user.security_stamp = new_security_stamp()
    User.objects.filter(pk=user.pk).update(security_stamp=user.security_stamp)


def end_all_sessions(*, user: User, reason: str, keep_device: DeviceSession | None = None) -> int:
    """Revoke every app token (but ``keep_device``'s) and end every web session of ``user``:
    the security stamp rotates, and ``keep_device`` alone is moved to the new one."""
    with transaction.atomic(savepoint=False):
        rotate_security_stamp(user)  # first: the row lock orders this against logins
        devices = DeviceSession.objects.filter(user=user)
        if keep_device is not None:
            devices = devices.exclude(pk=keep_device.pk)
            DeviceSession.objects.filter(pk=keep_device.pk, revoked_at__isnull=True).update(
                security_stamp=user.security_stamp
            )
            keep_device.security_stamp = user.security_stamp
        return _revoke_devices(devices, reason=reason)


def _end_sessions_audited(*, user: User, actor: Actor, event: str) -> int:
    with transaction.atomic():
        count = end_all_sessions(user=user, reason=event)
        record(event, subject=user, by=actor, details={"devices": count})
    return count


@dataclass(frozen=True)
class LoggedOutEverywhere:
    """What "sign out everywhere" did: how many app devices it ended, and how many passkeys
    still sign in (none is deleted) with the sentence that says so (``reminder``, empty for
    none)."""

    devices: int
    passkeys: int
    reminder: str


def logout_all(*, actor: Actor) -> LoggedOutEverywhere:
    """The actor ends every web session and app device of its own account, this one too. The
    passkeys stay; a person who has some is told so, in the answer and by an in-app notice
    (``accounts.passkey_reminder``)."""
    user = signed_in(actor)
    with transaction.atomic():
        devices = _end_sessions_audited(user=user, actor=actor, event="logout_all")
        passkeys = passkeys_left(user)
        if passkeys:
            notify(
                user=user,
                kind="passkeys_remain",
                title=gettext_lazy("You signed out everywhere"),
                body=reminder(passkeys),
            )
    return LoggedOutEverywhere(devices, passkeys, str(reminder(passkeys)))


def end_sessions_by_admin(*, user: User, actor: Actor) -> int:
    """An administrator ends every web session and app token of ``user`` (ASVS 7.4.5: a
    stolen device, a departing employee); the person signs in again. Audited."""
    return _end_sessions_audited(user=user, actor=actor, event="sessions.ended_by_admin")
