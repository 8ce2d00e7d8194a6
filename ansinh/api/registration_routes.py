"""``/auth/registration``: registration 01/ĐK-GD for someone without an account (DESIGN §3.2,
§4; docs/app.md), over the SAME domain service as the portal (``dossiers.registration``), and
``/offices``: the BHXH offices a registration or a change request may go to.

1. ``POST /auth/registration/captcha`` → a CAPTCHA challenge (the portal's, image and audio).
2. ``POST /auth/registration`` (multipart: a ``payload`` part with the typed details and the
   challenge's answer, and the photos ``cccd_front``, ``cccd_back``, ``portrait``) → 202 with a
   ``registration_id``; the code goes to the typed email. Malformed input is 400 with every
   field at once (checked before the CAPTCHA, so a typo does not cost a challenge); then a
   missing or wrong answer is 429 ``captcha_required`` with a fresh challenge, like a login
   from a suspicious network, and nothing is stored or counted. The service's limits (per
   client address, per mailbox, per identifier-and-mailbox, a rolling daily cap per mailbox)
   apply on top: 429 ``too_many_requests``.
3. ``POST /auth/registration/{id}/verify`` {code} → 201 the dossier; ``/resend`` → 202.

Like the portal, the answers are the same whether or not the details match the registry: a
registration is stored and a code mailed to the typed address either way.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Router, Schema, Status
from pydantic import Field

from ansinh.accounts import codes
from ansinh.dossiers import access, registration
from ansinh.dossiers.errors import Invalid
from ansinh.lib.actor import Actor, Channel
from ansinh.people.offices import find_offices

from . import errors, multipart
from .auth_routes import CaptchaOut, captcha_passed, new_challenge
from .dossier_schemas import DossierCreatedOut
from .errors import ApiError
from .operation_ids import operation_id
from .schemas import PRINTABLE, EmailedCode, ErrorOut, InvalidOtpOut, OfficeOut, StrictIn

router = Router(tags=["registration"], auth=None)
offices_router = Router(tags=["offices"], auth=None)

PHOTOS = ("cccd_front", "cccd_back", "portrait")


class RegistrationIn(StrictIn):
    """The ``payload`` part of ``POST /auth/registration``."""

    identifier: str = Field(
        min_length=1, max_length=64, pattern=PRINTABLE, description="BHXH code or CCCD"
    )
    full_name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    date_of_birth: dt.date = Field(description="YYYY-MM-DD", strict=False)
    phone: str = Field(min_length=1, max_length=20, pattern=PRINTABLE)
    email: str = Field(min_length=1, max_length=340, pattern=PRINTABLE)
    office_code: str = Field(pattern=r"^[0-9]{5}$", description="The receiving BHXH office")
    captcha_key: str | None = Field(default=None, max_length=64, pattern=PRINTABLE)
    captcha_answer: str | None = Field(default=None, max_length=32, pattern=PRINTABLE)


class RegistrationStartedOut(Schema):
    registration_id: str
    expires_in: int = Field(description="Seconds the emailed code stays valid")
    message: str


class RegistrationVerifyIn(StrictIn):
    code: EmailedCode = Field(description="The 6-digit code sent to the typed email")


class OfficeListOut(Schema):
    items: list[OfficeOut]


REGISTRATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["payload", *PHOTOS],
                    "properties": {
                        "payload": {
                            "type": "string",
                            "description": 'JSON: {"identifier": "0123456789", "full_name": '
                            '"Nguyễn Văn A", "date_of_birth": "1990-05-01", "phone": '
                            '"0912345678", "email": "a@example.com", "office_code": "01001", '
                            '"captcha_key": "…", "captcha_answer": "…"}',
                        },
                        **{
                            name: {
                                "type": "string",
                                "format": "binary",
                                "description": "PNG or JPEG photo of at most 5 MB",
                            }
                            for name in PHOTOS
                        },
                    },
                }
            }
        },
    }
}


def _links(status: int) -> dict[str, Any]:
    parameters = {"registration_id": "$response.body#/registration_id"}
    links = {
        name: {"operationId": operation_id(__name__, name), "parameters": parameters}
        for name in ("verify", "resend")
    }
    return {"responses": {status: {"links": links}}}


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API).as_user(None)


def _throttled(exc: codes.CodeThrottled) -> ApiError:
    return ApiError(
        429,
        "too_many_requests",
        _("Too many requests. Try again later."),
        headers={"Retry-After": str(exc.retry_after)},
    )


def _expired() -> ApiError:
    return ApiError(
        410,
        "registration_expired",
        _("This registration has expired or was already used. Start again."),
    )


def _started(started: Any) -> Status[RegistrationStartedOut]:
    left = int((started.expires_at - timezone.now()).total_seconds()) if started.expires_at else 0
    return Status(
        202,
        RegistrationStartedOut(
            registration_id=str(started.public_id),
            expires_in=max(0, left),
            message=_(
                "We sent a 6-digit code to the email address you entered. Type it here to "
                "file your registration."
            ),
        ),
    )


@router.post("/captcha", response={201: CaptchaOut})
def captcha(request: HttpRequest) -> Status[CaptchaOut]:
    """A CAPTCHA challenge for a registration: show the image (or play the audio) and send
    the answer with ``captcha_key``. Each challenge works once, right or wrong."""
    return Status(201, new_challenge())


@router.post(
    "",
    response={202: RegistrationStartedOut, 400: ErrorOut, 429: ErrorOut},
    openapi_extra={**REGISTRATION_BODY, **_links(202)},
)
@sensitive_variables("raw", "payload")
def start(request: HttpRequest) -> Status[RegistrationStartedOut]:
    """Register for an account (01/ĐK-GD): the typed details, the receiving office, a
    solved CAPTCHA and three photos (``cccd_front``, ``cccd_back``, ``portrait``: PNG or
    JPEG, recognised by content, ≤ 5 MB each). A code goes to the typed email; the answer is
    the same whether or not the details match anyone. Malformed details or photos: 400
    ``invalid_input`` naming every field; a missing or wrong CAPTCHA answer: 429
    ``captcha_required`` with a fresh challenge (``captcha``); too many registrations from
    the address or for the mailbox: 429 ``too_many_requests``."""
    raw, files = multipart.form_parts(request)
    payload = multipart.payload_of(raw, RegistrationIn)
    images = {kind: files.get(kind) for kind in PHOTOS}
    fields = registration.input_errors(
        identifier=payload.identifier,
        full_name=payload.full_name,
        phone=payload.phone,
        email=payload.email,
    )
    if payload.date_of_birth.year < 1900 or payload.date_of_birth > dt.date.today():  # noqa: DTZ011
        fields["date_of_birth"] = _("Enter a real date of birth.")
    office = access.receiving_office(payload.office_code)
    if office is None:
        fields["office_code"] = _("No BHXH office has this code.")
    try:
        registration.check_images(images)
    except Invalid as exc:
        fields.update(exc.fields or {})
    if fields:
        if not (payload.captcha_answer or "").strip():
            # Every problem at once: the empty CAPTCHA answer too (a typed one is checked,
            # and used up, only once the rest is right).
            fields["captcha_answer"] = _("Type the characters in the image.")
        raise ApiError(
            400, "invalid_input", _("Some fields are missing or invalid."), fields=fields
        )
    if not captcha_passed(payload.captcha_key, payload.captcha_answer):
        raise ApiError(
            429,
            "captcha_required",
            _("Type the characters in the image to continue."),
            extra={"captcha": new_challenge().model_dump()},
        )
    assert office is not None  # noqa: S101
    try:
        started = registration.start_registration(
            identifier=payload.identifier,
            full_name=payload.full_name,
            date_of_birth=payload.date_of_birth,
            phone=payload.phone,
            email=payload.email,
            office=office,
            language=translation.get_language() or "vi",
            images=images,
            actor=_actor(request),
        )
    except codes.CodeThrottled as exc:
        raise _throttled(exc) from None
    return _started(started)


@router.post(
    "/{registration_id}/verify",
    response={201: DossierCreatedOut, 400: InvalidOtpOut | ErrorOut, 410: ErrorOut},
)
@sensitive_variables("payload")
def verify(
    request: HttpRequest, registration_id: str, payload: RegistrationVerifyIn
) -> Status[DossierCreatedOut]:
    """The code from the typed email: the 01/ĐK-GD dossier is filed (the same answer whether
    or not the details matched). Wrong code: 400 ``invalid_code`` with ``attempts_left`` (5
    wrong ones end the registration); expired, used or unknown: 410
    ``registration_expired``."""
    try:
        dossier = registration.confirm_registration(
            public_id=registration_id, code=payload.code, actor=_actor(request)
        )
    except codes.InvalidCode as exc:
        raise errors.wrong_code(exc.attempts_left) from None
    except codes.CodeExpired:
        raise _expired() from None
    except ValidationError as exc:
        raise ApiError(
            400,
            "invalid_input",
            _("Some fields are missing or invalid."),
            fields={"code": " ".join(exc.messages)},
        ) from None
    return Status(
        201,
        DossierCreatedOut(
            dossier_id=dossier.public_id, status=dossier.status, due_date=dossier.due_date
        ),
    )


@router.post(
    "/{registration_id}/resend",
    response={202: RegistrationStartedOut, 410: ErrorOut, 429: ErrorOut},
    openapi_extra=_links(202),
)
def resend(request: HttpRequest, registration_id: str) -> Status[RegistrationStartedOut]:
    """A fresh code to the typed email (the previous one stops working), at most every
    minute and three times."""
    try:
        started = registration.resend_registration_code(
            public_id=registration_id, actor=_actor(request)
        )
    except codes.CodeExpired:
        raise _expired() from None
    except codes.CodeThrottled as exc:
        raise _throttled(exc) from None
    return _started(started)


@offices_router.get("", response={200: OfficeListOut, 400: ErrorOut})
def offices(request: HttpRequest, province: str = "", q: str = "") -> OfficeListOut:
    """The BHXH offices (public reference data), by code; ``province`` (2 digits) and ``q``
    (words of the code, name or address, diacritics ignored) narrow the list."""
    found = find_offices(province=province, query=q)
    return OfficeListOut(items=[OfficeOut(code=o.code, name=o.name) for o in found])


__all__ = ["offices_router", "router"]
