"""e-BHYT cards: issue, read, sign the QR payload, verify a payload, publish the signed list of
revoked cards (DESIGN §3.6, docs/contributions.md)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import parse_card_code
from ansinh.people.models import HealthFacility, Person

from . import certificates, revocations, signing
from .models import Card


def current_card(*, person: Person) -> Card | None:
    """The person's card in force: the latest one issued and not replaced."""
    return (
        Card.objects.select_related("facility", "person")
        .filter(person=person, replaced_at__isnull=True)
        .order_by("-issued_at")
        .first()
    )


def issue_card(
    *,
    person: Person,
    group: str,
    benefit_level: int,
    facility: HealthFacility,
    valid_from: dt.date,
    valid_to: dt.date,
    five_years_from: dt.date | None,
    actor: Actor,
    province_code: str | None = None,
) -> Card:
    """Issue a card; the card in force before is marked replaced (history is kept), which
    revokes it: ``/cards/verify`` refuses its payload from now on, and the signed revocation
    list names it until it expires."""
    code = f"{group}{benefit_level}{province_code or person.province_code}{person.bhxh_code}"
    parse_card_code(code)  # ValidationError(code="invalid_card_code")
    if valid_to < valid_from:
        raise ValueError("valid_to before valid_from")
    now = timezone.now()
    with transaction.atomic():
        Card.objects.filter(person=person, replaced_at__isnull=True).update(replaced_at=now)
        card = Card.objects.create(
            person=person,
            card_code=code,
            facility=facility,
            valid_from=valid_from,
            valid_to=valid_to,
            five_years_from=five_years_from,
            issued_at=now,
        )
        record(
            "card.issued",
            by=actor,
            details={"card": str(card.public_id), "group": group, "level": benefit_level},
        )
    return card


def _keys() -> tuple[signing.KeyRing, dict[str, signing.Ed25519PublicKey]]:
    return signing.keyring(
        key_file=settings.CARD_KEYS_FILE,
        public_file=settings.CARD_PUBLIC_KEYS_FILE,
        generate=settings.CARD_KEYS_GENERATE,
    )


def claims_of(card: Card) -> signing.Claims:
    return signing.Claims(
        card=card.card_code,
        name=card.person.full_name,
        dob=card.person.date_of_birth.isoformat(),
        facility=card.facility.code,
        valid_from=card.valid_from.isoformat(),
        valid_to=card.valid_to.isoformat(),
        five_years=card.five_years_from.isoformat() if card.five_years_from else None,
        issued=timezone.localdate(card.issued_at).isoformat(),
        serial=card.public_id.hex,
    )


def qr_payload(card: Card) -> str:
    """The signed payload, with the active key (deterministic: Ed25519 signatures are)."""
    ring, _public = _keys()
    return signing.sign(claims_of(card), kid=ring.active, private_key=ring.private[ring.active])


# A scanner needs a light margin of 4 modules around the symbol (ISO/IEC 18004 "quiet zone"),
# and a phone camera reading another phone's screen needs modules of at least 4 CSS pixels.
QR_QUIET_ZONE = 4
QR_MODULE_PX = 4


@dataclass(frozen=True)
class QrImage:
    """A QR code as an inline ``<svg>`` element: drawn in module units (``viewBox``) so that
    the browser scales it to its box, quiet zone included, and ``size_px`` CSS pixels wide
    by default (``QR_MODULE_PX`` per module)."""

    svg: SafeString
    modules: int  # the width in modules, quiet zone included
    size_px: int


def qr_image(payload: str, *, label: str, module_px: int = QR_MODULE_PX) -> QrImage:
    """The QR code of ``payload`` as an :class:`QrImage` (no script, no inline style, no
    data: URI: fits the site's strict CSP), labelled ``label`` for screen readers."""
    qr = segno.make(payload, error="m", micro=False)
    modules = int(qr.symbol_size(border=QR_QUIET_ZONE)[0])
    size = modules * module_px
    svg = qr.svg_inline(
        scale=1,
        border=QR_QUIET_ZONE,
        omitsize=True,  # a viewBox in module units instead of a fixed drawing size
        title=label,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
    )
    # The size the box starts from, and how assistive technology announces the drawing.
    opening = (
        f'<svg width="{size}" height="{size}" role="img" aria-label="{escape(label)}" '
        'shape-rendering="crispEdges" '
    )
    assert svg.startswith("<svg ")  # noqa: S101 - segno's inline SVG
    return QrImage(
        svg=mark_safe(opening + svg[len("<svg ") :]),  # noqa: S308 - segno, our payload, escaped label
        modules=modules,
        size_px=size,
    )


def qr_svg(payload: str) -> SafeString:
    """The QR code as an inline ``<svg>`` element (:func:`qr_image`)."""
    return qr_image(payload, label="QR").svg


def qr_svg_document(payload: str, *, label: str) -> str:
    """The QR code of ``payload`` as a standalone SVG document (``xmlns``, ``viewBox`` in
    module units, the quiet zone included, no size): what the app shows as an image, so
    nothing in it is ever parsed as the page's markup."""
    qr = segno.make(payload, error="m", micro=False)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        scale=1,
        border=QR_QUIET_ZONE,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=label,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
        nl=False,
    )
    svg = out.getvalue().decode()
    assert svg.startswith("<svg ")  # noqa: S101 - segno's SVG
    return '<svg shape-rendering="crispEdges" ' + svg[len("<svg ") :]


def public_keys() -> dict[str, signing.Ed25519PublicKey]:
    return _keys()[1]


def _in_force(claims: signing.Claims) -> str | None:
    """Online revocation check: a payload is accepted only for a card in force in the register
    (not replaced). A version 2 payload names its card by serial; a version 1 payload (no
    serial) by what it signs of the card: code, facility, validity and issue date (a re-issue
    that changes none of these on the day of issue signs the very same version 1 payload, which
    therefore stays accepted: docs/contributions.md)."""
    cards = Card.objects.filter(card_code=claims.card, replaced_at__isnull=True)
    if claims.serial is not None:
        cards = cards.filter(public_id=uuid.UUID(hex=claims.serial))
    else:
        cards = cards.filter(
            facility__code=claims.facility,
            valid_from=claims.valid_from,
            valid_to=claims.valid_to,
            issued_at__date=claims.issued,
        )
    return None if cards.exists() else signing.Reason.REVOKED


def verify_payload(payload: object, *, today: dt.date | None = None) -> signing.Verdict:
    """The online verdict (``POST /cards/verify``): form, key, signature, revocation against
    the register, then the validity dates."""
    return signing.verify(
        payload,
        public_keys=public_keys(),
        today=today or timezone.localdate(),
        revoked=_in_force,
    )


def revocation_list(*, now: dt.datetime | None = None) -> revocations.Envelope:
    """The signed list of revoked cards for offline verification (``GET /cards/revocations``):
    every replaced card not expired by more than a day (a later card is refused as expired
    anyway; the day covers clinics whose clock is behind), signed with the active card key."""
    now = (now or timezone.now()).replace(microsecond=0)
    horizon = timezone.localdate(now) - dt.timedelta(days=1)
    serials = Card.objects.filter(
        replaced_at__isnull=False, replaced_at__lte=now, valid_to__gte=horizon
    ).values_list("public_id", flat=True)
    content = revocations.RevocationList(
        issued_at=now,
        next_update=now + dt.timedelta(seconds=settings.CARD_REVOCATIONS_NEXT_UPDATE_SECONDS),
        serials=frozenset(serial.hex for serial in serials),
    )
    ring, _public = _keys()
    return revocations.sign(content, kid=ring.active, private_key=ring.private[ring.active])


def sign_certificate(claims: certificates.CertificateClaims) -> str:
    """A participation certificate's payload (``certificates``), signed with the active card
    key: one key infrastructure for cards, revocation lists and certificates."""
    ring, _public = _keys()
    return certificates.sign(claims, kid=ring.active, private_key=ring.private[ring.active])


def certificate_revocation_list(
    serials: frozenset[str], *, now: dt.datetime
) -> revocations.CertificateEnvelope:
    """The signed list of revoked participation certificates (``ASCR1``, same design as the
    cards' list), with the active card key; ``serials`` come from the certificate register."""
    content = revocations.RevocationList(
        issued_at=now,
        next_update=now + dt.timedelta(seconds=settings.CARD_REVOCATIONS_NEXT_UPDATE_SECONDS),
        serials=serials,
    )
    ring, _public = _keys()
    return revocations.sign_certificates(
        content, kid=ring.active, private_key=ring.private[ring.active]
    )
