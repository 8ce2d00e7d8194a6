"""Deciding a dossier field by field (docs/dossiers.md): the rules each decision must pass,
the status the fields' states add up to, and what approval changes in the registry.

``check_decisions`` holds the per-field rules of ``services.decide_dossier``: well-formed
decisions with a reason for each rejection; a field decided for good stays decided; four eyes
for email and phone (whoever decided such a field once cannot decide it again); and the holds:
a registration that matched nobody, whose identifier, name and date of birth do not all match
the registry now, or whose person has an account (any of its fields), a unit's change waiting for
the person's confirmation or a counter check, a CCCD on record for someone else.
``record_decisions`` writes the decisions, ``status_of`` is the status they add up to, and
``apply_approved`` changes the registry as the approved fields say, in the transaction of the
last decision (an approved email starts the email-change safety; an approved registration gets
its account).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from ansinh.accounts import services as accounts
from ansinh.accounts.creation import create_citizen_account
from ansinh.accounts.models import User
from ansinh.lib.actor import Actor
from ansinh.people.models import Person
from ansinh.people.services import cccd_taken, change_personal_data

from . import emails, registry_checks
from .email_change import start_email_change
from .errors import Conflict, Invalid
from .filing import FOUR_EYES_FIELDS, invalid_input
from .models import (
    ChangeStatus,
    Decision,
    Dossier,
    FieldDecision,
    FormKind,
    RequestedChange,
    Status,
)
from .notify import account_of
from .reasons import offered


def check_decisions(
    locked: Dossier,
    changes: Mapping[str, RequestedChange],
    *,
    decisions: Mapping[str, str],
    reasons: Mapping[str, str],
    actor: Actor,
    reason_codes: Mapping[str, str] | None = None,
) -> None:
    """Raise a ``DomainError`` unless every one of ``actor``'s ``decisions`` on ``locked`` (its
    ``changes`` by field, locked) may be recorded; changes nothing. A rejection needs a
    reason: a preset (``reason_codes``, one of ``reasons.offered()``), free text, or both."""
    codes = reason_codes or {}
    bad = {
        field: _("Not a field of this dossier.")
        if field not in changes
        else _("Use approve or reject.")
        for field, value in decisions.items()
        if field not in changes or value not in Decision.values
    }
    offered_codes = {code for code, _label in offered()}
    bad.update(
        {
            field: _("Not a field of this dossier.")
            if field not in changes
            else _("Choose one of the listed reasons.")
            for field, code in codes.items()
            if code and (field not in changes or code not in offered_codes)
        }
    )
    if bad:
        raise invalid_input(bad)
    missing_reason = {
        field: _("Give a reason for the rejection.")
        for field, value in decisions.items()
        if value == Decision.REJECT
        and not (reasons.get(field) or "").strip()
        and not codes.get(field)
    }
    if missing_reason:
        raise Invalid(
            "reason_required",
            _("Give a reason for each rejection."),
            fields=missing_reason,
        )
    for field, value in decisions.items():
        change = changes[field]
        if change.status in (ChangeStatus.APPROVED, ChangeStatus.REJECTED):
            raise Conflict(
                "already_decided",
                _("This field was already decided."),
                fields={field: _("Already decided.")},
            )
        if change.decisions.filter(decided_by=actor.user).exists():
            raise Conflict(
                "second_approver_required",
                _("A change of email or phone needs a second, different approver."),
                fields={field: _("Another staff member must decide this.")},
            )
        if value != Decision.APPROVE:
            continue
        if locked.form == FormKind.DK_GD_01:
            _check_registration_approvable(locked, field)
        if field in FOUR_EYES_FIELDS and locked.awaits_person:
            raise Conflict(
                "person_confirmation_required",
                _(
                    "The unit hired this person less than 30 days ago: the person must confirm this change, or a clerk must check their CCCD card at the counter, before it can be approved."
                ),
                fields={field: _("Waiting for the person's confirmation.")},
            )
        if field == "cccd" and cccd_taken(change.new_value, person=locked.person):
            raise Conflict(
                "cccd_taken",
                _("This CCCD number is on record for another person: reject this field."),
                fields={field: _("On record for another person.")},
            )


def record_decisions(
    changes: Mapping[str, RequestedChange],
    *,
    decisions: Mapping[str, str],
    reasons: Mapping[str, str],
    actor: Actor,
    now: dt.datetime,
    reason_codes: Mapping[str, str] | None = None,
) -> None:
    """Write ``actor``'s checked decisions and move each field's state (an email or phone
    approved once awaits its second approver). A reason is kept only with a rejection."""
    codes = reason_codes or {}
    staff = actor.user
    assert staff is not None  # noqa: S101 - decide_dossier let only staff in
    for field, value in decisions.items():
        change = changes[field]
        rejected = value == Decision.REJECT
        FieldDecision.objects.create(
            change=change,
            decision=value,
            reason_code=(codes.get(field) or "") if rejected else "",
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


def withdraw_fields(dossier: Dossier) -> int:
    """Every field of a dossier being withdrawn that did not take effect becomes
    ``withdrawn`` (caller's transaction, dossier locked): the registry changes only when a
    dossier closes by decision, so a field approved while others were open was never applied,
    and a pending one will never be decided. A rejected field keeps its decision and reason.
    Returns how many fields changed."""
    return dossier.changes.exclude(status=ChangeStatus.REJECTED).update(
        status=ChangeStatus.WITHDRAWN
    )


def status_of(changes: Sequence[RequestedChange]) -> str:
    """The dossier status that its fields' states add up to."""
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


def _check_registration_approvable(dossier: Dossier, field: str = "email") -> None:
    """A registration's field may be approved only for the person its identifier, full name
    and date of birth all match in the registry now (``registry_checks``; the registry may
    have changed since it was filed), and only while that person has no account."""
    registration = getattr(dossier, "registration", None)
    if dossier.person is None or registration is None:
        raise Conflict(
            "no_registry_match",
            _("The registration's details match nobody in the registry: reject it."),
            fields={field: _("No registry match.")},
        )
    comparison = registry_checks.compare(registration)
    if comparison.person != dossier.person or not comparison.identity_matches:
        differing = comparison.mismatched or ["identifier"]
        raise Conflict(
            "registry_mismatch",
            _(
                "The registration cannot be approved: %(fields)s do not match the registry. Reject it."
            )
            % {"fields": ", ".join(str(registry_checks.LABELS[f]) for f in differing)},
            fields={field: _("Does not match the registry.")},
        )
    if account_of(dossier) is not None:
        raise Conflict(
            "already_registered",
            _("This person already has an account: reject the registration."),
            fields={field: _("Already has an account.")},
        )


def apply_approved(dossier: Dossier, actor: Actor, now: dt.datetime) -> None:
    """Change the registry as the approved fields say (caller's transaction), by ``actor``
    (the staff member whose decision closed the dossier)."""
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


def _create_account(dossier: Dossier, person: Person, actor: Actor, now: dt.datetime) -> User:
    """The e-transaction account of an approved registration, with a temporary password that
    works once within ``TEMPORARY_PASSWORD_TTL_SECONDS`` and forces a change, emailed to the
    address the registration confirmed."""
    registration = dossier.registration
    person.refresh_from_db()
    user = create_citizen_account(
        person=person,
        by=actor,
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
