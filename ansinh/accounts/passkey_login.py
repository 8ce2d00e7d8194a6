"""Signing in to the app with a passkey (issue 13; docs/security.md "Passkeys").

No identifier is typed: the options carry no credential list (passkeys are discoverable), the
person picks one on the device, and the device's signed answer names the credential. Then,
like a password login (``services``):

* **Throttled alike.** Each credential named has the back-off of a typed identifier
  (``throttle.credential_state``), every failure counts on the client address's allowance,
  and past it a sign-in needs a solved CAPTCHA (``CaptchaRequired``). Decided before anything
  is verified; a passkey's failures never count towards the account's password cap.
* **Single-use challenge.** The first answer uses the challenge up (``relying_party.claim``)
  whatever the outcome: a replayed or raced answer gets ``ChallengeExpired``.
* **Verified** (py_webauthn): an allowed origin, the RP ID hash, user present *and verified*,
  the signature by the stored public key, the user handle of the account; then the signature
  counter must move forward (a counter that does not, on an authenticator that counts, may be
  a cloned key: refused and audited ``passkey.sign_count_regression``); the counter moves
  with one conditional UPDATE, so of two answers with one counter value one wins.
* **Same tokens, same claim.** ``services.record_login`` claims the security stamp read with
  the passkey, and ``issue_tokens`` binds the device to it, in one transaction: a sign-in
  racing a reset, a password change or logout-all gets nothing, and every later reset ends
  these tokens like any other. Audited as ``login.succeeded`` / ``login.failed`` /
  ``login.throttled`` with ``method: passkey``.
* **Not while the password is void.** An account whose password was made unusable (an email
  change disputed by the old address: someone else may have had the account) signs in with
  no passkey until the owner recovers it through the old address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ansinh.audit.services import record
from ansinh.lib import ratelimit
from ansinh.lib.actor import Actor
from ansinh.lib.errors import Throttled as TooManyRequests

from . import relying_party, throttle
from .models import ChallengePurpose, Passkey, User
from .passkeys import ChallengeExpired
from .services import InvalidCredentials, StaleLogin, TokenPair, issue_tokens, record_login
from .throttle import CaptchaRequired, LoginState, Throttled

# Failures of the libraries' parsers and verifiers on hostile input (besides their own).
_BAD_INPUT = (ValueError, TypeError, KeyError, IndexError, OverflowError)


class PasskeyNotAccepted(InvalidCredentials):
    """The answer did not sign anybody in: ``unknown`` when no account has the credential
    (removed, or never added here: the app may tell the device to forget it), otherwise the
    answer failed verification, the account is disabled or void, or a reset won the race."""

    def __init__(self, reason: str, *, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.unknown = reason, unknown


def sign_in_options(*, actor: Actor) -> dict[str, Any]:
    """The options for ``navigator.credentials.get()``: a fresh sign-in challenge, no
    credential list, user verification required. Anyone may ask; per client address at most
    ``PASSKEY_OPTIONS_IP_RATE`` (``ansinh.lib.errors.Throttled``)."""
    import json

    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    wait = ratelimit.hit(
        actor, group="passkey-options", key=actor.ip_key, rate=settings.PASSKEY_OPTIONS_IP_RATE
    )
    if wait:
        raise TooManyRequests(retry_after=wait)
    options = generate_authentication_options(
        rp_id=relying_party.rp_id(),
        challenge=relying_party.new_challenge(purpose=ChallengePurpose.SIGN_IN),
        timeout=relying_party.challenge_ttl() * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return dict(json.loads(options_to_json(options)))


def _fail(
    reason: str,
    *,
    state: LoginState,
    passkey: Passkey | None,
    actor: Actor,
    details: dict[str, Any] | None = None,
) -> None:
    """Count and audit one failed passkey sign-in (one commit)."""
    user = passkey.user if passkey is not None else None
    with transaction.atomic():
        count = throttle.record_credential_failure(actor, state)
        record(
            "login.failed",
            subject=user,
            by=actor,
            details={"method": "passkey", "reason": reason, "consecutive_failures": count},
        )
        if count == settings.LOGIN_BACKOFF_AFTER:
            record(
                "login.lockout",
                subject=user,
                by=actor,
                details={"method": "passkey", "consecutive_failures": count},
            )
        if reason == "sign_count_regression":
            assert passkey is not None  # noqa: S101 - only a known passkey has a counter
            record(
                "passkey.sign_count_regression",
                subject=user,
                by=actor,
                details={"passkey": str(passkey.public_id), **(details or {})},
            )


def _verify(parsed: Any, passkey: Passkey, challenge: bytes, origin: str) -> tuple[str, int]:
    """Check the answer against the stored passkey: (the reason it fails or "", new counter)."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    user = passkey.user
    if not user.is_active:
        return "disabled", 0
    if not user.has_usable_password():
        return "password_unusable", 0
    if not relying_party.origin_allowed(origin):
        return "origin", 0
    handle = parsed.response.user_handle
    if not handle or not user.passkey_handle or bytes(handle) != bytes(user.passkey_handle):
        return "user_handle", 0
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=relying_party.rp_id(),
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            # The counter is compared below, once the signature is known to be genuine.
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except (WebAuthnException, *_BAD_INPUT):
        return "verification_failed", 0
    new_count = verified.new_sign_count
    if (new_count or passkey.sign_count) and new_count <= passkey.sign_count:
        return "sign_count_regression", new_count
    return "", new_count


def sign_in(
    *, credential: dict[str, Any], device_name: str, actor: Actor, captcha_passed: bool = False
) -> TokenPair:
    """Sign in with a passkey's answer (the JSON of ``navigator.credentials.get()``) and start
    a device session: the token pair of ``POST /auth/login``. Raises ``Invalid`` (unreadable
    answer), ``Throttled`` / ``CaptchaRequired`` (before anything is verified),
    ``ChallengeExpired`` (used, expired or unknown challenge) or ``PasskeyNotAccepted``."""
    from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    anonymous = actor.as_user(None)
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, *_BAD_INPUT):
        raise relying_party.malformed() from None
    challenge, origin = relying_party.client_data(parsed.response.client_data_json)
    credential_id = bytes_to_base64url(parsed.raw_id)
    passkey = (
        Passkey.objects.select_related("user__person").filter(credential_id=credential_id).first()
    )
    state = throttle.credential_state(credential_id)
    try:
        throttle.refuse_if_throttled(state, anonymous, captcha_passed=captcha_passed)
    except Throttled as exc:
        record(
            "login.throttled",
            subject=passkey.user if passkey is not None else None,
            by=anonymous,
            details={
                "method": "passkey",
                "retry_after": exc.retry_after,
                "captcha_required": isinstance(exc, CaptchaRequired),
            },
        )
        raise
    if not relying_party.claim(challenge, purpose=ChallengePurpose.SIGN_IN):
        _fail("challenge", state=state, passkey=passkey, actor=anonymous)
        raise ChallengeExpired
    if passkey is None:
        _fail("unknown_credential", state=state, passkey=None, actor=anonymous)
        raise PasskeyNotAccepted("unknown_credential", unknown=True)
    reason, new_count = _verify(parsed, passkey, challenge, origin)
    if reason:
        counts = {"stored": passkey.sign_count, "received": new_count}
        _fail(reason, state=state, passkey=passkey, actor=anonymous, details=counts)
        raise PasskeyNotAccepted(reason)
    return _record(passkey, new_count, state=state, device_name=device_name, actor=anonymous)


def _record(
    passkey: Passkey, new_count: int, *, state: LoginState, device_name: str, actor: Actor
) -> TokenPair:
    """The winner's writes, in one transaction: the counter moves (only from the value that
    was verified), the login is claimed on the security stamp read with the passkey, the
    device session and its tokens are issued."""
    user: User = passkey.user
    reason = ""
    try:
        with transaction.atomic():
            moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
                sign_count=new_count, last_used_at=timezone.now()
            )
            if moved != 1:
                reason = "sign_count_regression"  # another answer moved it first
                raise StaleLogin(reason)
            record_login(
                user=user,
                actor=actor,
                state=state,
                method="passkey",
                details={"passkey": str(passkey.public_id)},
            )
            return issue_tokens(user=user, device_name=device_name)
    except StaleLogin:
        reason = reason or "stale"
        counts = {"stored": passkey.sign_count, "received": new_count}
        _fail(reason, state=state, passkey=passkey, actor=actor, details=counts)
        raise PasskeyNotAccepted(reason) from None
