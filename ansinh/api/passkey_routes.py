"""Passkeys over the API (issue 13): ``/me/passkeys`` (add, list, remove) and
``/auth/passkey`` (sign in without the password). The rules are ``accounts.passkeys`` and
``accounts.passkey_login``; docs/security.md "Passkeys"."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Router, Status

from ansinh.accounts import passkey_login, passkeys, services
from ansinh.lib.actor import Actor, Channel

from .auth import token_auth
from .auth_routes import (
    anonymous,
    captcha_passed,
    captcha_required,
    token_out,
    too_many_attempts,
    wrong_current_password,
)
from .errors import ApiError
from .passkey_schemas import (
    PasskeyAddIn,
    PasskeyOptionsIn,
    PasskeyOut,
    PasskeySignInIn,
    PasskeysOut,
)
from .schemas import ErrorOut, TokenOut

me_router = Router(tags=["passkeys"], auth=token_auth)
auth_router = Router(tags=["passkeys"])

OPTIONS_DOC = (
    "WebAuthn JSON with base64url values, ready for `PublicKeyCredential.parse…OptionsFromJSON`"
)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API)


def _passkey_out(passkey: Any) -> PasskeyOut:
    return PasskeyOut(
        id=str(passkey.public_id),
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
        synced=passkey.backed_up,
    )


@me_router.post(
    "/options",
    response={
        200: dict[str, Any],
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra={"responses": {200: {"description": OPTIONS_DOC}}},
    summary="Start adding a passkey",
)
@sensitive_variables("payload")
def passkey_options(request: HttpRequest, payload: PasskeyOptionsIn) -> dict[str, Any]:
    """Start adding a passkey to this account: the password again, then the options for
    `navigator.credentials.create()` (discoverable credential and user verification required,
    this account's passkeys excluded, the challenge valid once for a few minutes). Wrong
    password: 400 `wrong_current_password` (counted like a failed login; 429 during the
    back-off); staff: 403 `citizens_only`; too many passkeys: 409 `too_many_passkeys`."""
    try:
        return passkeys.registration_options(
            actor=_actor(request), current_password=payload.current_password
        )
    except services.Throttled as exc:
        raise too_many_attempts(exc) from None
    except services.WrongCurrentPassword:
        raise wrong_current_password() from None


@me_router.post(
    "",
    response={
        201: PasskeyOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
    },
    summary="Add a passkey",
)
def add_passkey(request: HttpRequest, payload: PasskeyAddIn) -> Status[PasskeyOut]:
    """Finish adding a passkey with the credential `navigator.credentials.create()` returned
    and a name the person chose. The challenge is used up by this call whatever happens (410
    `passkey_challenge_expired`: start again); an answer that fails verification (wrong site,
    no user verification) is 400 `passkey_refused`. An email and an in-app notice tell the
    person that a passkey was added."""
    passkey = passkeys.add_passkey(
        actor=_actor(request),
        name=payload.name,
        credential=payload.credential.model_dump(by_alias=True, exclude_none=True),
    )
    return Status(201, _passkey_out(passkey))


@me_router.get(
    "", response={200: PasskeysOut, 401: ErrorOut, 403: ErrorOut}, summary="List my passkeys"
)
def list_passkeys(request: HttpRequest) -> PasskeysOut:
    """This account's passkeys, newest first."""
    return PasskeysOut(items=[_passkey_out(p) for p in passkeys.passkeys_of(_actor(request))])


@me_router.delete(
    "/{passkey_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Remove a passkey",
)
def remove_passkey(request: HttpRequest, passkey_id: str) -> HttpResponse:
    """Remove one of this account's passkeys: it no longer signs in. Another person's or an
    unknown id is 404 `not_found`. Sessions it started go on (`/auth/logout-all` ends them)."""
    passkeys.remove_passkey(actor=_actor(request), passkey_id=passkey_id[:64])
    return HttpResponse(status=204)


@auth_router.post(
    "/options",
    response={200: dict[str, Any], 429: ErrorOut},
    auth=None,
    openapi_extra={"responses": {200: {"description": OPTIONS_DOC}}},
    summary="Start a passkey sign-in",
)
def passkey_sign_in_options(request: HttpRequest) -> dict[str, Any]:
    """Start a passkey sign-in: the options for `navigator.credentials.get()` (no identifier
    needed: the device offers its passkeys for this site; user verification required; the
    challenge valid once for a few minutes). Limited per client address (429 `throttled`)."""
    return passkey_login.sign_in_options(actor=anonymous(request))


@auth_router.post(
    "",
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 410: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Sign in with a passkey",
)
def passkey_sign_in(request: HttpRequest, payload: PasskeySignInIn) -> TokenOut:
    """Sign in with the credential `navigator.credentials.get()` returned: the same tokens as
    `/auth/login`. 401 `passkey_unknown`: no account has this passkey (removed, or never added
    here); 401 `passkey_refused`: it did not verify; 410 `passkey_challenge_expired`: the
    challenge was used or expired (ask for new options). Failures are throttled like logins:
    429 `too_many_attempts` with `Retry-After`, or 429 `captcha_required` with a challenge to
    answer in `captcha_key` / `captcha_answer`."""
    try:
        pair = passkey_login.sign_in(
            credential=payload.credential.model_dump(by_alias=True, exclude_none=True),
            device_name=payload.device_name or "",
            actor=anonymous(request),
            captcha_passed=captcha_passed(payload.captcha_key, payload.captcha_answer),
        )
    except services.CaptchaRequired as exc:
        raise captcha_required(exc) from None
    except services.Throttled as exc:
        raise too_many_attempts(exc) from None
    except passkey_login.PasskeyNotAccepted as exc:
        if exc.unknown:
            raise ApiError(
                401,
                "passkey_unknown",
                _(
                    "This passkey is not registered with An Sinh (it may have been removed). "
                    "Sign in with your password."
                ),
            ) from None
        raise ApiError(
            401,
            "passkey_refused",
            _("Signing in with this passkey did not work. Try again or use your password."),
        ) from None
    return token_out(pair)
