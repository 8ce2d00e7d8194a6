"""Filing a dossier (docs/dossiers.md): which fields each form may change, the proposed
changes checked against the record (``prepare_changes``), and the dossier written with its
changes, attachments and "submitted" event, announced and audited (``create_dossier``).

The channels' entry points (a unit's TK1-TS, a counter's 02/SĐ-GD, a citizen's change request)
are in ``services``; a registration (01/ĐK-GD) is filed by ``registration``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Person
from ansinh.people.services import clean_changes

from . import sla
from .errors import Invalid
from .models import (
    Attachment,
    AttachmentKind,
    Dossier,
    EventKind,
    FormKind,
    Registration,
    RequestedChange,
    new_public_id,
)
from .notify import account_of, announce
from .timeline import add_event
from .uploads import CheckedFile

# Which fields each form may change (DESIGN §3.4).
FORM_FIELDS: dict[str, frozenset[str]] = {
    FormKind.TK1_TS: frozenset({"email", "phone", "cccd", "address", "full_name"}),
    FormKind.SD_GD_02: frozenset({"email", "phone"}),
    FormKind.CHANGE_REQUEST: frozenset({"phone", "cccd", "address", "email"}),
    FormKind.DK_GD_01: frozenset({"email", "phone"}),
}
# A change of these needs two approvals by two different staff members (security G5).
FOUR_EYES_FIELDS = frozenset({"email", "phone"})


def invalid_input(fields: dict[str, str]) -> Invalid:
    """The 400 ``invalid_input`` error with a message per field."""
    return Invalid("invalid_input", _("Some fields are missing or invalid."), fields=fields)


def current_value(person: Person | None, field: str) -> str:
    if person is None:
        return ""
    return str(getattr(person, field) or "")


def prepare_changes(*, form: str, person: Person, changes: Any) -> list[tuple[str, str, str]]:
    """Validate proposed changes for ``form``; return (field, old value, new value) for the
    fields that would really change. Raises ``Invalid``."""
    if not isinstance(changes, dict) or not changes:
        raise Invalid(
            "no_changes", _("Enter at least one change."), fields={"changes": _("Required.")}
        )
    allowed = FORM_FIELDS[form]
    refused = {
        str(field): _("This form cannot change this field.")
        for field in changes
        if field not in allowed
    }
    if refused:
        raise invalid_input(refused)
    try:
        # A CCCD on record for someone else is not told to the filer (issue 11 m): staff see
        # it at review (``conflicts``) and cannot approve it (``decide_dossier``).
        cleaned = clean_changes(person=person, changes=changes, check_taken=False)
    except ValidationError as exc:
        raise invalid_input(
            {
                field: " ".join(str(m) for e in errs for m in e.messages)
                for field, errs in exc.error_dict.items()
            }
        ) from None
    rows = []
    for field, new in cleaned.items():
        old = current_value(person, field)
        unchanged = old == new and (field != "email" or person.email_verified)
        if not unchanged:
            rows.append((field, old, new))
    if not rows:
        raise Invalid(
            "no_changes",
            _("Nothing would change: these values are already on record."),
            fields={"changes": _("Nothing would change.")},
        )
    return rows


def _unique_public_id() -> str:
    while Dossier.objects.filter(public_id=(candidate := new_public_id())).exists():
        pass
    return candidate


def store_attachment(
    dossier: Dossier | None,
    checked: CheckedFile,
    now: dt.datetime,
    *,
    kind: str = AttachmentKind.DOCUMENT,
    registration: Registration | None = None,
) -> Attachment:
    """Write ``checked`` under a random name, for ``dossier`` (or, until it files one, for
    ``registration``)."""
    attachment = Attachment(
        dossier=dossier,
        registration=registration,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        original_name=checked.name,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    checked.upload.seek(0)
    # The name passed here is ignored: upload_to makes a random one.
    attachment.file.save("upload", File(checked.upload), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)  # no row, no file
        raise
    return attachment


CONFIRM_PLEASE = gettext_lazy(
    "Your employer reported hiring you less than 30 days ago. If you asked it to change your email or phone, confirm the dossier in the app or on the portal; otherwise contact your BHXH office."
)


def create_dossier(
    *,
    form: str,
    person: Person | None,
    office: Office,
    rows: Sequence[tuple[str, str, str]],
    actor: Actor,
    identity_checked: bool = False,
    confirmation_required: bool = False,
    note: str = "",
    files: Sequence[CheckedFile] = (),
    registration: Registration | None = None,
) -> Dossier:
    """Write a dossier with its changes, attachments and "submitted" event, announce it and
    audit it, in one transaction. Callers validate first (``prepare_changes``).

    ``actor`` files it: a user or a unit/organisation key, or nobody (an anonymous registrant),
    through its channel, which the dossier keeps."""
    user, key, channel = actor.user, actor.key, actor.channel
    now = timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.create(
            public_id=_unique_public_id(),
            form=form,
            person=person,
            office=office,
            channel=channel,
            submitted_by_user=user,
            submitted_by_unit=key.unit if key is not None else None,
            submitted_by_organisation=key.organisation if key is not None else None,
            submitted_by_key=key,
            identity_checked=identity_checked,
            identity_checked_by=user if identity_checked else None,
            identity_checked_at=now if identity_checked else None,
            confirmation_required=confirmation_required,
            note=note[:500],
            submitted_at=now,
            due_date=sla.due_date(timezone.localdate(now)),
        )
        RequestedChange.objects.bulk_create(
            [
                RequestedChange(dossier=dossier, field=field, old_value=old, new_value=new)
                for field, old, new in rows
            ]
        )
        for checked in files:
            store_attachment(dossier, checked, now)
        if registration is not None:
            registration.dossier = dossier
            registration.save(update_fields=["dossier"])
            # Its photos (CCCD front, back, portrait) now belong to the dossier too.
            registration.attachments.filter(dossier__isnull=True).update(dossier=dossier)
        event = add_event(
            dossier,
            EventKind.SUBMITTED,
            actor=actor,
            actor_label=key.owner_code if key is not None else "",
            note=note,
            now=now,
        )
        record(
            "dossier.submitted",
            subject=account_of(dossier),
            by=actor,
            details={
                "dossier": dossier.public_id,
                "form": form,
                "fields": [field for field, _old, _new in rows],
                "key": str(key.public_id) if key is not None else "",
                "confirmation_required": confirmation_required,
            },
        )
        announce(dossier, event, extra=CONFIRM_PLEASE if confirmation_required else None)
    return dossier
