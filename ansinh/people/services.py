"""Registry services: the only code that changes a person's data."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.audit.services import record
from ansinh.lib import identifiers

from .models import CollectionOrganisation, Employment, Participation, Person, PersonChange, Unit

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor


def normalize_text(value: str) -> str:
    """Collapse runs of whitespace to one space; ``ValidationError(code="invalid_characters")``
    for control characters (NUL, which PostgreSQL cannot store, ESC, DEL…) and lone surrogates
    (not encodable as UTF-8). Both once answered 500 (found by the API fuzzer)."""
    value = " ".join(value.split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValidationError(
            _("Contains characters that are not allowed."), code="invalid_characters"
        )
    return value


# Fields a dossier may change, with the normaliser each value goes through first.
CHANGEABLE_FIELDS: dict[str, Any] = {
    "email": identifiers.normalize_email,
    "phone": identifiers.normalize_phone,
    "cccd": identifiers.normalize_cccd,  # as typed: "001 090 012 345", full-width digits
    "address": normalize_text,
    "full_name": normalize_text,
}
# Longest value a dossier may propose per field, before normalising (the model's column sizes;
# a CCCD may be typed with separators: "001.090.012.345" is 15 characters).
MAX_LENGTHS = {"email": 254, "phone": 20, "cccd": 20, "address": 300, "full_name": 100}


def cccd_taken(value: str, *, person: Person | None) -> bool:
    """Whether the CCCD ``value`` is on record for someone other than ``person``."""
    others = Person.objects.filter(cccd=value)
    if person is not None:
        others = others.exclude(pk=person.pk)
    return others.exists()


def clean_changes(
    *, person: Person | None, changes: dict[str, str], check_taken: bool = True
) -> dict[str, str]:
    """Normalise and validate proposed changes without writing anything.

    Raises ``ValidationError`` with ``error_dict`` keyed by field: unknown fields, values of the
    wrong format, a CCCD that disagrees with the registry's sex and date of birth or (unless
    ``check_taken`` is false: filing a dossier, where the answer must not tell whose a CCCD
    is) belongs to someone else, an empty address or name.
    """
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, str] = {}
    for field, value in changes.items():
        if field not in CHANGEABLE_FIELDS:
            errors[field] = [ValidationError(_("This field cannot be changed."), code="unknown")]
            continue
        if not isinstance(value, str) or len(value) > MAX_LENGTHS[field]:
            errors[field] = [ValidationError(_("Invalid value."), code="invalid")]
            continue
        try:
            new_value = CHANGEABLE_FIELDS[field](value)
            if not new_value:
                raise ValidationError(_("This field is required."), code="required")
            if field == "cccd" and person is not None:
                identifiers.check_cccd_matches(
                    new_value, sex=person.sex, date_of_birth=person.date_of_birth
                )
                if check_taken and cccd_taken(new_value, person=person):
                    raise ValidationError(
                        _("This CCCD number belongs to another person."), code="cccd_taken"
                    )
        except ValidationError as exc:
            errors[field] = [exc]
            continue
        cleaned[field] = new_value
    if errors:
        raise ValidationError(errors)
    return cleaned


def change_personal_data(
    *,
    person: Person,
    changes: dict[str, str],
    actor: Actor,
    dossier_ref: str = "",
    reason: str = "",
    email_confirmed: bool = False,
) -> list[PersonChange]:
    """Apply ``changes`` (field → new value) to ``person`` in one transaction.

    Contract: every value is normalised and validated before anything is written; a CCCD must
    agree with the date of birth and sex on record; each changed field gets a ``PersonChange``
    row (old, new, dossier, who, when) and one audit event covers them. ``actor`` is who acts
    (the deciding staff member, the person confirming by code, the old address disputing): its
    user is the rows' ``changed_by``, and the audit event keeps its door and client address.

    A new email never replaces the recovery address by itself: unless ``email_confirmed`` (its
    owner already proved they read it, e.g. a registration confirmed by code) it is stored as
    ``pending_email`` (history field ``pending_email``) and ``email``/``email_verified`` stay as
    they are until :func:`confirm_pending_email`. With ``email_confirmed`` the address becomes
    ``email`` at once, verified.
    """
    cleaned = clean_changes(person=person, changes=changes)
    now = timezone.now()
    rows: list[PersonChange] = []

    def change(locked: Person, field: str, new_value: str, update_fields: list[str]) -> None:
        old_value = getattr(locked, field) or ""
        if old_value == new_value:
            return
        setattr(locked, field, new_value)
        update_fields.append(field)
        rows.append(
            PersonChange(
                person=locked,
                field=field,
                old_value=old_value,
                new_value=new_value,
                dossier_ref=dossier_ref,
                changed_by=actor.user,
                changed_at=now,
                reason=reason,
            )
        )

    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        update_fields = ["updated_at"]
        for field, new_value in cleaned.items():
            if field != "email":
                change(locked, field, new_value, update_fields)
            elif email_confirmed:
                change(locked, "email", new_value, update_fields)
                if not locked.email_verified:
                    _set_verified(
                        locked, True, update_fields, rows, dossier_ref, actor, now, reason
                    )
                if locked.pending_email == new_value:
                    change(locked, "pending_email", "", update_fields)
            elif not (locked.email == new_value and locked.email_verified):
                change(locked, "pending_email", new_value, update_fields)
        _save(locked, update_fields, rows, actor, dossier_ref)
    person.refresh_from_db()
    return rows


def _set_verified(
    locked: Person,
    verified: bool,
    update_fields: list[str],
    rows: list[PersonChange],
    dossier_ref: str,
    actor: Actor,
    now: Any,
    reason: str,
) -> None:
    """Record a change of ``email_verified`` (history keeps "true"/"false")."""
    rows.append(
        PersonChange(
            person=locked,
            field="email_verified",
            old_value=str(locked.email_verified).lower(),
            new_value=str(verified).lower(),
            dossier_ref=dossier_ref,
            changed_by=actor.user,
            changed_at=now,
            reason=reason,
        )
    )
    locked.email_verified = verified
    update_fields.append("email_verified")


def _save(
    locked: Person,
    update_fields: list[str],
    rows: list[PersonChange],
    actor: Actor,
    dossier_ref: str,
) -> None:
    if not rows:
        return
    locked.save(update_fields=list(dict.fromkeys(update_fields)))
    PersonChange.objects.bulk_create(rows)
    record(
        "person.changed",
        by=actor,
        subject=getattr(locked, "account", None),
        details={"fields": [r.field for r in rows], "dossier": dossier_ref},
    )


def confirm_pending_email(
    *, person: Person, expected: str, actor: Actor, dossier_ref: str = ""
) -> list[PersonChange]:
    """Make the pending email the verified recovery address, once its owner entered the code.

    ``expected`` is the address the code was sent to: if the pending email changed since
    (another dossier), nothing happens and ``ValidationError(code="pending_email_changed")``
    is raised.
    """
    now = timezone.now()
    rows: list[PersonChange] = []
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if not expected or locked.pending_email != expected:
            raise ValidationError(
                _("This email is no longer waiting for confirmation."),
                code="pending_email_changed",
            )
        update_fields = ["updated_at", "pending_email"]
        for field, old, new in (
            ("email", locked.email, expected),
            ("pending_email", locked.pending_email, ""),
        ):
            if old != new:
                rows.append(
                    PersonChange(
                        person=locked,
                        field=field,
                        old_value=old,
                        new_value=new,
                        dossier_ref=dossier_ref,
                        changed_by=actor.user,
                        changed_at=now,
                        reason="confirmed by code",
                    )
                )
        locked.email, locked.pending_email = expected, ""
        update_fields.append("email")
        if not locked.email_verified:
            _set_verified(
                locked, True, update_fields, rows, dossier_ref, actor, now, "confirmed by code"
            )
        _save(locked, update_fields, rows, actor, dossier_ref)
    person.refresh_from_db()
    return rows


def clear_pending_email(
    *, person: Person, actor: Actor, dossier_ref: str = "", reason: str = ""
) -> list[PersonChange]:
    """Drop an unconfirmed new email (a cancelled change); the address on record stays."""
    now = timezone.now()
    rows: list[PersonChange] = []
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.pending_email:
            rows.append(
                PersonChange(
                    person=locked,
                    field="pending_email",
                    old_value=locked.pending_email,
                    new_value="",
                    dossier_ref=dossier_ref,
                    changed_by=actor.user,
                    changed_at=now,
                    reason=reason,
                )
            )
            locked.pending_email = ""
            _save(locked, ["updated_at", "pending_email"], rows, actor, dossier_ref)
    person.refresh_from_db()
    return rows


# --- Who a unit or collection organisation may file for ----------------------------------------


def current_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def is_current_employee(*, person: Person, unit: Unit) -> bool:
    """Whether ``person`` works for ``unit`` this month (an open or still running employment)."""
    month = current_month()
    return (
        Employment.objects.filter(person=person, unit=unit, start_month__lte=month)
        .filter(Q(end_month="") | Q(end_month__gte=month))
        .exists()
    )


def is_registered_participant(*, person: Person, organisation: CollectionOrganisation) -> bool:
    """Whether ``person`` is registered with ``organisation`` this month."""
    month = current_month()
    return (
        Participation.objects.filter(
            person=person, organisation=organisation, start_month__lte=month
        )
        .filter(Q(end_month="") | Q(end_month__gte=month))
        .exists()
    )
