"""Passkeys ("khóa truy cập"): a citizen adds one to the app, lists and removes them (issue 13;
docs/security.md "Passkeys"). Signing in with one is ``passkey_login``.

Rules, for every door:

* Only a citizen's account has passkeys, and not while it must change its password (a
  temporary or reset password): ``Forbidden`` (``citizens_only`` /
  ``password_change_required``).
* Adding one starts with the password again (``check_password_again``, throttled like a
  login): a stolen access token alone cannot plant a passkey that would outlive a reset.
  The registration challenge is bound to the account, lives ``PASSKEY_CHALLENGE_TTL_SECONDS``
  and is used up by the first answer (``relying_party.claim``), whatever its outcome.
* The authenticator must verify the person (fingerprint, face, PIN: the UV flag) and make a
  discoverable credential (so signing in needs no identifier); the answer must come from one
  of ``WEBAUTHN_ORIGINS`` for ``WEBAUTHN_RP_ID``. At most ``PASSKEY_MAX_PER_ACCOUNT``.
* Adding one is audited (``passkey.added``) and announced by email and in-app notice, like a
  password change; removing one is audited (``passkey.removed``). Another person's passkey is
  answered exactly like an unknown one (``NotFound``).
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ansinh.audit.services import record
from ansinh.lib import ratelimit
from ansinh.lib.actor import Actor
from ansinh.lib.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Throttled
from ansinh.notifications import emails
from ansinh.notifications.services import notify

from . import relying_party
from .access import require_citizen
from .models import ChallengePurpose, Passkey, User
from .services import check_password_again

NAME_MAX = 60
# Failures of the libraries' parsers and verifiers on hostile input (besides their own).
_BAD_INPUT = (ValueError, TypeError, KeyError, IndexError, OverflowError)


class PasswordChangeRequired(Forbidden):  # noqa: N818
    code = "password_change_required"
    message = _("Change your password before doing anything else.")


class ChallengeExpired(Gone):  # noqa: N818
    code = "passkey_challenge_expired"
    message = _("This passkey step took too long or was already used. Start again.")


class PasskeyNotFound(NotFound):  # noqa: N818
    pass


def _citizen(actor: Actor) -> User:
    user = require_citizen(actor)
    if user.password_change_required:
        raise PasswordChangeRequired
    return user


def passkeys_of(actor: Actor) -> list[Passkey]:
    """The actor's passkeys, newest first."""
    user = require_citizen(actor)
    return list(Passkey.objects.filter(user=user).order_by("-created_at", "-pk"))


def user_handle(user: User) -> bytes:
    """The account's WebAuthn user handle: random, made once (with the first passkey) and kept,
    so a new passkey on a device replaces the one it held for this account."""
    if user.passkey_handle:
        return bytes(user.passkey_handle)
    User.objects.filter(pk=user.pk, passkey_handle__isnull=True).update(
        passkey_handle=secrets.token_bytes(32)
    )
    stored = User.objects.filter(pk=user.pk).values_list("passkey_handle", flat=True).get()
    assert stored is not None  # noqa: S101 - set just above, by this call or another
    user.passkey_handle = bytes(stored)
    return bytes(stored)


def _too_many() -> Conflict:
    return Conflict(
        "too_many_passkeys",
        _("You already have %(max)d passkeys. Remove one before adding another.")
        % {"max": settings.PASSKEY_MAX_PER_ACCOUNT},
    )


def registration_options(*, actor: Actor, current_password: str) -> dict[str, Any]:
    """Start adding a passkey: the options for ``navigator.credentials.create()`` (WebAuthn
    JSON, base64url), after the password is entered again (``WrongCurrentPassword``,
    ``accounts.throttle.Throttled``; audited as ``passkey.add_failed`` / ``_throttled``)."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        AuthenticatorTransport,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    user = _citizen(actor)
    check_password_again(actor=actor, password=current_password, event="passkey.add")
    wait = ratelimit.hit(
        actor, group="passkey-register", key=str(user.pk), rate=settings.PASSKEY_REGISTER_RATE
    )
    if wait:
        raise Throttled(retry_after=wait)
    existing = list(Passkey.objects.filter(user=user).values_list("credential_id", "transports"))
    if len(existing) >= settings.PASSKEY_MAX_PER_ACCOUNT:
        raise _too_many()
    known = {t.value for t in AuthenticatorTransport}
    options = generate_registration_options(
        rp_id=relying_party.rp_id(),
        rp_name=relying_party.rp_name(),
        user_id=user_handle(user),
        user_name=user.username,
        user_display_name=user.display_name or user.username,
        challenge=relying_party.new_challenge(purpose=ChallengePurpose.REGISTER, user=user),
        timeout=relying_party.challenge_ttl() * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(credential_id),
                transports=[AuthenticatorTransport(t) for t in transports if t in known],
            )
            for credential_id, transports in existing
        ],
    )
    return dict(json.loads(options_to_json(options)))


def _refused(reason: str, *, user: User, actor: Actor) -> Invalid:
    record("passkey.add_refused", subject=user, by=actor, details={"reason": reason})
    return Invalid(
        "passkey_refused",
        _(
            "This passkey could not be added: the device did not confirm it was you, or the "
            "answer was not for this site. Try again."
        ),
        fields={"credential": gettext("Invalid value.")},
    )


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())[:NAME_MAX]
    if not cleaned:
        raise Invalid(
            "invalid_input",
            _("Give the passkey a name, for example “My phone”."),
            fields={"name": gettext("This field is required.")},
        )
    return cleaned


def add_passkey(*, actor: Actor, name: str, credential: dict[str, Any]) -> Passkey:
    """Finish adding a passkey with the authenticator's answer (``credential``: the JSON of
    ``navigator.credentials.create()``). The challenge it answers is used up first, whatever
    happens next; then the answer is verified (origin, RP ID hash, user present and verified,
    attestation). Raises ``ChallengeExpired`` (410), ``Invalid`` (400 ``invalid_credential``
    / ``passkey_refused``), ``Conflict`` (409 ``passkey_exists`` / ``too_many_passkeys``)."""
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url, parse_registration_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    user = _citizen(actor)
    label = clean_name(name)
    try:
        parsed = parse_registration_credential_json(credential)
    except (WebAuthnException, *_BAD_INPUT):
        raise relying_party.malformed() from None
    challenge, origin = relying_party.client_data(parsed.response.client_data_json)
    if not relying_party.claim(challenge, purpose=ChallengePurpose.REGISTER, user=user):
        record("passkey.add_refused", subject=user, by=actor, details={"reason": "challenge"})
        raise ChallengeExpired
    if not relying_party.origin_allowed(origin):
        raise _refused("origin", user=user, actor=actor)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=relying_party.rp_id(),
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, *_BAD_INPUT) as exc:
        raise _refused(str(exc)[:200], user=user, actor=actor) from None
    transports = sorted({t.value for t in parsed.response.transports or []})
    try:
        with transaction.atomic():
            # The account's row orders concurrent additions, so the cap holds exactly.
            User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
            if Passkey.objects.filter(user=user).count() >= settings.PASSKEY_MAX_PER_ACCOUNT:
                raise _too_many()
            passkey = Passkey.objects.create(
                user=user,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=transports,
                aaguid=verified.aaguid,
                backed_up=verified.credential_backed_up,
                name=label,
                created_at=timezone.now(),
            )
            record(
                "passkey.added",
                subject=user,
                by=actor,
                details={
                    "passkey": str(passkey.public_id),
                    "aaguid": passkey.aaguid,
                    "backed_up": passkey.backed_up,
                },
            )
            emails.send_passkey_added(user=user, name=label)
            notify(
                user=user,
                kind="passkey_added",
                title=_("A passkey was added"),
                body=_(
                    "The passkey “%(name)s” can now sign in to your account without the "
                    "password. If you did not add it, remove it and change your password."
                )
                % {"name": label},
            )
    except IntegrityError:
        raise Conflict(
            "passkey_exists", _("This passkey is already registered. Use it to sign in.")
        ) from None
    return passkey


def remove_passkey(*, actor: Actor, passkey_id: str) -> None:
    """Remove one of the actor's passkeys (audited ``passkey.removed``); an unknown,
    malformed or another person's id is ``PasskeyNotFound`` alike. It stops signing in at
    once; sessions it already started go on until they end (``/auth/logout-all``)."""
    user = require_citizen(actor)
    try:
        public_id = uuid.UUID(passkey_id)
    except ValueError:
        raise PasskeyNotFound from None
    passkey = Passkey.objects.filter(public_id=public_id, user=user).first()
    if passkey is None:
        raise PasskeyNotFound
    with transaction.atomic():
        passkey.delete()
        record(
            "passkey.removed",
            subject=user,
            by=actor,
            details={"passkey": str(public_id), "aaguid": passkey.aaguid},
        )
