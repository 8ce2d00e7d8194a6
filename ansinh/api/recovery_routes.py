"""``/auth/recovery``: password recovery by emailed code (DESIGN §3.3, §4; docs/recovery.md).

Every well-formed request answers 202 with the same body shape, headers and message, whether or
not anyone matches; the recovery id of a non-match is a decoy that answers the next steps alike.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from ninja import Router, Status

from ansinh.lib.actor import Actor, Channel
from ansinh.recovery import services
from ansinh.recovery.messages import started_message

from .errors import ApiError
from .operation_ids import operation_id
from .schemas import (
    ErrorOut,
    InvalidOtpOut,
    RecoveryIn,
    RecoveryStartedOut,
    RecoveryVerifiedOut,
    RecoveryVerifyIn,
)

router = Router(tags=["recovery"], auth=None)


def _started(started: services.RecoveryStarted) -> Status[RecoveryStartedOut]:
    return Status(
        202,
        RecoveryStartedOut(
            recovery_id=str(started.public_id),
            expires_in=started.expires_in,
            message=started_message(),
        ),
    )


def _throttled(exc: services.RecoveryThrottled, code: str) -> ApiError:
    message = (
        _("Too many wrong codes. Try again later.")
        if isinstance(exc, services.RecoveryLocked)
        else _("Too many requests. Try again later.")
    )
    return ApiError(429, code, message, headers={"Retry-After": str(exc.retry_after)})


def _expired() -> ApiError:
    return ApiError(
        410,
        "recovery_expired",
        _("This recovery has expired or was already used. Start again."),
    )


def _recovery_links(status: int) -> dict[str, Any]:
    """OpenAPI links: the ``recovery_id`` of a started recovery is what verify and resend
    take (clients and the stateful API fuzzer follow them)."""
    parameters = {"recovery_id": "$response.body#/recovery_id"}
    return {
        "responses": {
            status: {
                "links": {
                    "verify": {
                        "operationId": operation_id(__name__, "verify"),
                        "parameters": parameters,
                    },
                    "resend": {
                        "operationId": operation_id(__name__, "resend"),
                        "parameters": parameters,
                    },
                }
            }
        }
    }


@router.post(
    "",
    response={202: RecoveryStartedOut, 400: ErrorOut, 429: ErrorOut},
    openapi_extra=_recovery_links(202),
)
@sensitive_variables("payload")
def start(request: HttpRequest, payload: RecoveryIn) -> Status[RecoveryStartedOut]:
    """Start a recovery with the BHXH code (or CCCD) and the email on record. If they match,
    a 6-digit code goes to that email; the answer is the same either way."""
    try:
        started = services.request_recovery(
            identifier=payload.username,
            email=payload.email,
            actor=Actor.from_request(request, Channel.API),
        )
    except ValidationError as exc:
        field = "email" if exc.code == "invalid_email" else "username"
        raise ApiError(
            400,
            "invalid_input",
            _("Some fields are missing or invalid."),
            fields={field: " ".join(exc.messages)},
        ) from None
    except services.RecoveryThrottled as exc:
        raise _throttled(exc, "too_many_requests") from None
    return _started(started)


@router.post(
    "/{recovery_id}/verify",
    response={
        200: RecoveryVerifiedOut,
        400: InvalidOtpOut | ErrorOut,
        410: ErrorOut,
        429: ErrorOut,
    },
)
@sensitive_variables("payload")
def verify(
    request: HttpRequest, recovery_id: str, payload: RecoveryVerifyIn
) -> RecoveryVerifiedOut:
    """Enter the emailed code. Without ``new_password`` a temporary password is emailed (it
    works once and forces a change); with it, that password is set. Either way every session
    and token of the account ends."""
    try:
        outcome = services.verify_code(
            public_id=recovery_id,
            otp=payload.otp,
            new_password=payload.new_password,
            actor=Actor.from_request(request, Channel.API),
        )
    except services.InvalidOtp as exc:
        raise ApiError(
            400,
            "invalid_otp",
            _("The code is incorrect."),
            fields={"otp": _("The code is incorrect.")},
            extra={"attempts_left": exc.attempts_left},
        ) from None
    except services.RecoveryExpired:
        raise _expired() from None
    except services.RecoveryLocked as exc:
        raise _throttled(exc, "too_many_attempts") from None
    except ValidationError as exc:
        if getattr(exc, "code", None) == "invalid_code_format":
            raise ApiError(
                400,
                "invalid_input",
                _("Some fields are missing or invalid."),
                fields={"otp": " ".join(exc.messages)},
            ) from None
        raise ApiError(
            400,
            "invalid_password",
            " ".join(exc.messages),
            fields={"new_password": " ".join(exc.messages)},
        ) from None
    return RecoveryVerifiedOut(status=outcome)  # type: ignore[arg-type]


@router.post(
    "/{recovery_id}/resend",
    response={202: RecoveryStartedOut, 410: ErrorOut, 429: ErrorOut},
    openapi_extra=_recovery_links(202),
)
def resend(request: HttpRequest, recovery_id: str) -> Status[RecoveryStartedOut]:
    """Send a fresh code (the previous one stops working), at most every 60 seconds."""
    try:
        started = services.resend_code(
            public_id=recovery_id, actor=Actor.from_request(request, Channel.API)
        )
    except services.RecoveryExpired:
        raise _expired() from None
    except services.RecoveryThrottled as exc:
        raise _throttled(exc, "too_many_requests") from None
    return _started(started)
