"""``/cards/verify``: public verification of an e-BHYT QR payload for clinics (DESIGN §3.6),
rate limited per client address. Offline: ``ansinh card verify`` with the public keys."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from ansinh.cards.services import verify_payload
from ansinh.lib import ratelimit
from ansinh.lib.clientip import client_ip_key

from .errors import ApiError
from .schemas import ErrorOut, StrictIn

router = Router(tags=["cards"])


class VerifyIn(StrictIn):
    qr: str = Field(max_length=4096, description="The payload read from the QR code")


class VerifiedCardOut(Schema):
    card_code: str
    full_name: str
    date_of_birth: str
    facility_code: str
    valid_from: str
    valid_to: str
    five_years_from: str | None


class VerifyOut(Schema):
    valid: bool
    reason: Literal["bad_signature", "unknown_key", "expired", "malformed"] | None
    card: VerifiedCardOut | None = None


@router.post("/verify", response={200: VerifyOut, 400: ErrorOut, 429: ErrorOut}, auth=None)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    """``valid`` true, or false with the reason: ``malformed``, ``unknown_key``,
    ``bad_signature`` or ``expired`` (checked in that order). A valid payload's card facts
    are returned as signed."""
    wait = ratelimit.hit(
        request, group="cards.verify", key=client_ip_key(request), rate=settings.CARD_VERIFY_RATE
    )
    if wait:
        raise ApiError(
            429,
            "too_many_requests",
            _("Too many requests. Try again later."),
            headers={"Retry-After": str(wait)},
        )
    verdict = verify_payload(payload.qr)
    card = None
    if verdict.valid and verdict.claims is not None:
        claims = verdict.claims
        card = VerifiedCardOut(
            card_code=claims.card,
            full_name=claims.name,
            date_of_birth=claims.dob,
            facility_code=claims.facility,
            valid_from=claims.valid_from,
            valid_to=claims.valid_to,
            five_years_from=claims.five_years,
        )
    return VerifyOut(valid=verdict.valid, reason=verdict.reason, card=card)  # type: ignore[arg-type]
