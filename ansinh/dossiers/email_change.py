"""Email change safety (DESIGN §3.4, security checklist E2/G5; docs/dossiers.md).

An approved new email does not replace the recovery address by itself:

1. ``start_email_change`` (called when a dossier's email change is applied) stores the new
   address as the person's ``pending_email``, emails a 6-digit code to the NEW address and tells
   the OLD address (if any) with a signed "this wasn't me" link built from ``SITE_URL``.
   Recovery keeps using the old address (``person.email`` with ``email_verified``).
2. ``confirm_email_change``: the signed-in owner enters the code; the new address becomes the
   verified recovery address. Codes come from ``ansinh.accounts.codes`` (keyed, salted digests,
   a normalising constant-time compare); they expire, and ``EMAIL_CONFIRM_MAX_ATTEMPTS`` wrong
   ones (counted across resends) kill the change.
3. ``dispute_email_change``: the old address follows the link (single use, expiring). A
   pending change is frozen; an already confirmed one is undone (the old address is restored
   as the recovery address, every session and token of the account ends and its password
   stops working: a recovery through the old address sets a new one). The dossier is
   flagged in the office queue, staff get a notice and an audit event is written.
4. ``resolve_dispute``: an approver cancels the change for good or releases it (a fresh code
   goes to the new address, whose owner must confirm again).

Steps 3 and 4 are in ``email_dispute.py``; the link is made here, when a change starts.

A registration (01/ĐK-GD) proved its address by code before it was filed, so its change
starts confirmed (``proven``); the old address, if any, is told all the same.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts import codes
from ansinh.accounts.codes import CodeEvent
from ansinh.accounts.models import User
from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import mask_email
from ansinh.people.models import Person
from ansinh.people.services import (
    change_personal_data,
    clear_pending_email,
    confirm_pending_email,
)

from . import emails
from .errors import NotFound
from .models import Dossier, DossierEvent, EmailChange, EmailChangeStatus, EventKind
from .notify import EMAIL_CODE_SENT, account_of, announce

# A wrong code: ``codes.InvalidCode``; an expired one: ``codes.CodeExpired``; a resend too soon
# or too often: ``codes.CodeThrottled``.
InvalidCode = codes.InvalidCode

DISPUTE_SALT = "ansinh.dossiers.email-change-dispute"


def timeline_event(dossier: Dossier, kind: str, *, actor: Actor, label: str = "") -> DossierEvent:
    """An email-change step on the dossier's timeline, by ``actor`` (stored: its user)."""
    return DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        status=dossier.status,
        at=timezone.now(),
        actor=actor.user,
        actor_label=label,
    )


def _reader(person: Person) -> tuple[str, str, User | None]:
    """(name, language, account) for emails about ``person``."""
    account = getattr(person, "account", None)
    user = account if isinstance(account, User) else None
    return person.full_name, (user.language if user else person.language) or "vi", user


def dispute_token(change: EmailChange) -> str:
    return signing.dumps(str(change.public_id), salt=DISPUTE_SALT, compress=False)


def dispute_url(change: EmailChange) -> str:
    # From SITE_URL, never from the request's Host (security checklist C11).
    return settings.SITE_URL + reverse("portal:email_dispute", args=[dispute_token(change)])


def send_new_code(change: EmailChange, now: dt.datetime) -> None:
    """A fresh code (the previous one stops working) to the NEW address."""
    policy = codes.email_change_policy()
    code = codes.issue(change, policy, now=now)
    name, language, _user = _reader(change.person)
    emails.send_email_change_code(
        recipient=change.new_email,
        language=language,
        name=name,
        code=code,
        expires_at=change.expires_at or now,
        dossier_id=change.dossier.public_id,
        can_recover=not (change.person.email and change.person.email_verified),
    )


def start_email_change(
    *,
    dossier: Dossier,
    person: Person,
    new_email: str,
    actor: Actor,
    proven: bool,
) -> EmailChange:
    """Apply an approved new email the safe way (caller's transaction). See the module doc.
    ``actor`` is the approving staff member."""
    now = timezone.now()
    person.refresh_from_db()
    old_email = person.email if person.email_verified else ""
    EmailChange.objects.filter(person=person, status=EmailChangeStatus.PENDING).update(
        status=EmailChangeStatus.SUPERSEDED
    )
    change_personal_data(
        person=person,
        changes={"email": new_email},
        actor=actor,
        dossier_ref=dossier.public_id,
        reason=f"dossier {dossier.form}",
        email_confirmed=proven,
    )
    change = EmailChange.objects.create(
        person=person,
        dossier=dossier,
        old_email=old_email,
        new_email=new_email,
        status=EmailChangeStatus.CONFIRMED if proven else EmailChangeStatus.PENDING,
        created_at=now,
        confirmed_at=now if proven else None,
    )
    if not proven:
        send_new_code(change, now)
        if (user := account_of(dossier)) is not None:
            from ansinh.notifications.services import notify

            notify(
                user=user,
                kind="email_code_sent",
                title=EMAIL_CODE_SENT,
                link="/ca-nhan/xac-nhan-email/",
            )
    if old_email and old_email != new_email:
        name, language, user = _reader(person)
        emails.send_email_change_notice(
            recipient=old_email,
            language=language,
            name=name,
            new_email_masked=mask_email(new_email),
            dossier_id=dossier.public_id,
            dispute_url=dispute_url(change),
            valid_days=settings.EMAIL_CHANGE_DISPUTE_DAYS,
            user=user,
        )
    record(
        "email_change.started",
        by=actor,
        subject=account_of(dossier),
        details={
            "dossier": dossier.public_id,
            "change": str(change.public_id),
            "proven": proven,
            "old_address_told": bool(old_email and old_email != new_email),
        },
    )
    return change


def pending_change(person: Person) -> EmailChange | None:
    return (
        EmailChange.objects.filter(person=person, status=EmailChangeStatus.PENDING)
        .select_related("dossier")
        .order_by("-created_at", "-pk")
        .first()
    )


def _no_pending() -> NotFound:
    return NotFound("no_pending_email", _("No new email address is waiting for confirmation."))


def _pending_locked(person: Person) -> EmailChange:
    change = (
        EmailChange.objects.select_for_update(of=("self",))
        .select_related("dossier", "person")
        .filter(person=person, status=EmailChangeStatus.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if change is None:
        raise _no_pending()
    return change


def _citizen(actor: Actor) -> tuple[User, Person]:
    user = actor.user
    person = user.person if user is not None else None
    if user is None or person is None:
        raise _no_pending()
    return user, person


def confirm_email_change(*, code: str, actor: Actor) -> EmailChange:
    """The signed-in owner (``actor.user``) enters the code sent to the new address.

    Contract: a malformed code → ``ValidationError(code="invalid_code_format")``, nothing
    counted; no pending change → ``NotFound("no_pending_email")``; an expired code →
    ``codes.CodeExpired`` (ask for a new one); a wrong code counts (committed before
    ``InvalidCode(attempts_left)`` is raised) and the ``EMAIL_CONFIRM_MAX_ATTEMPTS``-th kills
    the change (the pending address is dropped; the old one stays). The right code makes the
    new address the verified recovery address, once: the row lock lets exactly one of
    concurrent right answers win.
    """
    policy = codes.email_change_policy()
    typed = codes.normalize_code(code, length=policy.length)
    user, person = _citizen(actor)
    now = timezone.now()
    error: Exception | None = None
    with transaction.atomic():
        change = _pending_locked(person)
        if not codes.is_live(change, now=now):
            raise codes.CodeExpired
        check = codes.verify(change, policy, typed)
        if not check.ok:
            if check.killed:
                change.status = EmailChangeStatus.FAILED
                change.save(update_fields=["status"])
                clear_pending_email(
                    person=person,
                    actor=actor,
                    dossier_ref=change.dossier.public_id,
                    reason="too many wrong codes",
                )
            codes.audit(
                policy,
                CodeEvent.FAILED,
                by=actor,
                subject=user,
                details={"change": str(change.public_id), "attempts": change.attempts},
            )
            error = check.error()
        else:
            confirm_pending_email(
                person=person,
                expected=change.new_email,
                actor=actor,
                dossier_ref=change.dossier.public_id,
            )
            change.status, change.confirmed_at = EmailChangeStatus.CONFIRMED, now
            codes.void(change)
            change.save(update_fields=["status", "confirmed_at", "code_digest"])
            event = timeline_event(change.dossier, EventKind.EMAIL_CONFIRMED, actor=actor)
            codes.audit(
                policy,
                CodeEvent.COMPLETED,
                by=actor,
                subject=user,
                details={"dossier": change.dossier.public_id, "change": str(change.public_id)},
            )
            user.refresh_from_db()
            announce(change.dossier, event)
    if error is not None:
        raise error
    return change


def recovery_address(person: Person) -> tuple[str, EmailChange | None]:
    """Where a password recovery of ``person`` sends its code (DESIGN §3.3, issue 12 §1a).

    The verified address on record, if any (``(email, None)``): it stays the channel until a
    new one is confirmed. Otherwise an approved, not yet confirmed address — the live
    ``PENDING`` change whose address is still the person's ``pending_email`` — is the channel
    (``(new_email, change)``): a person who cannot sign in must never need to sign in to
    confirm it. A disputed (frozen), cancelled, failed or superseded change is never a channel.
    ``("", None)`` when there is none."""
    if person.email and person.email_verified:
        return person.email, None
    change = pending_change(person)
    if change is not None and change.new_email and change.new_email == person.pending_email:
        return change.new_email, change
    return "", None


def confirm_by_recovery(*, change_id: int, person: Person, actor: Actor) -> EmailChange | None:
    """The owner of a pending address entered the recovery code sent to it: the address
    becomes the verified email on record (``person.changed`` history) and the change's
    timeline is closed, as a signed-in confirmation would (caller's transaction).

    Contract: returns ``None`` and changes nothing unless the change is still the person's
    live pending change for the address the code went to and the person still has no
    verified address — the caller checked this under the same lock, so ``None`` means a race
    lost. ``actor`` is the person (``actor.user``)."""
    change = (
        EmailChange.objects.select_for_update(of=("self",))
        .select_related("dossier")
        .filter(pk=change_id, person=person, status=EmailChangeStatus.PENDING)
        .first()
    )
    if change is None:
        return None
    person.refresh_from_db()
    if (person.email and person.email_verified) or person.pending_email != change.new_email:
        return None
    now = timezone.now()
    confirm_pending_email(
        person=person,
        expected=change.new_email,
        actor=actor,
        dossier_ref=change.dossier.public_id,
    )
    change.status, change.confirmed_at = EmailChangeStatus.CONFIRMED, now
    codes.void(change)
    change.save(update_fields=["status", "confirmed_at", "code_digest"])
    event = timeline_event(change.dossier, EventKind.EMAIL_CONFIRMED, actor=actor)
    codes.audit(
        codes.email_change_policy(),
        CodeEvent.COMPLETED,
        by=actor,
        subject=actor.user,
        details={
            "dossier": change.dossier.public_id,
            "change": str(change.public_id),
            "by": "recovery",
        },
    )
    announce(change.dossier, event)
    return change


def resend_email_code(*, actor: Actor) -> EmailChange:
    """A fresh code to the new address, not within ``EMAIL_CONFIRM_RESEND_AFTER_SECONDS`` of
    the last, at most ``EMAIL_CONFIRM_MAX_RESENDS`` times and ``EMAIL_CONFIRM_MAILBOX_RATE``
    per mailbox (``codes.CodeThrottled``). Wrong tries still add up across codes."""
    policy = codes.email_change_policy()
    user, person = _citizen(actor)
    now = timezone.now()
    with transaction.atomic():
        change = _pending_locked(person)
        codes.check_resend(change, policy, now=now)
        codes.throttle(codes.mailbox_buckets(policy, change.new_email))
        codes.resent(change)
        change.save(update_fields=["resends"])
        send_new_code(change, now)
        codes.audit(
            policy,
            CodeEvent.RESENT,
            by=actor,
            subject=user,
            details={"change": str(change.public_id)},
        )
    return change


# --- "This wasn't me" ---------------------------------------------------------------------------
