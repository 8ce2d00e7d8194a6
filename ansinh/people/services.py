"""Registry services: the only code that changes a person's data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts.models import User
from ansinh.audit.services import record
from ansinh.lib import identifiers

from .models import Person, PersonChange

# Fields a dossier may change, with the normaliser each value goes through first.
CHANGEABLE_FIELDS: dict[str, Any] = {
    "email": identifiers.normalize_email,
    "phone": identifiers.normalize_phone,
    "cccd": identifiers.validate_cccd,
    "address": lambda v: v.strip(),
    "full_name": lambda v: " ".join(v.split()),
}


def change_personal_data(
    *,
    person: Person,
    changes: dict[str, str],
    actor: User | None,
    dossier_ref: str = "",
    reason: str = "",
) -> list[PersonChange]:
    """Apply ``changes`` (field → new value) to ``person`` in one transaction.

    Contract: every value is normalised and validated before anything is written; a CCCD must
    agree with the date of birth and sex on record; each changed field gets a ``PersonChange``
    row (old, new, dossier, who, when) and an audit event. A new email is stored unverified:
    it becomes a recovery address only after its owner confirms it.
    """
    unknown = set(changes) - set(CHANGEABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    cleaned = {field: CHANGEABLE_FIELDS[field](value) for field, value in changes.items()}
    if "cccd" in cleaned:
        identifiers.check_cccd_matches(
            cleaned["cccd"], sex=person.sex, date_of_birth=person.date_of_birth
        )
        if Person.objects.filter(cccd=cleaned["cccd"]).exclude(pk=person.pk).exists():
            raise ValidationError(
                _("This CCCD number belongs to another person."), code="cccd_taken"
            )
    now = timezone.now()
    rows: list[PersonChange] = []
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        update_fields = ["updated_at"]
        for field, new_value in cleaned.items():
            old_value = getattr(locked, field) or ""
            if old_value == new_value:
                continue
            setattr(locked, field, new_value)
            update_fields.append(field)
            if field == "email":
                locked.email_verified = False
                update_fields.append("email_verified")
            rows.append(
                PersonChange(
                    person=locked,
                    field=field,
                    old_value=old_value,
                    new_value=new_value,
                    dossier_ref=dossier_ref,
                    changed_by=actor,
                    changed_at=now,
                    reason=reason,
                )
            )
        if rows:
            locked.save(update_fields=update_fields)
            PersonChange.objects.bulk_create(rows)
            record(
                "person.changed",
                actor=actor,
                subject=getattr(locked, "account", None),
                details={"fields": [r.field for r in rows], "dossier": dossier_ref},
            )
    person.refresh_from_db()
    return rows
