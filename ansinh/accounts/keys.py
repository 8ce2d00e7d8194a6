"""API keys of units and collection organisations: issue, list, revoke, authenticate.

Keys are opaque and random (256 bits, ``ansk_`` prefix), stored as a SHA-256 digest: like app
tokens they cannot be guessed, so a fast digest is enough and lookups stay one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ansinh.audit.services import record
from ansinh.people.models import CollectionOrganisation, Unit

from .access import is_approver, require_staff_office
from .models import OrganisationKey

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor

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
    actor: Actor,
    label: str = "",
    raw: str | None = None,
) -> IssuedKey:
    """Issue a key for exactly one unit or organisation, by ``actor`` (an approver in the back
    office, or ``Actor.command()`` for the operator). ``raw`` is for the fixed demo key only."""
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
            created_by=actor.user,
        )
        record(
            "orgkey.issued",
            by=actor,
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


def revoke_key(*, key: OrganisationKey, actor: Actor) -> bool:
    """Revoke a key, by ``actor``; returns False if it was already revoked."""
    with transaction.atomic():
        changed = OrganisationKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            record(
                "orgkey.revoked",
                by=actor,
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


# --- The back office's key pages: an office's approvers manage its units' keys ------------------


class KeyNotFound(Exception):  # noqa: N818
    """No such key or owner in the actor's office, or the actor may not manage keys: answered
    alike (the back office shows its 404 page), so a clerk learns nothing from trying."""


def owners_for_office(office_id: int) -> list[tuple[str, str]]:
    """``("unit:CODE" | "org:CODE", "CODE name")`` for every unit and collection organisation
    the office manages: the choices of the back office's "issue a key" form."""
    units = [
        (f"unit:{u.code}", f"{u.code} {u.name}") for u in Unit.objects.filter(office_id=office_id)
    ]
    orgs = [
        (f"org:{o.code}", f"{o.code} {o.name}")
        for o in CollectionOrganisation.objects.filter(office_id=office_id)
    ]
    return units + orgs


def issue_key_for_office(*, actor: Actor, owner: str, label: str) -> IssuedKey:
    """Issue a key for ``owner`` (``"unit:CODE"`` or ``"org:CODE"``, as ``owners_for_office``
    names it). Contract: only an approver or administrator of the owner's office;
    ``StaffOnly`` for anyone not office staff, ``KeyNotFound`` for a clerk and for an owner
    that is unknown or another office's."""
    _user, office = require_staff_office(actor)
    if not is_approver(actor):
        raise KeyNotFound(owner)
    kind, _sep, code = owner.partition(":")
    found: dict[str, Any]
    if kind == "unit":
        found = {"unit": Unit.objects.filter(code=code, office=office).first()}
    elif kind == "org":
        found = {
            "organisation": CollectionOrganisation.objects.filter(code=code, office=office).first()
        }
    else:
        raise KeyNotFound(owner)
    if None in found.values():
        raise KeyNotFound(owner)
    return issue_key(actor=actor, label=label, **found)


def revoke_key_for_office(*, actor: Actor, key_id: str) -> bool:
    """Revoke one key of the actor's office's units or organisations; False if it was already
    revoked. Contract as ``issue_key_for_office``: a clerk, an unknown or malformed id and
    another office's key all raise ``KeyNotFound``."""
    _user, office = require_staff_office(actor)
    key = get_key_for_office(office.pk, key_id)
    if key is None or not is_approver(actor):
        raise KeyNotFound(key_id)
    return revoke_key(key=key, actor=actor)
