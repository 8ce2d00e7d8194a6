"""Dossier services (DESIGN §3.4, docs/dossiers.md): file a dossier through any channel,
decide it field by field (four eyes for email and phone), withdraw it, and apply the approved
changes to the registry in the transaction of the last decision.

Every function here is the single implementation behind the unit API, the staff API, the
citizen API, the portal and the back office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.accounts import services as accounts
from ansinh.accounts.creation import create_citizen_account
from ansinh.accounts.models import User
from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Person
from ansinh.people.services import cccd_taken, change_personal_data, clean_changes

from . import emails, sla
from .email_change import start_email_change
from .errors import DossierError
from .models import (
    FINAL_STATUSES,
    Attachment,
    ChangeStatus,
    Channel,
    Decision,
    Dossier,
    DossierEvent,
    EventKind,
    FieldDecision,
    FormKind,
    Registration,
    RequestedChange,
    Status,
    new_public_id,
)
from .notify import account_of, announce
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


def _invalid(fields: dict[str, str]) -> DossierError:
    return DossierError(
        400, "invalid_input", _("Some fields are missing or invalid."), fields=fields
    )


def current_value(person: Person | None, field: str) -> str:
    if person is None:
        return ""
    return str(getattr(person, field) or "")


def prepare_changes(*, form: str, person: Person, changes: Any) -> list[tuple[str, str, str]]:
    """Validate proposed changes for ``form``; return (field, old value, new value) for the
    fields that would really change. Raises ``DossierError`` (400)."""
    if not isinstance(changes, dict) or not changes:
        raise DossierError(
            400, "no_changes", _("Enter at least one change."), fields={"changes": _("Required.")}
        )
    allowed = FORM_FIELDS[form]
    refused = {
        str(field): _("This form cannot change this field.")
        for field in changes
        if field not in allowed
    }
    if refused:
        raise _invalid(refused)
    try:
        # A CCCD on record for someone else is not told to the filer (issue 11 m): staff see
        # it at review (``conflicts``) and cannot approve it (``decide_dossier``).
        cleaned = clean_changes(person=person, changes=changes, check_taken=False)
    except ValidationError as exc:
        raise _invalid(
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
        raise DossierError(
            400,
            "no_changes",
            _("Nothing would change: these values are already on record."),
            fields={"changes": _("Nothing would change.")},
        )
    return rows


def _unique_public_id() -> str:
    while Dossier.objects.filter(public_id=(candidate := new_public_id())).exists():
        pass
    return candidate


def _event(
    dossier: Dossier,
    kind: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        status=dossier.status,
        at=now or timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:120],
        note=note[:500],
    )


def store_attachment(dossier: Dossier, checked: CheckedFile, now: dt.datetime) -> Attachment:
    attachment = Attachment(
        dossier=dossier,
        content_type=checked.content_type,
        size=checked.size,
        original_name=checked.name,
        sha256=checked.sha256,
        uploaded_at=now,
    )
    checked.upload.seek(0)
    # The name passed here is ignored: upload_to makes a random one.
    attachment.file.save("upload", File(checked.upload), save=False)
    attachment.save()
    return attachment


def create_dossier(
    *,
    form: str,
    person: Person | None,
    office: Office,
    rows: Sequence[tuple[str, str, str]],
    actor: Actor | None = None,
    identity_checked: bool = False,
    confirmation_required: bool = False,
    note: str = "",
    files: Sequence[CheckedFile] = (),
    registration: Registration | None = None,
    channel: str = "",
    request: HttpRequest | None = None,
) -> Dossier:
    """Write a dossier with its changes, attachments and "submitted" event, announce it and
    audit it, in one transaction. Callers validate first (``prepare_changes``).

    ``actor`` files it (a user or a unit/organisation key, through its channel). ``channel``
    and ``request`` are the older way (an anonymous registrant) for callers not yet moved."""
    if actor is None:
        door = Channel(channel or Channel.PORTAL)
        actor = Actor.from_request(request, door) if request is not None else Actor(channel=door)
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
        event = _event(
            dossier,
            EventKind.SUBMITTED,
            actor=user,
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


# --- The channels -------------------------------------------------------------------------------


CONFIRM_PLEASE = gettext_lazy(
    "Your employer reported hiring you less than 30 days ago. If you asked it to change your email or phone, confirm the dossier in the app or on the portal; otherwise contact your BHXH office."
)


def submit_unit_dossier(*, actor: Actor, person: Person, changes: Any, note: str) -> Dossier:
    """TK1-TS from a unit or collection organisation (the unit API; ``actor.key``). ``person``
    comes from ``access.get_person_for_key``, which refuses anyone but a current employee or
    participant. The unit's touch goes into the person's access log.

    An email or phone change filed by a unit within ``UNIT_HIRE_CONFIRMATION_DAYS`` of its own
    hire of the person (a report's ``hire`` line) is marked ``confirmation_required``: those
    fields can be approved only once the person confirmed the dossier
    (``confirm_dossier_as_person``) or a clerk checked the CCCD at the counter
    (``record_identity_check``). A hire is how a key becomes anyone's employer; this keeps
    such a key from taking over a stranger's recovery address (issue 11 c)."""
    from ansinh.audit.services import log_access

    key = actor.key
    if key is None:
        raise DossierError(
            403, "not_your_employee", _("Only a unit or organisation key may do this.")
        )
    rows = prepare_changes(form=FormKind.TK1_TS, person=person, changes=changes)
    owner = key.unit or key.organisation
    assert owner is not None  # noqa: S101
    confirmation = False
    if key.unit is not None and FOUR_EYES_FIELDS & {field for field, _o, _n in rows}:
        from ansinh.contributions.hires import hired_within

        confirmation = (
            hired_within(
                person=person,
                unit=key.unit,
                days=settings.UNIT_HIRE_CONFIRMATION_DAYS,
                now=timezone.now(),
            )
            is not None
        )
    with transaction.atomic():
        dossier = create_dossier(
            form=FormKind.TK1_TS,
            person=person,
            office=owner.office,
            rows=rows,
            actor=actor,
            confirmation_required=confirmation,
            note=note,
        )
        log_access(person=person, what="dossier_filed", by=actor)
    return dossier


def submit_counter_dossier(
    *,
    actor: Actor,
    person: Person,
    changes: Any,
    identity_checked: bool,
    note: str,
) -> Dossier:
    """02/SĐ-GD taken at the counter by a clerk (or approver) who checked the person's CCCD
    card in person (``identity_checked`` must be true). Filed to the clerk's office; the
    clerk's access to the person is logged."""
    from ansinh.audit.services import log_access

    clerk = actor.user
    if not (clerk is not None and clerk.is_office_staff and clerk.office_id and clerk.office):
        raise DossierError(403, "staff_only", _("Only BHXH office staff may do this."))
    if identity_checked is not True:
        raise DossierError(
            400,
            "identity_not_checked",
            _("Check the person's CCCD card in person before taking the form."),
            fields={"identity_checked": _("Required.")},
        )
    rows = prepare_changes(form=FormKind.SD_GD_02, person=person, changes=changes)
    with transaction.atomic():
        dossier = create_dossier(
            form=FormKind.SD_GD_02,
            person=person,
            office=clerk.office,
            rows=rows,
            actor=actor,
            identity_checked=True,
            note=note,
        )
        log_access(person=person, what="dossier_filed", by=actor)
    return dossier


def submit_change_request(
    *,
    actor: Actor,
    changes: Any,
    office: Office,
    files: Sequence[CheckedFile],
    note: str,
) -> Dossier:
    """A signed-in citizen's own change request (phone, CCCD, address, email) with 1 to
    ``DOSSIER_UPLOAD_MAX_FILES`` checked documents, filed to the receiving office chosen.
    A new CCCD on record for someone else is accepted like any other (issue 11 m)."""
    user = actor.user
    person = user.person if user is not None else None
    if not (user is not None and user.is_citizen and person is not None):
        raise DossierError(403, "citizens_only", _("Only the person may file this request."))
    rows = prepare_changes(form=FormKind.CHANGE_REQUEST, person=person, changes=changes)
    if not files:
        raise DossierError(
            400,
            "documents_required",
            _("Attach at least one image or PDF of your documents (for example your CCCD card)."),
            fields={"documents": _("Required.")},
        )
    return create_dossier(
        form=FormKind.CHANGE_REQUEST,
        person=person,
        office=office,
        rows=rows,
        actor=actor,
        note=note,
        files=files,
    )


# --- Decisions ----------------------------------------------------------------------------------


def _status_of(changes: Sequence[RequestedChange]) -> str:
    states = [c.status for c in changes]
    if ChangeStatus.PENDING in states:
        decided = any(s != ChangeStatus.PENDING for s in states)
        return Status.IN_REVIEW if decided else Status.SUBMITTED
    if ChangeStatus.AWAITING_SECOND in states:
        return Status.AWAITING_SECOND_APPROVAL
    if all(s == ChangeStatus.APPROVED for s in states):
        return Status.APPROVED
    if all(s == ChangeStatus.REJECTED for s in states):
        return Status.REJECTED
    return Status.PARTLY_APPROVED


def decide_dossier(
    *,
    dossier: Dossier,
    actor: Actor,
    decisions: dict[str, str],
    reasons: dict[str, str] | None = None,
    note: str = "",
) -> Dossier:
    """Record ``actor``'s decision on some or all fields of ``dossier`` (from
    ``access.get_dossier_for_staff``, so of the actor's office).

    Contract, all-or-nothing (any error changes nothing):
    * each field must be one the dossier asks to change and each decision ``approve`` or
      ``reject`` (400 ``invalid_input``); a rejection needs a reason (400 ``reason_required``);
    * a field already decided for good: 409 ``already_decided``; a closed dossier: 409
      ``dossier_closed``;
    * email and phone need two approvals by two different staff members: the same person
      deciding such a field a second time gets 409 ``second_approver_required``;
    * a registration (01/ĐK-GD) whose details matched nobody, or whose person already has an
      account, cannot have its email approved (409 ``no_registry_match`` /
      ``already_registered``): staff reject it;
    * when every field is decided, the approved ones are applied to the registry in this same
      transaction (an approved email starts the email-change safety of docs/dossiers.md); if
      applying fails nothing is recorded: 409 ``cannot_apply``;
    * a CCCD on record for someone else cannot be approved (409 ``cccd_taken``); staff see
      it as a conflict (``conflicts``) and reject it;
    * a unit's email or phone change marked ``confirmation_required`` cannot be approved
      until the person confirmed it or a clerk checked the CCCD at the counter (409
      ``person_confirmation_required``).
    The status moves (submitted → in review → awaiting second approval → approved / partly
    approved / rejected), each move is a timeline event, a notice and an email, and the
    decision is audited with who, what and when.
    """
    reasons = reasons or {}
    staff = actor.user
    if not (staff is not None and staff.is_office_staff):
        raise DossierError(403, "staff_only", _("Only BHXH office staff may do this."))
    if not decisions:
        raise DossierError(
            400,
            "invalid_input",
            _("Decide at least one field."),
            fields={"decisions": _("Required.")},
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status in FINAL_STATUSES:
            raise DossierError(409, "dossier_closed", _("This dossier is already closed."))
        changes = {c.field: c for c in locked.changes.select_for_update().all()}
        bad = {
            field: _("Not a field of this dossier.")
            if field not in changes
            else _("Use approve or reject.")
            for field, value in decisions.items()
            if field not in changes or value not in Decision.values
        }
        if bad:
            raise _invalid(bad)
        missing_reason = {
            field: _("Give a reason for the rejection.")
            for field, value in decisions.items()
            if value == Decision.REJECT and not (reasons.get(field) or "").strip()
        }
        if missing_reason:
            raise DossierError(
                400,
                "reason_required",
                _("Give a reason for each rejection."),
                fields=missing_reason,
            )
        for field, value in decisions.items():
            change = changes[field]
            if change.status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED):
                raise DossierError(
                    409,
                    "already_decided",
                    _("This field was already decided."),
                    fields={field: _("Already decided.")},
                )
            if change.decisions.filter(decided_by=staff).exists():
                raise DossierError(
                    409,
                    "second_approver_required",
                    _("A change of email or phone needs a second, different approver."),
                    fields={field: _("Another staff member must decide this.")},
                )
            if value != Decision.APPROVE:
                continue
            if locked.form == FormKind.DK_GD_01 and field == "email":
                _check_registration_approvable(locked)
            if field in FOUR_EYES_FIELDS and locked.awaits_person:
                raise DossierError(
                    409,
                    "person_confirmation_required",
                    _(
                        "The unit hired this person less than 30 days ago: the person must confirm this change, or a clerk must check their CCCD card at the counter, before it can be approved."
                    ),
                    fields={field: _("Waiting for the person's confirmation.")},
                )
            if field == "cccd" and cccd_taken(change.new_value, person=locked.person):
                raise DossierError(
                    409,
                    "cccd_taken",
                    _("This CCCD number is on record for another person: reject this field."),
                    fields={field: _("On record for another person.")},
                )
        for field, value in decisions.items():
            change = changes[field]
            FieldDecision.objects.create(
                change=change,
                decision=value,
                reason=(reasons.get(field) or "").strip()[:300],
                decided_by=staff,
                decided_at=now,
            )
            if value == Decision.REJECT:
                change.status = ChangeStatus.REJECTED
            elif field in FOUR_EYES_FIELDS and change.status == ChangeStatus.PENDING:
                change.status = ChangeStatus.AWAITING_SECOND
            else:
                change.status = ChangeStatus.APPROVED
            change.save(update_fields=["status"])
        new_status = _status_of(list(changes.values()))
        record(
            "dossier.decided",
            subject=account_of(locked),
            by=actor,
            details={
                "dossier": locked.public_id,
                "decisions": dict(decisions),
                "status": new_status,
            },
        )
        if new_status != locked.status:
            locked.status = new_status
            update = ["status"]
            if new_status in FINAL_STATUSES:
                locked.closed_at = now
                update.append("closed_at")
            locked.save(update_fields=update)
            if new_status in FINAL_STATUSES:
                try:
                    _apply(locked, staff, now)
                except ValidationError as exc:
                    raise DossierError(
                        409, "cannot_apply", " ".join(str(m) for m in exc.messages)
                    ) from None
            event = _event(locked, new_status, actor=staff, note=note, now=now)
            announce(locked, event)
    dossier.refresh_from_db()
    return dossier


def confirm_dossier_as_person(*, dossier: Dossier, actor: Actor) -> Dossier:
    """The person confirms a unit's change that waits for them (``confirmation_required``).

    ``dossier`` comes from ``access.get_dossier_for_citizen`` (a dossier about the signed-in
    citizen). A dossier that needs no confirmation: 409 ``nothing_to_confirm``; a closed one:
    409 ``dossier_closed``. Idempotent once confirmed."""
    user = actor.user
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if user is None or not user.is_citizen or locked.person_id != user.person_id:
            raise DossierError(403, "citizens_only", _("Only the person may confirm this."))
        if not locked.confirmation_required:
            raise DossierError(
                409, "nothing_to_confirm", _("This dossier does not need your confirmation.")
            )
        if locked.status in FINAL_STATUSES:
            raise DossierError(409, "dossier_closed", _("This dossier is already closed."))
        if locked.person_confirmed_at is None:
            now = timezone.now()
            locked.person_confirmed_at = now
            locked.save(update_fields=["person_confirmed_at"])
            _event(locked, EventKind.PERSON_CONFIRMED, actor=user, now=now)
            record(
                "dossier.person_confirmed",
                subject=user,
                by=actor,
                details={"dossier": locked.public_id},
            )
    dossier.refresh_from_db()
    return dossier


def record_identity_check(*, dossier: Dossier, actor: Actor) -> Dossier:
    """A clerk of the dossier's office saw the person's CCCD card at the counter: recorded on
    the dossier (who, when), which lets a ``confirmation_required`` change be approved.
    ``dossier`` comes from ``access.get_dossier_for_staff``; a closed one: 409
    ``dossier_closed``."""
    staff = actor.user
    if not (staff is not None and staff.is_office_staff):
        raise DossierError(403, "staff_only", _("Only BHXH office staff may do this."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status in FINAL_STATUSES:
            raise DossierError(409, "dossier_closed", _("This dossier is already closed."))
        if not locked.identity_checked:
            now = timezone.now()
            locked.identity_checked = True
            locked.identity_checked_by, locked.identity_checked_at = staff, now
            locked.save(
                update_fields=["identity_checked", "identity_checked_by", "identity_checked_at"]
            )
            _event(locked, EventKind.IDENTITY_CHECKED, actor=staff, now=now)
            record(
                "dossier.identity_checked",
                subject=account_of(locked),
                by=actor,
                details={"dossier": locked.public_id},
            )
    dossier.refresh_from_db()
    return dossier


def _check_registration_approvable(dossier: Dossier) -> None:
    if dossier.person is None:
        raise DossierError(
            409,
            "no_registry_match",
            _("The registration's details match nobody in the registry: reject it."),
        )
    if account_of(dossier) is not None:
        raise DossierError(
            409,
            "already_registered",
            _("This person already has an account: reject the registration."),
        )


def _apply(dossier: Dossier, actor: User, now: dt.datetime) -> None:
    """Change the registry as the approved fields say (caller's transaction)."""
    approved = {
        c.field: c.new_value for c in dossier.changes.all() if c.status == ChangeStatus.APPROVED
    }
    person = dossier.person
    if not approved or person is None:
        return
    new_email = approved.pop("email", None)
    if approved:
        change_personal_data(
            person=person,
            changes=approved,
            actor=actor,
            dossier_ref=dossier.public_id,
            reason=f"dossier {dossier.form}",
        )
    if dossier.form == FormKind.DK_GD_01:
        if new_email is not None:
            _check_registration_approvable(dossier)
            # The registration proved the address by code before it was filed.
            start_email_change(
                dossier=dossier, person=person, new_email=new_email, actor=actor, proven=True
            )
            _create_account(dossier, person, actor, now)
    elif new_email is not None:
        start_email_change(
            dossier=dossier, person=person, new_email=new_email, actor=actor, proven=False
        )


def _create_account(dossier: Dossier, person: Person, actor: User, now: dt.datetime) -> User:
    """The e-transaction account of an approved registration, with a temporary password that
    works once within ``TEMPORARY_PASSWORD_TTL_SECONDS`` and forces a change, emailed to the
    address the registration confirmed."""
    registration = dossier.registration
    person.refresh_from_db()
    user = create_citizen_account(
        person=person,
        # The decision's audit row has the address; this one keeps the door (as before).
        by=Actor(channel=Channel.BACKOFFICE, user=actor),
        language=registration.language,
        details={"dossier": dossier.public_id},
    )
    temporary = accounts.issue_temporary_password(user=user)
    emails.send_registration_credentials(
        user=user,
        temporary_password=temporary,
        expires_at=user.password_expires_at or now,
        dossier_id=dossier.public_id,
    )
    return user


def withdraw_dossier(*, dossier: Dossier, actor: Actor) -> Dossier:
    """The citizen who filed a dossier withdraws it while it is still open (409
    ``dossier_closed`` otherwise; 403 ``not_your_dossier`` for dossiers others filed)."""
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        user = actor.user
        if user is None or locked.submitted_by_user_id != user.pk:
            raise DossierError(
                403, "not_your_dossier", _("Only whoever filed a dossier may withdraw it.")
            )
        if locked.status in FINAL_STATUSES:
            raise DossierError(409, "dossier_closed", _("This dossier is already closed."))
        now = timezone.now()
        locked.status, locked.closed_at = Status.WITHDRAWN, now
        locked.save(update_fields=["status", "closed_at"])
        event = _event(locked, EventKind.WITHDRAWN, actor=user, now=now)
        record(
            "dossier.withdrawn",
            subject=user,
            by=actor,
            details={"dossier": locked.public_id},
        )
        announce(locked, event)
    dossier.refresh_from_db()
    return dossier


__all__ = [
    "FORM_FIELDS",
    "FOUR_EYES_FIELDS",
    "confirm_dossier_as_person",
    "create_dossier",
    "decide_dossier",
    "prepare_changes",
    "record_identity_check",
    "submit_change_request",
    "submit_counter_dossier",
    "submit_unit_dossier",
    "withdraw_dossier",
]
