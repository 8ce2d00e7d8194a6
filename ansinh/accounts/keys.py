"""API keys of units and collection organisations: issue, list, revoke, authenticate.

Keys are opaque and random (256 bits, ``ansk_`` prefix), stored as a SHA-256 digest: like app
tokens they cannot be guessed, so a fast digest is enough and lookups stay one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ansinh.audit.services import record
from ansinh.people.models import CollectionOrganisation, Unit

from .models import OrganisationKey, User

KEY_PREFIX = "ansk_"


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: OrganisationKey
    raw: str  # shown once, never stored


def issue_key(
    *,
    unit: Unit | None = None,
    organisation: CollectionOrganisation | None = None,
    actor: User | None,
    label: str = "",
    raw: str | None = None,
) -> IssuedKey:
    """Issue a key for exactly one unit or organisation. ``raw`` is for the fixed demo key only."""
    if (unit is None) == (organisation is None):
        raise ValueError("a key belongs to exactly one unit or organisation")
    raw = raw or KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = OrganisationKey.objects.create(
            unit=unit,
            organisation=organisation,
            digest=digest(raw),
            prefix=raw[:12],
            label=label[:100],
            created_by=actor,
        )
        record(
            "orgkey.issued",
            actor=actor,
            channel="cli" if actor is None else "backoffice",
            details={"key": str(key.public_id), "owner": key.owner_code},
        )
    return IssuedKey(key, raw)


def keys_of(
    *, unit: Unit | None = None, organisation: CollectionOrganisation | None = None
) -> QuerySet[OrganisationKey]:
    keys = OrganisationKey.objects.select_related("unit", "organisation").order_by("-created_at")
    if unit is not None:
        keys = keys.filter(unit=unit)
    if organisation is not None:
        keys = keys.filter(organisation=organisation)
    return keys


def owner_by_code(code: str) -> dict[str, Unit | CollectionOrganisation] | None:
    """``{"unit": …}`` or ``{"organisation": …}`` for a unit's or collection organisation's
    code (as ``issue_key`` and ``keys_of`` take it), or ``None`` when no such code exists."""
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        return {"unit": unit}
    organisation = CollectionOrganisation.objects.filter(code=code).first()
    if organisation is not None:
        return {"organisation": organisation}
    return None


def get_key(public_id: str) -> OrganisationKey | None:
    """The key with this public id (revoked or not), or ``None`` for an unknown or bad id."""
    try:
        parsed = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return OrganisationKey.objects.filter(public_id=parsed).first()


def revoke_key(*, key: OrganisationKey, actor: User | None) -> bool:
    """Revoke a key; returns False if it was already revoked."""
    with transaction.atomic():
        changed = OrganisationKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            record(
                "orgkey.revoked",
                actor=actor,
                channel="cli" if actor is None else "backoffice",
                details={"key": str(key.public_id), "owner": key.owner_code},
            )
    return bool(changed)


def authenticate_key(raw: str) -> OrganisationKey | None:
    """The live key a raw value names (unit or organisation loaded), or ``None``."""
    if not raw or len(raw) > 200:
        return None
    key = (
        OrganisationKey.objects.select_related("unit__office", "organisation__office")
        .filter(digest=digest(raw), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        # At most one write a minute per key: "last used" is for people, not for audit.
        OrganisationKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def keys_for_office(office_id: int) -> QuerySet[OrganisationKey]:
    """Keys of the units and collection organisations an office manages (back office)."""
    return (
        OrganisationKey.objects.select_related("unit", "organisation")
        .filter(models.Q(unit__office_id=office_id) | models.Q(organisation__office_id=office_id))
        .order_by("-created_at")
    )


def get_key_for_office(office_id: int, public_id: str) -> OrganisationKey | None:
    """One key of the office's units or organisations; ``None`` for any other or a bad id."""
    try:
        parsed = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return keys_for_office(office_id).filter(public_id=parsed).first()
