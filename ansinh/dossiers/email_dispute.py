"""The "this wasn't me" side of an email change (DESIGN §3.4; docs/dossiers.md): the old
address follows the signed link from ``email_change.dispute_url`` and freezes (or undoes) the
change; an approver of the dossier's office then cancels it for good or releases it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts.access import is_approver
from ansinh.accounts.models import User
from ansinh.accounts.services import end_all_sessions
from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.services import change_personal_data, clear_pending_email

from .email_change import DISPUTE_SALT, send_new_code, timeline_event
from .errors import Conflict, Forbidden, Invalid
from .models import Dossier, EmailChange, EmailChangeStatus, EventKind
from .notify import account_of, alert_office, announce
from .timeline import add_event


class DisputeLinkInvalid(Exception):  # noqa: N818
    """Forged, altered or expired link."""


class DisputeLinkUsed(Exception):  # noqa: N818
    """The link was already used, or the change it names no longer stands."""


def read_dispute_token(token: str) -> EmailChange:
    """The change a "this wasn't me" link names. ``DisputeLinkInvalid`` if it was forged,
    altered or is older than ``EMAIL_CHANGE_DISPUTE_DAYS``."""
    try:
        value = signing.loads(
            token, salt=DISPUTE_SALT, max_age=settings.EMAIL_CHANGE_DISPUTE_DAYS * 86400
        )
        parsed = uuid.UUID(str(value))
    except (signing.BadSignature, ValueError, TypeError):
        raise DisputeLinkInvalid from None
    change = (
        EmailChange.objects.select_related("dossier", "person").filter(public_id=parsed).first()
    )
    if change is None:
        raise DisputeLinkInvalid
    return change


def dispute_email_change(*, token: str, actor: Actor) -> EmailChange:
    """The old address says the change was not the person's. Single use: a second click, or a
    click on a change that no longer stands (cancelled, superseded, failed), raises
    ``DisputeLinkUsed`` and changes nothing."""
    found = read_dispute_token(token)
    now = timezone.now()
    with transaction.atomic():
        change = (
            EmailChange.objects.select_for_update(of=("self",))
            .select_related("dossier", "person")
            .get(pk=found.pk)
        )
        if change.disputed_at is not None or change.status not in (
            EmailChangeStatus.PENDING,
            EmailChangeStatus.CONFIRMED,
        ):
            raise DisputeLinkUsed
        person, dossier = change.person, change.dossier
        # Whoever follows the link acts as the holder of the old address, not as an account
        # that may be signed in on the same browser: the registry's history and the timeline
        # name nobody, as before; the door and the address are kept.
        old_address = actor.as_user(None)
        was_confirmed = change.status == EmailChangeStatus.CONFIRMED
        if was_confirmed and change.old_email:
            # Undo: the old address is the recovery address again, and whoever used the new
            # one to get in (a recovery through it, or a registration's credentials) is signed
            # out everywhere and loses the password: only a recovery through the old address
            # sets a new one.
            change_personal_data(
                person=person,
                changes={"email": change.old_email},
                actor=old_address,
                dossier_ref=dossier.public_id,
                reason="email change disputed by the old address",
                email_confirmed=True,
            )
            account = getattr(person, "account", None)
            if isinstance(account, User):
                account.set_unusable_password()
                account.save(update_fields=["password"])
                end_all_sessions(user=account, reason="email_change_disputed")
        change.status, change.disputed_at = EmailChangeStatus.DISPUTED, now
        change.save(update_fields=["status", "disputed_at"])
        dossier.flagged_at, dossier.flag_reason = now, "email_change_disputed"
        dossier.save(update_fields=["flagged_at", "flag_reason"])
        event = timeline_event(
            dossier, EventKind.EMAIL_CHANGE_DISPUTED, actor=old_address, label="old address"
        )
        record(
            "email_change.disputed",
            subject=account_of(dossier),
            by=actor,
            details={
                "dossier": dossier.public_id,
                "change": str(change.public_id),
                "was_confirmed": was_confirmed,
            },
        )
        alert_office(dossier)
        announce(dossier, event)
    return change


def disputed_change(dossier: Dossier) -> EmailChange | None:
    return dossier.email_changes.filter(status=EmailChangeStatus.DISPUTED).first()


def resolve_dispute(*, dossier: Dossier, actor: Actor, release: bool, reason: str) -> EmailChange:
    """An approver (or admin) of the dossier's office decides a disputed email change:
    ``release=False`` cancels it for good (the old address stays), ``release=True`` lets it go
    on (the new address gets a fresh code; its owner must confirm again). Both need a reason
    (400 ``reason_required``); clerks get 403 ``approver_required``; nothing disputed: 409
    ``nothing_to_resolve``."""
    staff = actor.user
    if staff is None or not is_approver(actor):
        raise Forbidden(
            "approver_required", _("Only an approver may decide a disputed email change.")
        )
    if not (reason or "").strip():
        raise Invalid(
            "reason_required",
            _("Give a reason for the decision."),
            fields={"reason": _("Required.")},
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        change = (
            EmailChange.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(dossier=locked, status=EmailChangeStatus.DISPUTED)
            .first()
        )
        if change is None:
            raise Conflict("nothing_to_resolve", _("Nothing here waits for a decision."))
        person = change.person
        if release:
            change_personal_data(
                person=person,
                changes={"email": change.new_email},
                actor=actor,
                dossier_ref=locked.public_id,
                reason="email change released by staff",
            )
            change.status, change.attempts, change.resends = EmailChangeStatus.PENDING, 0, 0
            change.confirmed_at = None
            change.save(update_fields=["status", "attempts", "resends", "confirmed_at"])
            send_new_code(change, now)
            kind = EventKind.EMAIL_CHANGE_RELEASED
        else:
            clear_pending_email(
                person=person,
                actor=actor,
                dossier_ref=locked.public_id,
                reason="email change cancelled by staff",
            )
            change.status = EmailChangeStatus.CANCELLED
            change.save(update_fields=["status"])
            kind = EventKind.EMAIL_CHANGE_CANCELLED
        EmailChange.objects.filter(pk=change.pk).update(resolved_at=now, resolved_by=staff)
        locked.flagged_at, locked.flag_reason = None, ""
        locked.save(update_fields=["flagged_at", "flag_reason"])
        event = add_event(locked, kind, actor=actor, note=reason.strip(), now=now)
        record(
            "email_change.resolved",
            subject=account_of(locked),
            by=actor,
            details={
                "dossier": locked.public_id,
                "change": str(change.public_id),
                "released": release,
            },
        )
        announce(locked, event)
    change.refresh_from_db()
    return change
