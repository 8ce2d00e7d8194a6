"""Signed participation certificates (issue 15 §3, like C14-TS; docs/contributions.md).

A citizen issues a certificate of their own history as it stands: per scheme the periods, units
and months (``participation.build_document``), with their identity. The exact JSON text is
kept; the QR payload (``ansinh.cards.certificates``, signed with the card keys) carries the
total months per scheme and the SHA-256 of that text, so the PDF's QR, or the JSON with its
payload, is verified offline with the public keys alone. Once revoked, the verify page and
``POST /certificates/verify`` say "revoked" for it (and for an unknown one), and the signed list
of revoked certificates (``GET /certificates/revocations``, ``ASCR1``) names its serial, so an
offline verifier that syncs the list refuses it too (``ansinh certificate verify``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ansinh.audit.services import record
from ansinh.cards import certificates as fmt
from ansinh.cards import revocations
from ansinh.cards import services as cards
from ansinh.cards.signing import Reason
from ansinh.lib import ratelimit
from ansinh.lib.actor import Actor
from ansinh.lib.errors import Forbidden, NotFound, Throttled

from .access import NotACitizen, person_of_citizen
from .models import ParticipationCertificate
from .participation import build_document

MAX_PER_DAY = 20


class CertificateNotFound(NotFound):  # noqa: N818
    code = "certificate_not_found"
    message = _("There is no certificate with this number among yours.")


class CitizensOnly(Forbidden):  # noqa: N818
    code = "not_a_citizen"
    message = _("Only an insured person has a participation history.")


def _person(actor: Actor) -> Any:
    try:
        return person_of_citizen(actor)
    except NotACitizen:
        raise CitizensOnly from None


def issue_certificate(*, actor: Actor, today: dt.date | None = None) -> ParticipationCertificate:
    """Sign the acting citizen's history as it stands now (at most ``MAX_PER_DAY`` a day)."""
    person = _person(actor)
    now = timezone.now()
    day = today or timezone.localdate(now)
    wait = ratelimit.hit(
        actor, group="certificates.issue", key=str(person.pk), rate=f"{MAX_PER_DAY}/d"
    )
    if wait:
        raise Throttled(
            "too_many_requests", _("Too many requests. Try again later."), retry_after=wait
        )
    schemes = build_document(person.pk, today=day)["schemes"]
    serial = uuid.uuid4()
    history = {
        "serial": serial.hex,
        "bhxh_code": person.bhxh_code,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "issued": day.isoformat(),
        "schemes": schemes,
    }
    claims = fmt.CertificateClaims(
        serial=serial.hex,
        bhxh=person.bhxh_code,
        name=person.full_name,
        dob=person.date_of_birth.isoformat(),
        issued=day.isoformat(),
        months={scheme: int(schemes[scheme]["total_months"]) for scheme in fmt.SCHEMES},
        digest=fmt.document_digest(history),
    )
    with transaction.atomic():
        certificate = ParticipationCertificate.objects.create(
            public_id=serial,
            person=person,
            issued_at=now,
            history=fmt.canonical(history),
            payload=cards.sign_certificate(claims),
        )
        record("certificate.issued", by=actor, details={"certificate": serial.hex})
    return certificate


def my_certificates(*, actor: Actor) -> list[ParticipationCertificate]:
    person = _person(actor)
    return list(ParticipationCertificate.objects.filter(person=person).order_by("-issued_at"))


def my_certificate(*, actor: Actor, public_id: str) -> ParticipationCertificate:
    """One of the acting citizen's certificates; another person's answers like an unknown one."""
    person = _person(actor)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise CertificateNotFound from None
    found = ParticipationCertificate.objects.filter(person=person, public_id=key).first()
    if found is None:
        raise CertificateNotFound
    return found


def revoke_certificate(*, actor: Actor, public_id: str) -> ParticipationCertificate:
    """The citizen withdraws a certificate they gave (e.g. to the wrong party): from now on
    its online verification says "revoked". Revoking twice changes nothing."""
    certificate = my_certificate(actor=actor, public_id=public_id)
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["revoked_at"])
        record("certificate.revoked", by=actor, details={"certificate": certificate.public_id.hex})
    return certificate


def history_of(certificate: ParticipationCertificate) -> dict[str, Any]:
    return dict(json.loads(certificate.history))


def certificate_json(certificate: ParticipationCertificate) -> dict[str, Any]:
    """What ``GET /me/certificates/{id}`` answers: the signed history and its payload; a
    verifier checks the payload's signature and that ``history`` has the payload's digest."""
    return {
        "id": certificate.public_id.hex,
        "issued_at": certificate.issued_at,
        "revoked": certificate.revoked_at is not None,
        "history": history_of(certificate),
        "payload": certificate.payload,
    }


def _online(claims: fmt.CertificateClaims) -> str | None:
    known = ParticipationCertificate.objects.filter(
        public_id=uuid.UUID(hex=claims.serial), revoked_at__isnull=True
    )
    return None if known.exists() else Reason.REVOKED


def verify_certificate(*, payload: str, actor: Actor) -> fmt.CertificateVerdict:
    """Public online check (API and page): limited per client address like the card check,
    then form, key, signature and revocation against the register."""
    wait = ratelimit.hit(
        actor, group="cards.verify", key=actor.ip_key, rate=settings.CARD_VERIFY_RATE
    )
    if wait:
        raise Throttled(
            "too_many_requests", _("Too many requests. Try again later."), retry_after=wait
        )
    return fmt.verify(payload, public_keys=cards.public_keys(), revoked=_online)


def signed_revocation_list(*, actor: Actor) -> revocations.CertificateEnvelope:
    """``GET /certificates/revocations``: every revoked certificate's serial (a certificate
    does not expire, so none leaves the list), signed with the active card key; limited per
    client address like the cards' list (``CARD_REVOCATIONS_RATE``, its own bucket)."""
    wait = ratelimit.hit(
        actor,
        group="certificates.revocations",
        key=actor.ip_key,
        rate=settings.CARD_REVOCATIONS_RATE,
    )
    if wait:
        raise Throttled(
            "too_many_requests", _("Too many requests. Try again later."), retry_after=wait
        )
    now = timezone.now().replace(microsecond=0)
    serials = ParticipationCertificate.objects.filter(revoked_at__isnull=False).values_list(
        "public_id", flat=True
    )
    return cards.certificate_revocation_list(frozenset(serial.hex for serial in serials), now=now)
