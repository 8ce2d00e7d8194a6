"""Account services: login and password change (DESIGN §3.2, docs/security.md); app tokens
and ending sessions are in ``tokens`` (re-exported here).

The API, the portal, the back office and the commands all call these functions.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.audit.services import record
from ansinh.lib.actor import Actor, Channel
from ansinh.notifications import emails

from . import lookups, throttle
from .backends import normalize_identifier, resolve_identifier
from .models import DeviceSession, User, new_security_stamp
from .passkey_reminder import reminder_for
from .throttle import CaptchaRequired as CaptchaRequired
from .throttle import LoginState
from .throttle import Throttled as Throttled
from .tokens import TOKEN_PREFIX as TOKEN_PREFIX
from .tokens import InvalidToken as InvalidToken
from .tokens import TokenPair as TokenPair
from .tokens import access_token_device as access_token_device
from .tokens import end_all_sessions as end_all_sessions
from .tokens import end_sessions_by_admin as end_sessions_by_admin
from .tokens import issue_tokens as issue_tokens
from .tokens import logout_all as logout_all
from .tokens import logout_device as logout_device
from .tokens import refresh_tokens as refresh_tokens
from .tokens import rotate_security_stamp as rotate_security_stamp
from .tokens import signed_in

_T = TypeVar("_T")
# Verified against when the identifier names nobody, so unknown users cost one hash too.
_DUMMY_HASH: str | None = None


class InvalidCredentials(Exception):  # noqa: N818 - a domain outcome, not a bug
    """Unknown user, wrong password, locked, disabled or expired: deliberately one outcome."""


class StaleLogin(InvalidCredentials):
    """The password verified, but before the login could be recorded the account's password
    or security stamp changed (a reset, a password change, logout-all), or the temporary
    password was spent by another login: answered exactly like a wrong password."""


class WrongDoor(Exception):  # noqa: N818
    """Right credentials at the other door: a citizen at the staff login, or staff at the
    citizen portal. Nothing was consumed or recorded as a success; ``staff`` says which."""

    def __init__(self, *, staff: bool) -> None:
        super().__init__("staff" if staff else "citizen")
        self.staff = staff


class WrongCurrentPassword(Exception):  # noqa: N818
    pass


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def admits(channel: Channel, user: User) -> bool:
    """The wrong-door rule: the portal is for citizens, the back office for staff; the API
    (the citizen app and the staff API) and the command line take both."""
    if channel == Channel.PORTAL:
        return user.is_citizen
    if channel == Channel.BACKOFFICE:
        return user.is_office_staff
    return True


def _refuse_while_backing_off(
    event: str,
    *,
    state: LoginState,
    user: User | None,
    actor: Actor,
    identifier: str = "",
    captcha_passed: bool = True,
) -> None:
    """Raise ``Throttled`` (audited as ``event``) while the typed identifier is in its back-off,
    or ``CaptchaRequired`` while the client address is past its failure allowance and no
    CAPTCHA was solved (accounts/throttle.py): the password is then not even checked."""
    try:
        throttle.refuse_if_throttled(state, actor, captcha_passed=captcha_passed)
    except Throttled as exc:
        record(
            event,
            subject=user,
            identifier=identifier,
            by=actor,
            details={
                "retry_after": exc.retry_after,
                "captcha_required": isinstance(exc, CaptchaRequired),
            },
        )
        raise


def _record_failure(
    *, state: LoginState, user: User | None, identifier: str, actor: Actor, reason: str
) -> None:
    """Count and audit one failed login (``login.failed``, and ``login.lockout`` at the
    thresholds) in one transaction (one commit), the same work for every reason."""
    with transaction.atomic():
        count, account_count = throttle.record_failure(actor, state)
        record(
            "login.failed",
            subject=user,
            identifier=identifier,
            by=actor,
            details={"reason": reason, "consecutive_failures": count},
        )
        if count == settings.LOGIN_BACKOFF_AFTER or account_count == settings.LOGIN_MAX_FAILURES:
            record(
                "login.lockout",
                subject=user,
                identifier=identifier,
                by=actor,
                details={"consecutive_failures": count, "account_failures": account_count},
            )


def check_credentials(
    *, identifier: str, password: str, actor: Actor, captcha_passed: bool
) -> tuple[User, LoginState]:
    """Check a login at the door ``actor.channel``; return the user and the counters it read
    (for ``record_login``) or raise ``InvalidCredentials`` / ``Throttled`` /
    ``CaptchaRequired`` / ``WrongDoor``. Records failures; the caller records the success
    with ``record_login``, in the transaction of whatever else the login writes (the hash is
    computed outside any transaction).

    Contract (DESIGN §3.2): unknown identifier, wrong password, disabled, locked (≥
    ``LOGIN_MAX_FAILURES``) and used or expired temporary password all raise ``InvalidCredentials``
    after exactly one password-hash verification and the same reads and writes, so neither
    the answer nor its timing tells them apart. Throttling (429) follows the same schedule for
    known and unknown identifiers, per identifier as typed, and is decided before the password
    is looked at; past the client address's failure allowance an attempt needs
    ``captcha_passed`` (the adapter checked a CAPTCHA) or gets ``CaptchaRequired``
    (accounts/throttle.py). Every outcome is audited.

    Right credentials at the wrong door (``admits``) raise ``WrongDoor``: audited as
    ``login.wrong_door``, neither a success nor a failure, and nothing is consumed (a temporary
    password typed at the staff login still works at the citizen's door).

    The returned user carries the ``security_stamp`` and ``password_expires_at`` read together
    with the verified hash; ``record_login`` issues only if they are still the stored ones.
    """
    ident = normalize_identifier(identifier)
    user = resolve_identifier(ident)
    state = throttle.load(user, ident)
    _refuse_while_backing_off(
        "login.throttled",
        state=state,
        user=user,
        identifier=ident,
        actor=actor,
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
        _record_failure(state=state, user=user, identifier=ident, actor=actor, reason=reason)
        raise InvalidCredentials(reason)

    assert user is not None  # noqa: S101 - narrowed by the branches above
    if not admits(actor.channel, user):
        record("login.wrong_door", subject=user, identifier=ident, by=actor)
        raise WrongDoor(staff=user.is_office_staff)
    return user, state


def record_login(
    *,
    user: User,
    actor: Actor,
    state: LoginState | None = None,
    method: str = "password",
    details: dict[str, str] | None = None,
) -> None:
    """The writes of a successful login, inside the caller's transaction: last login, a
    temporary password spent (a password login only), failures forgotten, the audit event
    (``login.succeeded`` with the ``method``: ``password`` or ``passkey``).

    One conditional UPDATE claims the login: it matches only while the account still has the
    security stamp (and, for a temporary password, the expiry) that ``check_credentials`` read
    with the verified hash, and it locks the row until the caller commits. So a reset, a
    password change or logout-all that committed after the password was verified leaves this
    login nothing (``StaleLogin``), one that comes later waits for the commit and then ends
    what this login issued, and of many logins with one temporary password exactly one wins.
    """
    now = timezone.now()
    spends_temporary = method == "password" and user.password_expires_at is not None
    if spends_temporary:
        # A temporary password works for one login: this session (or device) may now only
        # change it; signing in with it again fails like any wrong password.
        claimed = User.objects.filter(
            pk=user.pk,
            is_active=True,
            security_stamp=user.security_stamp,
            password_expires_at=user.password_expires_at,
            password_expires_at__gt=now,
        ).update(last_login=now, password_expires_at=now)
    else:  # every other login: the same UPDATE, precompiled (lookups.claim_login)
        claimed = lookups.claim_login(user.pk, user.security_stamp, now)
    if claimed != 1:
        raise StaleLogin("stale")
    user.last_login = now
    if spends_temporary:
        user.password_expires_at = now
    throttle.record_success(state or throttle.load(user, user.username))
    record(
        "login.succeeded",
        subject=user,
        by=actor.as_user(user),
        details={"method": method, **(details or {})},
    )


def _login(
    *,
    identifier: str,
    password: str,
    actor: Actor,
    captcha_passed: bool,
    issue: Callable[[User], _T],
) -> _T:
    """``check_credentials``, then ``record_login`` and ``issue(user)`` in one transaction
    (one commit: bench/RESULTS.md). A ``StaleLogin`` is counted and audited as a failure."""
    user, state = check_credentials(
        identifier=identifier, password=password, actor=actor, captcha_passed=captcha_passed
    )
    try:
        with transaction.atomic():
            record_login(user=user, actor=actor, state=state)
            return issue(user)
    except StaleLogin:
        _record_failure(
            state=state,
            user=user,
            identifier=normalize_identifier(identifier),
            actor=actor,
            reason="stale",
        )
        raise


def authenticate(
    *, identifier: str, password: str, actor: Actor, captcha_passed: bool = False
) -> User:
    """A web login (the portal's or the back office's, by ``actor.channel``): check it and
    record its success; return the user or raise ``InvalidCredentials`` / ``Throttled`` /
    ``WrongDoor``. The caller starts the session (``middleware.start_session``), which is
    bound to the stamp this login claimed."""
    return _login(
        identifier=identifier,
        password=password,
        actor=actor,
        captcha_passed=captcha_passed,
        issue=lambda user: user,
    )


def login_with_tokens(
    *,
    identifier: str,
    password: str,
    device_name: str,
    actor: Actor,
    captcha_passed: bool = False,
) -> TokenPair:
    """An app login (``POST /auth/login``): check it, record it and start a device session
    bound to the account's security stamp, in one transaction. Raises like ``authenticate``."""
    return _login(
        identifier=identifier,
        password=password,
        actor=actor,
        captcha_passed=captcha_passed,
        issue=lambda user: issue_tokens(user=user, device_name=device_name),
    )


def logout_web(*, actor: Actor) -> None:
    """Audit the end of a web session (the adapter ends the session itself)."""
    user = signed_in(actor)
    record("logout", subject=user, by=actor)


# --- Passwords --------------------------------------------------------------------------------


def validate_new_password(user: User, password: str) -> None:
    """The policy of DESIGN §3.2; raises ``django.core.exceptions.ValidationError``."""
    password_validation.validate_password(password, user)


def set_password(
    *, user: User, new_password: str, temporary: bool = False, lifetime: dt.timedelta | None = None
) -> None:
    """Set a password after the policy check. Temporary passwords expire and force a change.

    Callers hold a transaction and decide about sessions, audit and email. The security
    stamp rotates with the password, in the same UPDATE, so a login that verified the old
    password can no longer be recorded (``record_login``) and nothing bound to the old stamp
    keeps working, whatever the caller does next.
    """
    if not temporary:
        validate_new_password(user, new_password)
    now = timezone.now()
    user.set_password(new_password)
    user.password_change_required = temporary
    user.password_expires_at = now + lifetime if temporary and lifetime else None
    user.password_changed_at = now
    user.security_stamp = new_security_stamp()
    user.save(
        update_fields=[
            "password",
            "password_change_required",
            "password_expires_at",
            "password_changed_at",
            "security_stamp",
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


def check_password_again(*, actor: Actor, password: str, event: str) -> None:
    """A signed-in user re-enters the password before a sensitive step (``event``: what for).

    A wrong password is a password guess like a failed login: it counts in the account's
    consecutive failures and the client address's, and during the back-off the check is not
    even tried (``Throttled``). So a stolen session or access token cannot be used to guess
    the password faster than the login allows. Raises ``WrongCurrentPassword``; audited as
    ``<event>_failed`` / ``<event>_throttled``.
    """
    user = signed_in(actor)
    # Signed in already: the typed identifier is the username, and no CAPTCHA step-up (the
    # address allowance is a defence against spraying logins, not against the account owner).
    state = throttle.load(user, user.username)
    _refuse_while_backing_off(f"{event}_throttled", state=state, user=user, actor=actor)
    if not user.check_password(password):
        throttle.record_failure(actor, state)
        record(
            f"{event}_failed",
            subject=user,
            by=actor,
            details={"reason": "wrong_current_password"},
        )
        raise WrongCurrentPassword


def change_password(
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    keep_device: DeviceSession | None = None,
) -> None:
    """Change a password knowing the current one (DESIGN §3.2).

    Contract: the current password must verify (``WrongCurrentPassword``), the new one must
    pass the policy (``ValidationError``), and must differ from the current one. Then every
    other web session and app token ends, and a "password changed" email goes to the address
    on record once the transaction commits. The security stamp rotates: the web session that
    made the change must be moved to it (``middleware.keep_session``), ``keep_device`` is.
    The current password is checked by ``check_password_again`` (throttled like a login).
    """
    user = signed_in(actor)
    check_password_again(actor=actor, password=current_password, event="password.change")
    validate_new_password(user, new_password)
    if current_password == new_password:
        raise ValidationError(
            _("The new password must differ from the current one."), code="password_unchanged"
        )
    with transaction.atomic():
        set_password(user=user, new_password=new_password)
        end_all_sessions(user=user, reason="password_changed", keep_device=keep_device)
        record("password.changed", subject=user, by=actor)
        emails.send_password_changed(user=user, passkey_reminder=reminder_for(user))
