"""Request and response shapes of the passkey operations (issue 13).

The credential objects are WebAuthn's JSON (``PublicKeyCredential.toJSON()``: base64url
strings, camelCase names). Their known members are typed and bounded; members a browser adds
that we do not use are ignored rather than refused (WebAuthn grows: ``publicKey``,
``publicKeyAlgorithm``, extension results), unlike the rest of the API's strict requests.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from .schemas import PRINTABLE, StrictIn

B64URL = r"^[A-Za-z0-9_-]*$"


def b64url(max_length: int, alias: str | None = None) -> Any:
    """A required base64url string of at most ``max_length`` characters."""
    return Field(min_length=1, max_length=max_length, pattern=B64URL, alias=alias)


class WebAuthnIn(Schema):
    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)


class AttestationResponseIn(WebAuthnIn):
    client_data_json: str = b64url(4096, "clientDataJSON")
    attestation_object: str = b64url(32768, "attestationObject")
    transports: list[Literal["usb", "nfc", "ble", "internal", "cable", "hybrid", "smart-card"]] = (
        Field(default_factory=list, max_length=10)
    )


class RegistrationCredentialIn(WebAuthnIn):
    id: str = b64url(1400)
    raw_id: str = b64url(1400, "rawId")
    type: Literal["public-key"]
    response: AttestationResponseIn
    authenticator_attachment: str | None = Field(
        default=None, max_length=30, alias="authenticatorAttachment"
    )
    client_extension_results: dict[str, Any] | None = Field(
        default=None, alias="clientExtensionResults"
    )


class AssertionResponseIn(WebAuthnIn):
    client_data_json: str = b64url(4096, "clientDataJSON")
    authenticator_data: str = b64url(4096, "authenticatorData")
    signature: str = b64url(2048)
    user_handle: str | None = Field(
        default=None, max_length=128, pattern=B64URL, alias="userHandle"
    )


class AuthenticationCredentialIn(WebAuthnIn):
    id: str = b64url(1400)
    raw_id: str = b64url(1400, "rawId")
    type: Literal["public-key"]
    response: AssertionResponseIn
    authenticator_attachment: str | None = Field(
        default=None, max_length=30, alias="authenticatorAttachment"
    )
    client_extension_results: dict[str, Any] | None = Field(
        default=None, alias="clientExtensionResults"
    )


class PasskeyOptionsIn(StrictIn):
    current_password: str = Field(
        min_length=1, max_length=256, description="The account's password, entered again"
    )


class PasskeyAddIn(StrictIn):
    name: str = Field(
        min_length=1,
        max_length=60,
        pattern=PRINTABLE,
        description="What the person calls the device, e.g. “Điện thoại của tôi”",
    )
    credential: RegistrationCredentialIn = Field(
        description="The JSON of the credential `navigator.credentials.create()` returned"
    )


class PasskeySignInIn(StrictIn):
    credential: AuthenticationCredentialIn = Field(
        description="The JSON of the credential `navigator.credentials.get()` returned"
    )
    device_name: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)
    # Only needed after a 429 captcha_required (accounts/throttle.py), as at /auth/login.
    captcha_key: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]+$")
    captcha_answer: str | None = Field(default=None, max_length=32, pattern=PRINTABLE)


class PasskeyOut(Schema):
    id: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    synced: bool = Field(description="backed up by its provider (a synced passkey)")


class PasskeysOut(Schema):
    items: list[PasskeyOut]
