"""``/me/certificates``: the citizen's signed participation certificates (issue 15 §3), as
JSON and PDF, revocable; ``/certificates/verify``: the public online check of a certificate's
QR payload; ``/certificates/revocations``: the signed list of revoked certificates for the
offline check (``ansinh certificate verify`` with the exported public keys and that list)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from ansinh.cards import services as cards
from ansinh.contributions import certificates
from ansinh.contributions.certificate_files import certificate_pdf
from ansinh.contributions.models import ParticipationCertificate
from ansinh.contributions.statement_files import PDF_TYPE
from ansinh.lib.actor import Actor, Channel

from .auth import current_user, token_auth
from .schemas import ErrorOut, StrictIn

me_router = Router(tags=["certificates"], auth=token_auth)
public_router = Router(tags=["certificates"])
MINE: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class CertificateOut(Schema):
    id: str = Field(description="the certificate's number (32 hex digits)")
    issued_at: dt.datetime
    revoked: bool
    history: dict[str, Any] = Field(
        description="the signed history: serial, bhxh_code, full_name, date_of_birth, issued, "
        "schemes (as GET /me/participation); its canonical JSON has the payload's digest"
    )
    payload: str = Field(description="the signed QR payload (ASC1, docs/contributions.md)")
    qr_svg: str | None = Field(
        default=None,
        description="``payload`` drawn as a QR code (a standalone SVG document, as the card's "
        "``qr_svg``), to show on screen as an image; in the answers for one certificate only "
        "(null in the list)",
    )


class CertificateListOut(Schema):
    items: list[CertificateOut]


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.API, user=current_user(request))


def _one(found: ParticipationCertificate) -> dict[str, Any]:
    """One certificate's answer, with its QR drawn (the app shows it; it draws no QR itself)."""
    answer = certificates.certificate_json(found)
    label = _("QR code of participation certificate %(serial)s") % {"serial": answer["id"]}
    return {**answer, "qr_svg": cards.qr_svg_document(found.payload, label=label)}


@me_router.post("", response={201: CertificateOut, **MINE})
def issue_certificate(request: HttpRequest) -> Any:
    """Sign the caller's participation history as it stands today (at most 20 a day)."""
    issued = certificates.issue_certificate(actor=_actor(request))
    return Status(201, _one(issued))


@me_router.get("", response={200: CertificateListOut, **MINE})
def list_certificates(request: HttpRequest) -> dict[str, Any]:
    """The caller's certificates, newest first."""
    mine = certificates.my_certificates(actor=_actor(request))
    return {"items": [certificates.certificate_json(c) for c in mine]}


_PDF = {"content": {PDF_TYPE: {"schema": {"type": "string", "format": "binary"}}}}


# Before "/{cert_id}": that one would take "….pdf" as an id.
@me_router.get(
    "/{cert_id}.pdf",
    response={200: None, **MINE},
    openapi_extra={"responses": {200: {"description": "The certificate as a PDF", **_PDF}}},
)
def certificate_file(request: HttpRequest, cert_id: str) -> HttpResponse:
    """The certificate as a PDF with its signed QR code: what the person hands over."""
    found = certificates.my_certificate(actor=_actor(request), public_id=cert_id)
    response = HttpResponse(certificate_pdf(found), content_type=PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="C14-TS-{found.public_id.hex}.pdf"'
    return response


@me_router.get("/{cert_id}", response={200: CertificateOut, **MINE})
def get_certificate(request: HttpRequest, cert_id: str) -> dict[str, Any]:
    """One of the caller's certificates; another person's answers 404 like an unknown one."""
    found = certificates.my_certificate(actor=_actor(request), public_id=cert_id)
    return _one(found)


@me_router.post("/{cert_id}/revoke", response={200: CertificateOut, **MINE})
def revoke_certificate(request: HttpRequest, cert_id: str) -> dict[str, Any]:
    """Withdraw a certificate: from now on its verification answers ``revoked``."""
    found = certificates.revoke_certificate(actor=_actor(request), public_id=cert_id)
    return _one(found)


class VerifyIn(StrictIn):
    qr: str = Field(max_length=4096, description="The payload read from the certificate's QR")


class VerifiedCertificateOut(Schema):
    serial: str
    bhxh_code: str
    full_name: str
    date_of_birth: str
    issued: str
    months: dict[str, int]
    digest: str


class VerifyOut(Schema):
    valid: bool
    reason: Literal["malformed", "unknown_key", "bad_signature", "revoked"] | None
    certificate: VerifiedCertificateOut | None = None


@public_router.post("/verify", response={200: VerifyOut, 400: ErrorOut, 429: ErrorOut}, auth=None)
def verify_certificate(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    """``valid`` true, or false with the reason: ``malformed``, ``unknown_key``,
    ``bad_signature`` (altered or forged) or ``revoked`` (withdrawn by its holder, or not in
    the register). A valid certificate's signed facts are returned."""
    verdict = certificates.verify_certificate(
        payload=payload.qr, actor=Actor.from_request(request, Channel.API)
    )
    claims = verdict.claims if verdict.valid else None
    return VerifyOut(
        valid=verdict.valid,
        reason=verdict.reason,  # type: ignore[arg-type]
        certificate=None
        if claims is None
        else VerifiedCertificateOut(
            serial=claims.serial,
            bhxh_code=claims.bhxh,
            full_name=claims.name,
            date_of_birth=claims.dob,
            issued=claims.issued,
            months=claims.months,
            digest=claims.digest,
        ),
    )


class CertificateRevocationListOut(Schema):
    format: Literal["ASCR1"]
    kid: str
    body: str = Field(description="base64url of the JSON list (docs/contributions.md)")
    signature: str = Field(description="Ed25519 over ASCR1.<kid>.<body>, base64url")


@public_router.get(
    "/revocations", response={200: CertificateRevocationListOut, 429: ErrorOut}, auth=None
)
def certificate_revocations(request: HttpRequest) -> CertificateRevocationListOut:
    """The signed list of revoked certificates, for offline verification: check ``signature``
    with the published public key ``kid``, then read ``body`` (``issued_at``, ``next_update``:
    fetch a new list by then, ``serials``: the revoked certificates). Same design as
    ``GET /cards/revocations``, under its own format ``ASCR1``: docs/contributions.md."""
    actor = Actor.from_request(request, Channel.API)
    return CertificateRevocationListOut(**certificates.signed_revocation_list(actor=actor))
