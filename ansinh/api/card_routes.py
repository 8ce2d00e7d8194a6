"""``/cards/verify``: public verification of an e-BHYT QR payload for clinics (DESIGN §3.6);
``/cards/revocations``: the signed list of revoked cards that clinics sync to verify offline
(``ansinh card verify --revocations``). Both rate limited per client address by the service
(``cards.verification``), which the portal's public check uses too."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ansinh.cards.verification import signed_revocation_list, verify_qr
from ansinh.lib.actor import Actor, Channel

from .schemas import ErrorOut, StrictIn

router = Router(tags=["cards"])


class VerifyIn(StrictIn):
    qr: str = Field(max_length=4096, description="The payload read from the QR code")


class VerifiedCardOut(Schema):
    serial: str | None = Field(description="The card's serial (null in version 1 payloads)")
    card_code: str
    full_name: str
    date_of_birth: str
    facility_code: str
    valid_from: str
    valid_to: str
    five_years_from: str | None


class VerifyOut(Schema):
    valid: bool
    reason: (
        Literal["malformed", "unknown_key", "bad_signature", "revoked", "not_yet_valid", "expired"]
        | None
    )
    card: VerifiedCardOut | None = None


class RevocationListOut(Schema):
    format: Literal["ASR1"]
    kid: str
    body: str = Field(description="base64url of the JSON list (docs/contributions.md)")
    signature: str = Field(description="Ed25519 over ASR1.<kid>.<body>, base64url")


@router.post("/verify", response={200: VerifyOut, 400: ErrorOut, 429: ErrorOut}, auth=None)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    """``valid`` true, or false with the reason: ``malformed``, ``unknown_key``,
    ``bad_signature``, ``revoked`` (the card was replaced by a newer one, or is not in the
    register), ``not_yet_valid`` (before its ``valid_from``) or ``expired`` (checked in that
    order). A valid payload's card facts are returned as signed."""
    verdict = verify_qr(payload=payload.qr, actor=Actor.from_request(request, Channel.API))
    card = None
    if verdict.valid and verdict.claims is not None:
        claims = verdict.claims
        card = VerifiedCardOut(
            serial=claims.serial,
            card_code=claims.card,
            full_name=claims.name,
            date_of_birth=claims.dob,
            facility_code=claims.facility,
            valid_from=claims.valid_from,
            valid_to=claims.valid_to,
            five_years_from=claims.five_years,
        )
    return VerifyOut(valid=verdict.valid, reason=verdict.reason, card=card)  # type: ignore[arg-type]


@router.get("/revocations", response={200: RevocationListOut, 429: ErrorOut}, auth=None)
def revocations(request: HttpRequest) -> RevocationListOut:
    """The signed list of revoked cards, for offline verification: check ``signature`` with
    the published public key ``kid``, then read ``body`` (``issued_at``, ``next_update``: fetch
    a new list by then, ``serials``: the revoked cards). Format: docs/contributions.md."""
    actor = Actor.from_request(request, Channel.API)
    return RevocationListOut(**signed_revocation_list(actor=actor))
