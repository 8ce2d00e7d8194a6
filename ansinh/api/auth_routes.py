"""``/auth/*``: login, token refresh, logout, password change (DESIGN §4)."""

from captcha.models import CaptchaStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Field, Router, Schema, Status

from ansinh.accounts import devices, services
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.captcha_form import CaptchaField

from .auth import current_device, current_user, token_auth, token_auth_pending_ok
from .errors import ApiError
from .schemas import (
    DeviceOut,
    DeviceSignOutIn,
    DevicesOut,
    ErrorOut,
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    TokenOut,
)

router = Router(tags=["auth"])


def _invalid_credentials() -> ApiError:
    return ApiError(401, "invalid_credentials", _("The identifier or password is incorrect."))


def too_many_attempts(exc: services.Throttled) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        _("Too many failed attempts. Try again later."),
        headers={"Retry-After": str(exc.retry_after)},
    )


class CaptchaOut(Schema):
    key: str = Field(description="Send it back as captcha_key with the answer")
    image_url: str
    audio_url: str


def new_challenge() -> CaptchaOut:
    """A CAPTCHA challenge: its key, its image and its audio (the portal's)."""
    key = CaptchaStore.generate_key()
    return CaptchaOut(
        key=key,
        image_url=reverse("captcha-image", args=[key]),
        audio_url=reverse("captcha-audio", args=[key]),
    )


def captcha_required(exc: services.CaptchaRequired) -> ApiError:
    """429 ``captcha_required`` with a fresh challenge: the image (and audio) to show, and the
    key to send back with the answer as ``captcha_key`` / ``captcha_answer``."""
    return ApiError(
        429,
        "captcha_required",
        _(
            "Many failed sign-ins came from your network. Type the characters in the image to continue."
        ),
        headers={"Retry-After": str(exc.retry_after)},
        extra={"captcha": new_challenge().model_dump()},
    )


def captcha_passed(key: str | None, answer: str | None) -> bool:
    """The portal form's CAPTCHA check, for the app: each challenge works once, right or
    wrong; a missing or wrong answer just counts as no CAPTCHA."""
    if not key or not answer:
        return False
    try:
        CaptchaField().clean([key, answer])
    except ValidationError:
        return False
    return True


def wrong_current_password() -> ApiError:
    return ApiError(400, "wrong_current_password", _("The current password is incorrect."))


def _actor(request: HttpRequest) -> Actor:
    """The acting party: the signed-in user of the bearer token (``TokenAuth``)."""
    return Actor.from_request(request, Channel.API)


def anonymous(request: HttpRequest) -> Actor:
    """The acting party of login and refresh: nobody yet (a browser's web session, if any,
    plays no part in the API)."""
    return Actor.from_request(request, Channel.API).as_user(None)


def token_out(pair: services.TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        password_change_required=pair.device.user.password_change_required,
    )


@router.post(
    "/login", response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut}, auth=None
)
@sensitive_variables("payload")
def login(request: HttpRequest, payload: LoginIn) -> TokenOut:
    """Log in with a BHXH code, CCCD or staff username. Unknown user, wrong password, locked and
    disabled accounts get the same 401; repeated failures of an identifier get 429
    ``too_many_attempts`` with ``Retry-After``. When many logins failed from the client's
    address, the login needs a solved CAPTCHA: 429 ``captcha_required`` carries a challenge
    (``captcha.key``, ``captcha.image_url``, ``captcha.audio_url``); send the answer back as
    ``captcha_key`` and ``captcha_answer`` with the identifier and password."""
    try:
        pair = services.login_with_tokens(
            identifier=payload.username,
            password=payload.password,
            device_name=payload.device_name or "",
            actor=anonymous(request),
            captcha_passed=captcha_passed(payload.captcha_key, payload.captcha_answer),
        )
    except services.CaptchaRequired as exc:
        raise captcha_required(exc) from None
    except services.Throttled as exc:
        raise too_many_attempts(exc) from None
    except (services.InvalidCredentials, services.WrongDoor):
        # The API admits citizens and staff alike, so WrongDoor cannot happen here.
        raise _invalid_credentials() from None
    return token_out(pair)


@router.post("/captcha", response={201: CaptchaOut}, auth=None)
def captcha(request: HttpRequest) -> Status[CaptchaOut]:
    """A new CAPTCHA challenge ("Đổi mã khác"): for a person who cannot read the one a
    ``captcha_required`` answer or a form gave. Show its image (or play its audio) and send
    its key as ``captcha_key`` with the answer. Each challenge works once, right or wrong."""
    return Status(201, new_challenge())


@router.post("/refresh", response={200: TokenOut, 400: ErrorOut, 401: ErrorOut}, auth=None)
@sensitive_variables("payload")
def refresh(request: HttpRequest, payload: RefreshIn) -> TokenOut:
    """Exchange a refresh token for a new pair. Each refresh token works once; reusing one
    revokes that device's tokens."""
    try:
        pair = services.refresh_tokens(raw_refresh=payload.refresh_token, actor=anonymous(request))
    except services.InvalidToken:
        raise ApiError(
            401, "invalid_token", _("The refresh token is invalid, expired or already used.")
        ) from None
    return token_out(pair)


@router.post("/logout", response={204: None, 401: ErrorOut}, auth=token_auth_pending_ok)
def logout(request: HttpRequest) -> HttpResponse:
    """Revoke this device's tokens."""
    services.logout_device(device=current_device(request), actor=_actor(request))
    return HttpResponse(status=204)


@router.post("/logout-all", response={204: None, 401: ErrorOut}, auth=token_auth_pending_ok)
def logout_all(request: HttpRequest) -> HttpResponse:
    """Revoke every token of every device (this one too) and end every web session of this
    account. Passkeys are not deleted: an in-app notice (and `GET /me/passkeys`) tells the
    person how many still sign in and to remove those of a lost device."""
    services.logout_all(actor=_actor(request))
    return HttpResponse(status=204)


@router.post(
    "/password",
    response={204: None, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    auth=token_auth_pending_ok,
)
@sensitive_variables("payload")
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> HttpResponse:
    """Change the password (needs the current one). Other devices and web sessions end; this
    device stays signed in; a "password changed" email goes to the address on record."""
    try:
        services.change_password(
            actor=_actor(request),
            current_password=payload.current_password,
            new_password=payload.new_password,
            keep_device=current_device(request),
        )
    except services.Throttled as exc:
        raise too_many_attempts(exc) from None
    except services.WrongCurrentPassword:
        raise wrong_current_password() from None
    except ValidationError as exc:
        raise ApiError(
            400,
            "invalid_password",
            " ".join(exc.messages),
            fields={"new_password": " ".join(exc.messages)},
        ) from None
    return HttpResponse(status=204)


@router.get("/devices", response={200: DevicesOut, 401: ErrorOut, 403: ErrorOut}, auth=token_auth)
def list_devices(request: HttpRequest) -> DevicesOut:
    """The app devices signed in to this account (name, since when, last used), this one
    marked ``current``. Web sessions are not listed; ``/auth/logout-all`` ends them too."""
    this = current_device(request)
    return DevicesOut(
        items=[
            DeviceOut(
                device_id=str(device.public_id),
                device_name=device.device_name,
                created_at=device.created_at,
                last_seen_at=device.last_seen_at,
                current=device.pk == this.pk,
            )
            for device in devices.live_devices(current_user(request))
        ]
    )


@router.post(
    "/devices/{device_id}/logout",
    response={204: None, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=token_auth,
)
@sensitive_variables("payload")
def sign_out_device(request: HttpRequest, device_id: str, payload: DeviceSignOutIn) -> HttpResponse:
    """Sign one device out after re-entering the password (wrong: 400
    ``wrong_current_password``, counted like a failed login; 429 during the back-off). A
    device that is not one of this account's signed-in devices is 404 ``not_found``."""
    try:
        devices.sign_out_device(
            actor=_actor(request),
            device_id=device_id[:64],
            current_password=payload.current_password,
        )
    except services.Throttled as exc:
        raise too_many_attempts(exc) from None
    except services.WrongCurrentPassword:
        raise wrong_current_password() from None
    except devices.DeviceNotFound:
        raise ApiError(404, "not_found", _("Not found.")) from None
    return HttpResponse(status=204)
