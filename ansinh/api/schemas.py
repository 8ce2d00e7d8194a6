"""Request and response shapes of API v1. Requests are strict: wrong types, lists where a
string belongs, unknown fields and over-long values are 400 ``invalid_input``."""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from ansinh.accounts.codes import normalize_code
from ansinh.lib.identifiers import normalize_bhxh_code

# Printable text only: control characters (NUL, CR/LF…) in an identifier or a name are never
# legitimate, and some stores (PostgreSQL text) cannot even hold NUL.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def code_format(value: str) -> str:
    """An emailed code as people type it ("123 456", full-width digits) → 6 ASCII digits; a
    malformed one is ``invalid_input`` and costs no attempt (``ansinh.accounts.codes``)."""
    try:
        return normalize_code(value)
    except DjangoValidationError:
        raise ValueError("not a 6-digit code") from None


EmailedCode = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(code_format)]


def bhxh_code_format(value: str) -> str:
    """A BHXH code as people type it ("0123 456 789", "0123.456.789", full-width digits) → 10
    ASCII digits (``lib.identifiers.compact_digits``: the rule of every door); anything else is
    ``invalid_input``. Machine clients send clean codes; they get the same rule as the portal."""
    try:
        return normalize_bhxh_code(value)
    except DjangoValidationError:
        raise ValueError("not a 10-digit BHXH code") from None


BhxhCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        pattern=PRINTABLE,
        description="10-digit BHXH code; spaces, dots and dashes between digits are ignored",
    ),
    AfterValidator(bhxh_code_format),
]


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginIn(StrictIn):
    username: str = Field(
        min_length=1,
        max_length=64,
        pattern=PRINTABLE,
        description="BHXH code, CCCD or staff username",
    )
    password: str = Field(min_length=1, max_length=256)
    device_name: str | None = Field(default=None, max_length=100, pattern=PRINTABLE)
    # Only needed after a 429 captcha_required (accounts/throttle.py).
    captcha_key: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]+$")
    captcha_answer: str | None = Field(default=None, max_length=32, pattern=PRINTABLE)


class RefreshIn(StrictIn):
    refresh_token: str = Field(min_length=1, max_length=100)


class PasswordChangeIn(StrictIn):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class DeviceOut(Schema):
    device_id: str
    device_name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool = Field(description="the device this access token belongs to")


class DevicesOut(Schema):
    items: list[DeviceOut]


class DeviceSignOutIn(StrictIn):
    current_password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int
    password_change_required: bool


class OfficeOut(Schema):
    code: str
    name: str


class ProfileOut(Schema):
    kind: Literal["citizen", "staff"]
    username: str
    full_name: str
    role: str
    bhxh_code: str | None = None
    cccd_masked: str | None = None
    date_of_birth: dt.date | None = None
    sex: str | None = None
    address: str | None = None
    phone_masked: str | None = None
    email_masked: str | None = None
    email_verified: bool | None = None
    office: OfficeOut | None = None
    password_change_required: bool


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorBody


class RecoveryIn(StrictIn):
    username: str = Field(
        min_length=1, max_length=64, pattern=PRINTABLE, description="BHXH code or CCCD"
    )
    email: str = Field(min_length=1, max_length=320, description="The email on record")


class RecoveryStartedOut(Schema):
    recovery_id: str
    expires_in: int = Field(description="Seconds the emailed code stays valid")
    message: str


class RecoveryVerifyIn(StrictIn):
    otp: EmailedCode = Field(
        description="The 6-digit code from the email (spaces, dashes, full-width digits welcome)"
    )
    new_password: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        pattern=PRINTABLE,
        description="Optional: set this password now instead of receiving a temporary one",
    )


class RecoveryVerifiedOut(Schema):
    status: Literal["credentials_emailed", "password_changed"]


class InvalidOtpBody(ErrorBody):
    attempts_left: int


class InvalidOtpOut(Schema):
    error: InvalidOtpBody
