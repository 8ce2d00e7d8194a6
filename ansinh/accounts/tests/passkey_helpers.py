"""Shared steps of the passkey tests: add a passkey through the API with the software
authenticator, and sign in with it."""

from __future__ import annotations

from typing import Any

from ansinh.conftest import CITIZEN_PASSWORD, Api

from .authenticator import SoftAuthenticator

BHXH = "0123456789"
PHONE = "Điện thoại của tôi"


def registration_options(api: Api, tokens: dict[str, Any], password: str = CITIZEN_PASSWORD) -> Any:
    return api.post(
        "/me/passkeys/options", {"current_password": password}, token=tokens["access_token"]
    )


def register(
    api: Api,
    tokens: dict[str, Any],
    credential: dict[str, Any],
    name: str = PHONE,
    **kwargs: Any,
) -> Any:
    return api.post(
        "/me/passkeys",
        {"name": name, "credential": credential},
        token=tokens["access_token"],
        **kwargs,
    )


def add_passkey(
    api: Api,
    tokens: dict[str, Any],
    device: SoftAuthenticator | None = None,
    name: str = PHONE,
    password: str = CITIZEN_PASSWORD,
) -> SoftAuthenticator:
    """A passkey added to the signed-in account (``tokens``), on ``device`` or a new one."""
    device = device or SoftAuthenticator()
    options = registration_options(api, tokens, password)
    assert options.status_code == 200, options.content
    response = register(api, tokens, device.create(options.json()), name=name)
    assert response.status_code == 201, response.content
    return device


def sign_in_options(api: Api, **kwargs: Any) -> dict[str, Any]:
    response = api.post("/auth/passkey/options", **kwargs)
    assert response.status_code == 200, response.content
    return dict(response.json())


def sign_in(api: Api, credential: dict[str, Any], **kwargs: Any) -> Any:
    body: dict[str, Any] = {"credential": credential, "device_name": "Điện thoại"}
    body.update(kwargs.pop("extra", {}))
    return api.post("/auth/passkey", body, **kwargs)


def sign_in_with(api: Api, device: SoftAuthenticator, **kwargs: Any) -> Any:
    """A whole passkey sign-in: fresh options, the device's answer, the tokens (or refusal)."""
    return sign_in(api, device.get(sign_in_options(api)), **kwargs)
