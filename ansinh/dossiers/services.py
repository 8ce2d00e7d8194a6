"""Dossier services (DESIGN §3.4, docs/dossiers.md): the entry points of every dossier flow.
File a dossier through any channel, decide it field by field (four eyes for email and phone),
hold a unit's change for the person's confirmation or a counter check, withdraw it; the
approved changes reach the registry in the transaction of the last decision.

Every function here is the single implementation behind the unit API, the staff API, the
citizen API, the portal and the back office. The steps they share live by flow: ``filing``
(the forms' fields, checking proposed changes, writing a dossier), ``deciding`` (the rules of
each field decision, the resulting status, applying approved fields), ``timeline`` (events);
a registration (01/ĐK-GD) is filed by ``registration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.models import Office, Person

from .claims import after_decision, check_free_for
from .deciding import (
    apply_approved,
    check_decisions,
    record_decisions,
    status_of,
    withdraw_fields,
)
from .errors import Conflict, DossierError, Forbidden, Invalid
from .filing import FOUR_EYES_FIELDS, create_dossier, prepare_changes
from .models import FINAL_STATUSES, Dossier, EventKind, FormKind, Status
from .notify import account_of, announce
from .timeline import add_event
from .uploads import CheckedFile

# --- Filing, by channel -------------------------------------------------------------------------


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
        raise Forbidden("not_your_employee", _("Only a unit or organisation key may do this."))
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
        log_access(person=person, what="dossier_filed", by=actor, dossier=dossier)
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
        raise Forbidden("staff_only", _("Only BHXH office staff may do this."))
    if identity_checked is not True:
        raise Invalid(
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
        log_access(person=person, what="dossier_filed", by=actor, dossier=dossier)
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
        raise Forbidden("citizens_only", _("Only the person may file this request."))
    rows = prepare_changes(form=FormKind.CHANGE_REQUEST, person=person, changes=changes)
    if not files:
        raise Invalid(
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


# --- Decisions and holds ----------------------------------------------------------------------


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
    * while another staff member holds the dossier (``claims``: "Nhận xử lý", not lapsed):
      409 ``claimed_by_other``; a decision leaving no first decision ends the hold;
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
        raise Forbidden("staff_only", _("Only BHXH office staff may do this."))
    if not decisions:
        raise Invalid(
            "invalid_input",
            _("Decide at least one field."),
            fields={"decisions": _("Required.")},
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status in FINAL_STATUSES:
            raise Conflict("dossier_closed", _("This dossier is already closed."))
        check_free_for(locked, actor, now)
        changes = {c.field: c for c in locked.changes.select_for_update().all()}
        check_decisions(locked, changes, decisions=decisions, reasons=reasons, actor=actor)
        record_decisions(changes, decisions=decisions, reasons=reasons, actor=actor, now=now)
        new_status = status_of(list(changes.values()))
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
                    apply_approved(locked, actor, now)
                except ValidationError as exc:
                    raise Conflict("cannot_apply", " ".join(str(m) for m in exc.messages)) from None
            event = add_event(locked, new_status, actor=actor, note=note, now=now)
            announce(locked, event)
        after_decision(locked, actor, now)
    dossier.refresh_from_db()
    return dossier


def record_identity_check(*, dossier: Dossier, actor: Actor) -> Dossier:
    """A clerk of the dossier's office saw the person's CCCD card at the counter: recorded on
    the dossier (who, when), which lets a ``confirmation_required`` change be approved.
    ``dossier`` comes from ``access.get_dossier_for_staff``; a closed one: 409
    ``dossier_closed``."""
    staff = actor.user
    if not (staff is not None and staff.is_office_staff):
        raise Forbidden("staff_only", _("Only BHXH office staff may do this."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status in FINAL_STATUSES:
            raise Conflict("dossier_closed", _("This dossier is already closed."))
        if not locked.identity_checked:
            now = timezone.now()
            locked.identity_checked = True
            locked.identity_checked_by, locked.identity_checked_at = staff, now
            locked.save(
                update_fields=["identity_checked", "identity_checked_by", "identity_checked_at"]
            )
            add_event(locked, EventKind.IDENTITY_CHECKED, actor=actor, now=now)
            record(
                "dossier.identity_checked",
                subject=account_of(locked),
                by=actor,
                details={"dossier": locked.public_id},
            )
    dossier.refresh_from_db()
    return dossier


# --- The person's part: confirmation and withdrawal -------------------------------------------


def confirm_dossier_as_person(*, dossier: Dossier, actor: Actor) -> Dossier:
    """The person confirms a unit's change that waits for them (``confirmation_required``).

    ``dossier`` comes from ``access.get_dossier_for_citizen`` (a dossier about the signed-in
    citizen). A dossier that needs no confirmation: 409 ``nothing_to_confirm``; a closed one:
    409 ``dossier_closed``. Idempotent once confirmed."""
    user = actor.user
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if user is None or not user.is_citizen or locked.person_id != user.person_id:
            raise Forbidden("citizens_only", _("Only the person may confirm this."))
        if not locked.confirmation_required:
            raise Conflict("nothing_to_confirm", _("This dossier does not need your confirmation."))
        if locked.status in FINAL_STATUSES:
            raise Conflict("dossier_closed", _("This dossier is already closed."))
        if locked.person_confirmed_at is None:
            now = timezone.now()
            locked.person_confirmed_at = now
            locked.save(update_fields=["person_confirmed_at"])
            add_event(locked, EventKind.PERSON_CONFIRMED, actor=actor, now=now)
            record(
                "dossier.person_confirmed",
                subject=user,
                by=actor,
                details={"dossier": locked.public_id},
            )
    dossier.refresh_from_db()
    return dossier


def _withdraw_refusal(dossier: Dossier, actor: Actor) -> DossierError | None:
    user = actor.user
    if user is None or dossier.submitted_by_user_id != user.pk:
        return Forbidden("not_your_dossier", _("Only whoever filed a dossier may withdraw it."))
    if dossier.status in FINAL_STATUSES:
        return Conflict("dossier_closed", _("This dossier is already closed."))
    return None


def may_withdraw(*, dossier: Dossier, actor: Actor) -> bool:
    """Whether ``withdraw_dossier`` would let the actor withdraw the dossier now: the pages
    offer "Rút hồ sơ" (and its confirmation) only then."""
    return _withdraw_refusal(dossier, actor) is None


def withdraw_dossier(*, dossier: Dossier, actor: Actor) -> Dossier:
    """The citizen who filed a dossier withdraws it while it is still open (409
    ``dossier_closed`` otherwise; 403 ``not_your_dossier`` for dossiers others filed)."""
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        refusal = _withdraw_refusal(locked, actor)
        if refusal is not None:
            raise refusal
        user = actor.user
        now = timezone.now()
        locked.status, locked.closed_at = Status.WITHDRAWN, now
        locked.save(update_fields=["status", "closed_at"])
        withdraw_fields(locked)
        event = add_event(locked, EventKind.WITHDRAWN, actor=actor, now=now)
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
    "confirm_dossier_as_person",
    "decide_dossier",
    "may_withdraw",
    "record_identity_check",
    "submit_change_request",
    "submit_counter_dossier",
    "submit_unit_dossier",
    "withdraw_dossier",
]
