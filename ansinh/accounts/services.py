"""Account services: login, tokens, password change (DESIGN §3.2, docs/security.md).

The API, the portal, the back office and the commands all call these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.audit.services import record
from ansinh.notifications import emails

from . import lookups, throttle
from .backends import normalize_identifier, resolve_identifier
from .models import AppToken, DeviceSession, TokenKind, User, new_security_stamp
from .throttle import CaptchaRequired, Throttled

__all__ = ["CaptchaRequired", "Throttled"]  # re-exported for the adapters

TOKEN_PREFIX = "ans_"  # noqa: S105 - a prefix, not a secret
# Verified against when the identifier names nobody, so unknown users cost one hash too.
_DUMMY_HASH: str | None = None


class InvalidCredentials(Exception):  # noqa: N818 - a domain outcome, not a bug
    """Unknown user, wrong password, locked, disabled or expired: deliberately one outcome."""


class InvalidToken(Exception):  # noqa: N818
    pass


class WrongCurrentPassword(Exception):  # noqa: N818
    pass


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _refuse_while_backing_off(
    event: str,
    *,
    state: throttle.LoginState,
    user: User | None,
    request: HttpRequest,
    channel: str,
    identifier: str = "",
    actor: User | None = None,
    captcha_passed: bool = True,
) -> None:
    """Raise ``Throttled`` (audited as ``event``) while the typed identifier is in its back-off,
    or ``CaptchaRequired`` while the client address is past its failure allowance and no
    CAPTCHA was solved (accounts/throttle.py): the password is then not even checked."""
    try:
        throttle.refuse_if_throttled(state, request, captcha_passed=captcha_passed)
    except Throttled as exc:
        record(
            event,
            actor=actor,
            subject=user,
            identifier=identifier,
            request=request,
            channel=channel,
            details={
                "retry_after": exc.retry_after,
                "captcha_required": isinstance(exc, CaptchaRequired),
            },
        )
        raise


def authenticate(
    *,
    identifier: str,
    password: str,
    request: HttpRequest,
    channel: str,
    captcha_passed: bool = False,
) -> User:
    """Check a login (``check_credentials``) and record its success (``record_login``, one
    transaction); return the user or raise ``InvalidCredentials`` / ``Throttled``."""
    user = check_credentials(
        identifier=identifier,
        password=password,
        request=request,
        channel=channel,
        captcha_passed=captcha_passed,
    )
    with transaction.atomic():
        record_login(user=user, request=request, channel=channel)
    return user


def check_credentials(
    *,
    identifier: str,
    password: str,
    request: HttpRequest,
    channel: str,
    captcha_passed: bool = False,
) -> User:
    """Check a login; return the user or raise ``InvalidCredentials`` / ``Throttled``. Records
    failures; the caller records a success with ``record_login``, in the transaction of whatever
    else the login writes (one commit: the hash is computed outside any transaction).

    Contract (DESIGN §3.2): unknown identifier, wrong password, disabled, locked (≥
    ``LOGIN_MAX_FAILURES``) and used or expired temporary password all raise ``InvalidCredentials``
    after exactly one password-hash verification and the same reads and writes, so neither
    the answer nor its timing tells them apart. Throttling (429) follows the same schedule for
    known and unknown identifiers, per identifier as typed, and is decided before the password
    is looked at; past the client address's failure allowance an attempt needs
    ``captcha_passed`` (the adapter checked a CAPTCHA) or gets ``CaptchaRequired``
    (accounts/throttle.py). Every outcome is audited.
    """
    ident = normalize_identifier(identifier)
    user = resolve_identifier(ident)
    state = throttle.load(user, ident)
    _refuse_while_backing_off(
        "login.throttled",
        state=state,
        user=user,
        identifier=ident,
        request=request,
        channel=channel,
        captcha_passed=captcha_passed,
    )

    if user is None:
        check_password(password, _dummy_hash())
        password_ok = False
    else:
        password_ok = user.check_password(password)  # upgrades old hashes on success

    now = timezone.now()
    reason = ""
    if user is None:
        reason = "unknown_identifier"
    elif not password_ok:
        reason = "wrong_password"
    elif not user.is_active:
        reason = "disabled"
    elif throttle.locked(state):
        reason = "locked"
    elif user.password_expires_at is not None and user.password_expires_at <= now:
        reason = "temporary_password_expired"

    if reason:
        # One transaction (one commit) for the counters and the audit, on both paths.
        with transaction.atomic():
            count, account_count = throttle.record_failure(request, state)
            record(
                "login.failed",
                subject=user,
                identifier=ident,
                request=request,
                channel=channel,
                details={"reason": reason, "consecutive_failures": count},
            )
            if (
                count == settings.LOGIN_BACKOFF_AFTER
                or account_count == settings.LOGIN_MAX_FAILURES
            ):
                record(
                    "login.lockout",
                    subject=user,
                    identifier=ident,
                    request=request,
                    channel=channel,
                    details={"consecutive_failures": count, "account_failures": account_count},
                )
        raise InvalidCredentials(reason)

    assert user is not None  # noqa: S101 - narrowed by the branches above
    user._login_state = state  # type: ignore[attr-defined]  # for record_login
    return user


def record_login(*, user: User, request: HttpRequest, channel: str) -> None:
    """The writes of a successful login: failures forgotten, last login, a used temporary
    password spent, the audit event."""
    now = timezone.now()
    state = getattr(user, "_login_state", None) or throttle.load(user, user.username)
    throttle.record_success(state)
    user.last_login = now
    update = ["last_login"]
    if user.password_expires_at is not None:
        # A temporary password works for one login: this session (or device) may now only
        # change it; signing in with it again fails like any wrong password.
        user.password_expires_at = now
        update.append("password_expires_at")
    user.save(update_fields=update)
    record("login.succeeded", actor=user, subject=user, request=request, channel=channel)


# --- App tokens -----------------------------------------------------------------------------


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
    AppToken.objects.bulk_create(
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
    Inside a caller's transaction it adds no savepoint (a failure undoes the caller's writes)."""
    with transaction.atomic(savepoint=False):
        device = DeviceSession.objects.create(user=user, device_name=device_name[:100])
        return _issue_pair(device)


def refresh_tokens(*, raw_refresh: str, request: HttpRequest) -> TokenPair:
    """Exchange a refresh token for a new pair; the old pair stops working.

    A refresh token is good exactly once. Presenting an already-exchanged one means two
    parties hold it, so the whole device session is revoked (RFC 9700 §4.14.2).
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
            record("token.reuse_detected", actor=user, subject=user, request=request, channel="api")
        elif (
            token.used_at is None
            and token.revoked_at is None
            and token.expires_at > now
            and device.revoked_at is None
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
    record("token.refreshed", actor=user, subject=user, request=request, channel="api")
    return pair


def access_token_device(raw: str) -> DeviceSession | None:
    """The live device session a raw access token belongs to, or ``None``.

    One indexed query; the token must be unrevoked and unexpired, its device unrevoked and
    its user active.
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


def logout_device(*, device: DeviceSession, request: HttpRequest) -> None:
    _revoke_devices(DeviceSession.objects.filter(pk=device.pk), reason="logout")
    record(
        "logout",
        actor=device.user,
        subject=device.user,
        request=request,
        channel="api",
        details={"device": str(device.public_id)},
    )


def end_all_sessions(*, user: User, reason: str, keep_device: DeviceSession | None = None) -> int:
    """Revoke every app token (but ``keep_device``'s) and end every web session of ``user``."""
    devices = DeviceSession.objects.filter(user=user)
    if keep_device is not None:
        devices = devices.exclude(pk=keep_device.pk)
    count = _revoke_devices(devices, reason=reason)
    # Web sessions carry a hash of the password and the stamp; a new stamp invalidates them.
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["security_stamp"])
    return count


def _end_sessions_audited(
    *, user: User, actor: User, event: str, request: HttpRequest | None, channel: str
) -> int:
    with transaction.atomic():
        count = end_all_sessions(user=user, reason=event)
        record(
            event,
            actor=actor,
            subject=user,
            request=request,
            channel=channel,
            details={"devices": count},
        )
    return count


def logout_all(*, user: User, request: HttpRequest, channel: str) -> None:
    _end_sessions_audited(
        user=user, actor=user, event="logout_all", request=request, channel=channel
    )


def end_sessions_by_admin(*, user: User, actor: User, request: HttpRequest | None) -> int:
    """An administrator ends every web session and app token of ``user`` (ASVS 7.4.5: a
    stolen device, a departing employee); the person signs in again. Audited."""
    return _end_sessions_audited(
        user=user, actor=actor, event="sessions.ended_by_admin", request=request, channel="admin"
    )


# --- Passwords --------------------------------------------------------------------------------


def validate_new_password(user: User, password: str) -> None:
    """The policy of DESIGN §3.2; raises ``django.core.exceptions.ValidationError``."""
    password_validation.validate_password(password, user)


def set_password(
    *, user: User, new_password: str, temporary: bool = False, lifetime: dt.timedelta | None = None
) -> None:
    """Set a password after the policy check. Temporary passwords expire and force a change.

    Callers hold a transaction and decide about sessions, audit and email.
    """
    if not temporary:
        validate_new_password(user, new_password)
    now = timezone.now()
    user.set_password(new_password)
    user.password_change_required = temporary
    user.password_expires_at = now + lifetime if temporary and lifetime else None
    user.password_changed_at = now
    user.save(
        update_fields=[
            "password",
            "password_change_required",
            "password_expires_at",
            "password_changed_at",
        ]
    )
    throttle.forget_account(user)


# Temporary passwords: 16 characters from 56 unambiguous letters and digits (no 0/O/o, 1/l/I),
# about 93 bits from ``secrets``, shown in groups of four.
TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_temporary_password() -> str:
    chars = [secrets.choice(TEMPORARY_ALPHABET) for _ in range(16)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 16, 4))


def issue_temporary_password(*, user: User) -> str:
    """Give ``user`` a new random temporary password and return it (to be emailed, never
    stored): it works for one login within ``TEMPORARY_PASSWORD_TTL_SECONDS`` and that login
    can only change it. Used by recovery and by an approved registration; the caller holds
    the transaction and sends the email."""
    temporary = new_temporary_password()
    set_password(
        user=user,
        new_password=temporary,
        temporary=True,
        lifetime=dt.timedelta(seconds=settings.TEMPORARY_PASSWORD_TTL_SECONDS),
    )
    return temporary


def check_password_again(
    *, user: User, password: str, request: HttpRequest, channel: str, event: str
) -> None:
    """A signed-in user re-enters the password before a sensitive step (``event``: what for).

    A wrong password is a password guess like a failed login: it counts in the account's
    consecutive failures and the client address's, and during the back-off the check is not
    even tried (``Throttled``). So a stolen session or access token cannot be used to guess
    the password faster than the login allows. Raises ``WrongCurrentPassword``; audited as
    ``<event>_failed`` / ``<event>_throttled``.
    """
    # Signed in already: the typed identifier is the username, and no CAPTCHA step-up (the
    # address allowance is a defence against spraying logins, not against the account owner).
    state = throttle.load(user, user.username)
    _refuse_while_backing_off(
        f"{event}_throttled", state=state, user=user, actor=user, request=request, channel=channel
    )
    if not user.check_password(password):
        throttle.record_failure(request, state)
        record(
            f"{event}_failed",
            actor=user,
            subject=user,
            request=request,
            channel=channel,
            details={"reason": "wrong_current_password"},
        )
        raise WrongCurrentPassword


def change_password(
    *,
    user: User,
    current_password: str,
    new_password: str,
    request: HttpRequest,
    channel: str,
    keep_device: DeviceSession | None = None,
) -> None:
    """Change a password knowing the current one (DESIGN §3.2).

    Contract: the current password must verify (``WrongCurrentPassword``), the new one must
    pass the policy (``ValidationError``), and must differ from the current one. Then every
    other web session and app token ends, and a "password changed" email goes to the address
    on record once the transaction commits.
    The current password is checked by ``check_password_again`` (throttled like a login).
    """
    check_password_again(
        user=user,
        password=current_password,
        request=request,
        channel=channel,
        event="password.change",
    )
    validate_new_password(user, new_password)
    if current_password == new_password:
        raise ValidationError(
            _("The new password must differ from the current one."), code="password_unchanged"
        )
    with transaction.atomic():
        set_password(user=user, new_password=new_password)
        end_all_sessions(user=user, reason="password_changed", keep_device=keep_device)
        record("password.changed", actor=user, subject=user, request=request, channel=channel)
        emails.send_password_changed(user=user)
