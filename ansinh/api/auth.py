"""Bearer-token authentication for the API (opaque app tokens, DESIGN §3.2)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from ansinh.accounts.access import CitizensOnly, require_citizen
from ansinh.accounts.keys import authenticate_key
from ansinh.accounts.models import DeviceSession, OrganisationKey, User
from ansinh.accounts.tokens import access_token_device
from ansinh.lib.actor import Actor, Channel

from .errors import ApiError


class TokenAuth(HttpBearer):
    """Accepts a live access token. Unless ``allow_pending_change``, an account that must change
    its password gets 403 ``password_change_required`` on everything but the password change and
    logout."""

    def __init__(self, *, allow_pending_change: bool = False) -> None:
        super().__init__()
        self.allow_pending_change = allow_pending_change

    def authenticate(self, request: HttpRequest, token: str) -> DeviceSession | None:
        device = access_token_device(token)
        if device is None:
            return None
        user = device.user
        if user.password_change_required and not self.allow_pending_change:
            raise ApiError(
                403,
                "password_change_required",
                _("Change your password before doing anything else."),
            )
        request.user = user
        return device


def current_device(request: HttpRequest) -> DeviceSession:
    device: Any = getattr(request, "auth", None)
    assert isinstance(device, DeviceSession)  # noqa: S101 - guaranteed by TokenAuth
    return device


def current_user(request: HttpRequest) -> User:
    return current_device(request).user


def current_citizen(request: HttpRequest) -> User:
    """The signed-in citizen (``accounts.access.require_citizen``); anyone else (staff) gets
    403 ``citizens_only``."""
    try:
        return require_citizen(Actor.from_request(request, Channel.API, user=current_user(request)))
    except CitizensOnly as exc:
        raise ApiError(403, exc.code, str(exc.message)) from None


class OrganisationKeyAuth(HttpBearer):
    """The unit API (``/unit/*``): a unit's or collection organisation's API key, sent as
    ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``. Unknown or revoked keys get 401."""

    def __call__(self, request: HttpRequest) -> OrganisationKey | None:
        raw = request.headers.get("X-API-Key")
        if raw:
            return self.authenticate(request, raw.strip())
        result = super().__call__(request)
        return result if isinstance(result, OrganisationKey) else None

    def authenticate(self, request: HttpRequest, token: str) -> OrganisationKey | None:
        return authenticate_key(token)


def current_org_key(request: HttpRequest) -> OrganisationKey:
    key: Any = getattr(request, "auth", None)
    assert isinstance(key, OrganisationKey)  # noqa: S101 - guaranteed by OrganisationKeyAuth
    return key


token_auth = TokenAuth()
org_key_auth = OrganisationKeyAuth()
token_auth_pending_ok = TokenAuth(allow_pending_change=True)
