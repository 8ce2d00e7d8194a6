"""Password recovery by emailed one-time code: the one flow behind the app API and the portal
(DESIGN §3.3, docs/recovery.md).

1. ``request_recovery`` (identifier + email) always answers the same way: a new recovery id.
   It never sends mail itself; the worker task ``issue_code`` decides, out of the request,
   whether there is anyone to send a code to.
2. ``verify_code`` (recovery id + code [+ a new password]) completes the recovery once, then
   every session and token of the account ends.
3. ``resend_code`` issues a fresh code (the old one stops working) after a cool-down.

Read ``docs/recovery.md`` for the threat model: which control stops which attack.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from ansinh.accounts import codes
from ansinh.accounts import services as accounts
from ansinh.accounts.backends import resolve_identifier
from ansinh.accounts.codes import CodeEvent
from ansinh.accounts.models import User
from ansinh.accounts.passkey_reminder import reminder_for
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.identifiers import normalize_email, validate_citizen_identifier
from ansinh.notifications import emails
from ansinh.people.models import Person

from .models import Recovery, RecoveryFailureCounter, RecoveryOutcome, RecoveryStatus

if TYPE_CHECKING:
    from ansinh.dossiers.models import EmailChange

# The outcomes are the codes module's (adapters map them; no HTTP status here).
RecoveryThrottled = codes.CodeThrottled  # too many requests or resends
RecoveryLocked = codes.CodeLocked  # the typed pair's budget of wrong codes is spent for now
RecoveryExpired = codes.CodeExpired  # unknown, expired, completed, superseded or killed
InvalidOtp = codes.InvalidCode


@dataclass(frozen=True)
class RecoveryStarted:
    public_id: uuid.UUID
    expires_in: int


# --- Helpers ----------------------------------------------------------------------------------


# The identifier rule is shared with login and registration (``lib.identifiers``).
normalize_recovery_identifier = validate_citizen_identifier


def typed_pair_key(identifier: str, email: str) -> str:
    """The visible budgets' key (requests, resends, wrong codes): what was typed — the
    identifier string and the typed address's mailbox — never who it names. A match and a
    non-match, a BHXH code and the CCCD of the same person, are keyed the same way, so no
    spent budget tells whether the email is on record or whose identifiers go together
    (defect f). Nobody who lacks the email on record spends the owner's budgets either."""
    return "p:" + codes.typed_key("recovery-pair", identifier, codes.mailbox_key(email))


def account_key(user: User) -> str:
    """The hidden budget of one account, shared by its BHXH code, CCCD and every address. It
    is spent only by matched recoveries and, when spent, is never shown: no code goes out and
    every code is wrong, exactly as for a decoy."""
    return f"u:{user.pk}"


def _budget() -> codes.FailureBudget:
    return codes.FailureBudget(
        RecoveryFailureCounter,
        max_failures=settings.RECOVERY_ACCOUNT_MAX_FAILURES,
        window=settings.RECOVERY_ACCOUNT_WINDOW_SECONDS,
    )


def new_otp() -> str:
    return codes.new_code(6)


def _ip_rate(channel: Channel) -> str:
    # The API has no CAPTCHA, so it gets the tighter per-address limit.
    return settings.RECOVERY_IP_RATE_API if channel == Channel.API else settings.RECOVERY_IP_RATE


def _mailbox_full(address: str, now: dt.datetime) -> bool:
    """Has the mailbox ``address`` had ``RECOVERY_MAILBOX_MAX_CODES`` codes in the rolling
    window already (across every account that uses it, every request and resend)? Codes go
    only to the exact address on record, so the exact address is the mailbox here."""
    from ansinh.notifications.models import OutboundEmail

    policy = codes.recovery_policy()
    since = now - dt.timedelta(seconds=policy.mailbox_window)
    sent = OutboundEmail.objects.filter(
        recipient=address, kind="recovery_code", created_at__gt=since
    ).count()
    return codes.mailbox_full(policy, sent)


def _channel(person: Person | None) -> tuple[str, EmailChange | None]:
    """The address a recovery of ``person`` reaches and, when it is an approved address not
    yet confirmed, its pending change (``dossiers.email_change.recovery_address``)."""
    from ansinh.dossiers.email_change import recovery_address

    if person is None:
        return "", None
    return recovery_address(person)


def _still_reaches(recovery: Recovery, person: Person | None) -> str:
    """The address ``recovery`` was matched for, if it is still the person's recovery
    channel, else "". A recovery matched through a pending address stops reaching it when the
    change is disputed (frozen), cancelled or superseded, or once a verified address exists;
    one matched through the verified address stops when that address changes."""
    address, change = _channel(person)
    if not address:
        return ""
    if (change.pk if change is not None else None) != recovery.email_change_id:
        return ""
    return address


def _locked_recovery(public_id: str) -> Recovery | None:
    try:
        parsed = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("user__person")
        .filter(public_id=parsed)
        .first()
    )


# --- 1. Request -------------------------------------------------------------------------------


def request_recovery(*, identifier: str, email: str, actor: Actor) -> RecoveryStarted:
    """Start a recovery. Same answer, same work, same timing for every well-formed input.

    Contract: ``identifier`` must be a BHXH code or CCCD and ``email`` a valid address
    (``ValidationError`` otherwise, nothing counted). Then the request counts against the
    limit of the typed identifier-and-mailbox pair and the per-address limit
    (``RecoveryThrottled``), keyed alike whether or not anything matches. A recovery row is
    created in every case and older pending recoveries of the same typed pair are superseded;
    whether the identifier, the email on record (verified, compared exactly after
    normalisation) and the typed email agree is decided here but acted on only by the worker
    task ``issue_code``, which sends the code to the address **on record**, never to the
    typed string.
    """
    policy = codes.recovery_policy()
    ident = normalize_recovery_identifier(identifier)
    typed_email = normalize_email(email)
    user = resolve_identifier(ident)
    person = user.person if user is not None else None
    # The verified address; or, with none, an approved address not yet confirmed (§3.3).
    on_record, pending = _channel(person)
    matched = user is not None and user.is_active and bool(on_record) and on_record == typed_email
    if user is None:
        reason = "unknown_identifier"
    elif not on_record:
        reason = "no_email_on_record"
    elif not matched:
        reason = "email_mismatch" if user.is_active else "disabled"
    else:
        reason = "match" if pending is None else "match_pending_email"
    subject = typed_pair_key(ident, typed_email)
    # Floods of one mailbox are capped by the worker (``issue_code``).
    try:
        codes.throttle(
            [
                codes.Bucket("recovery-identifier", subject, settings.RECOVERY_IDENTIFIER_RATE),
                codes.Bucket(f"recovery-ip-{actor.channel}", actor.ip_key, _ip_rate(actor.channel)),
            ]
        )
    except codes.CodeThrottled as exc:
        codes.audit(
            policy,
            CodeEvent.THROTTLED,
            by=actor,
            subject=user,
            identifier=ident,
            details={"retry_after": exc.retry_after},
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        Recovery.objects.filter(subject_key=subject, status=RecoveryStatus.PENDING).update(
            status=RecoveryStatus.SUPERSEDED
        )
        recovery = Recovery(
            user=user if matched else None,
            email_change=pending if matched else None,
            subject_key=subject,
            channel=actor.channel,
            created_at=now,
        )
        codes.start_clock(recovery, policy, now=now)
        recovery.save()
        codes.audit(
            policy,
            CodeEvent.REQUESTED,
            by=actor,
            subject=user,
            identifier=ident,
            details={"recovery": str(recovery.public_id), "outcome": reason},
        )
        transaction.on_commit(lambda: issue_code.enqueue(recovery.pk), robust=True)
    return RecoveryStarted(recovery.public_id, policy.ttl)


@task()
def issue_code(recovery_id: int) -> str:
    """Worker side of a request or resend: for a real, live recovery, make a fresh code (the
    previous one, and the code of any other live recovery of the account, stop working), store
    its digest and email it to the address on record. A decoy, a recovery whose typed pair or
    account has spent its budget of wrong codes, or a mailbox that had
    ``RECOVERY_MAILBOX_MAX_CODES`` codes in the window already gets nothing. None of this shows
    in any answer: a recovery without a code answers like a decoy."""
    policy = codes.recovery_policy()
    now = timezone.now()
    with transaction.atomic():
        recovery = (
            Recovery.objects.select_for_update(of=("self",))
            .select_related("user__person")
            .filter(pk=recovery_id, status=RecoveryStatus.PENDING, expires_at__gt=now)
            .first()
        )
        if recovery is None or recovery.user is None:
            return "skipped"
        if recovery.code_issued_at is not None and recovery.code_issued_at >= recovery.last_sent_at:
            return "already_issued"
        user = recovery.user
        person = user.person
        budget = _budget()
        address = _still_reaches(recovery, person)
        if (
            not address
            or budget.wait(recovery.subject_key, now=now)
            or budget.wait(account_key(user), now=now)
        ):
            return "skipped"
        # A new code voids the account's older ones, whatever identifier they were typed with
        # (out of sight: such a recovery stays pending and answers like a decoy).
        Recovery.objects.filter(user=user, status=RecoveryStatus.PENDING).exclude(
            pk=recovery.pk
        ).exclude(code_digest="").update(code_digest="")
        if _mailbox_full(address, now):
            # A flood of one mailbox: the previous code stops working and no new one goes out.
            codes.void(recovery)
            recovery.code_issued_at = now
            recovery.save(update_fields=["code_digest", "code_issued_at"])
            codes.audit(
                policy,
                CodeEvent.MAILBOX_CAPPED,
                subject=user,
                details={"recovery": str(recovery.public_id), "channel": recovery.channel},
            )
            return "mailbox_capped"
        code = codes.issue(recovery, policy, save=False)
        recovery.code_issued_at = now
        recovery.save(update_fields=["code_salt", "code_digest", "code_issued_at"])
        emails.send_recovery_code(
            user=user,
            code=code,
            expires_at=recovery.expires_at,
            deliver_now=True,
            recipient=address,
        )
        codes.audit(
            policy,
            CodeEvent.ISSUED,
            subject=user,
            details={"recovery": str(recovery.public_id), "channel": recovery.channel},
        )
    return "issued"


# --- 2. Resend --------------------------------------------------------------------------------


def resend_code(*, public_id: str, actor: Actor) -> RecoveryStarted:
    """Issue a fresh code for a live recovery, at most ``RECOVERY_MAX_RESENDS`` times and not
    within ``RECOVERY_RESEND_AFTER_SECONDS`` of the last one (``RecoveryThrottled``). The new
    code voids the old and lives ``RECOVERY_OTP_TTL_SECONDS``; wrong tries still add up.
    Identical for decoys."""
    policy = codes.recovery_policy()
    now = timezone.now()
    with transaction.atomic():
        recovery = _locked_recovery(public_id)
        if (
            recovery is None
            or recovery.status != RecoveryStatus.PENDING
            or not codes.is_live(recovery, now=now)
        ):
            raise RecoveryExpired
        codes.check_resend(recovery, policy, now=now)
        codes.throttle(
            [
                codes.Bucket(
                    "recovery-resend", recovery.subject_key, settings.RECOVERY_IDENTIFIER_RATE
                ),
                codes.Bucket(f"recovery-ip-{actor.channel}", actor.ip_key, _ip_rate(actor.channel)),
            ]
        )
        fields = codes.resent(recovery) + codes.start_clock(recovery, policy, now=now)
        recovery.save(update_fields=fields)
        codes.audit(
            policy,
            CodeEvent.RESENT,
            by=actor,
            subject=recovery.user,
            details={"recovery": str(recovery.public_id)},
        )
        pk = recovery.pk
        transaction.on_commit(lambda: issue_code.enqueue(pk), robust=True)
    return RecoveryStarted(recovery.public_id, policy.ttl)


# --- 3. Verify --------------------------------------------------------------------------------


def verify_code(*, public_id: str, otp: str, new_password: str | None, actor: Actor) -> str:
    """Check a code and, if right, complete the recovery exactly once; return the outcome
    (``RecoveryOutcome``).

    Contract:
    * a code that is not 6 digits once spaces and dashes are dropped and full-width digits
      folded: ``ValidationError(code="invalid_code_format")``, nothing counted;
    * unknown, expired, completed, superseded or killed recoveries raise ``RecoveryExpired``;
    * while the typed pair's budget of wrong codes is spent: ``RecoveryLocked`` — for real and
      decoy recoveries alike;
    * a wrong code counts against the recovery (``RECOVERY_OTP_MAX_ATTEMPTS`` kill it), the
      typed pair's budget and, out of sight, the account's; committed before
      ``InvalidOtp(attempts_left)`` is raised. While the account's budget is spent every code
      is wrong, as on a decoy;
    * with the right code and a ``new_password`` that fails the policy: ``ValidationError``,
      the recovery stays usable;
    * otherwise, under a row lock so that of many concurrent right answers exactly one wins:
      the chosen password is set (``password_changed``), or a random temporary one that works
      once within ``TEMPORARY_PASSWORD_TTL_SECONDS`` and forces a change is emailed
      (``credentials_emailed``); every web session and app token of the account ends, the
      login failure count is cleared, and "your password was reset" goes to the address on
      record. Nobody is signed in by this.
    """
    policy = codes.recovery_policy()
    typed = codes.normalize_code(otp, length=policy.length)
    budget = _budget()
    now = timezone.now()
    error: Exception | None = None
    outcome = ""
    with transaction.atomic():
        recovery = _locked_recovery(public_id)
        if (
            recovery is None
            or recovery.status != RecoveryStatus.PENDING
            or not codes.is_live(recovery, now=now)
        ):
            error = RecoveryExpired()
        elif wait := budget.lock(recovery.subject_key, now=now):
            codes.audit(
                policy,
                CodeEvent.LOCKED,
                by=actor,
                subject=recovery.user,
                details={"recovery": str(recovery.public_id), "retry_after": wait},
            )
            error = RecoveryLocked(wait)
        else:
            user = recovery.user
            # A code sent to a pending address no longer works once that address stops being
            # the channel (disputed, cancelled, superseded): it answers like a wrong code.
            usable = (
                user is not None
                and not budget.lock(account_key(user), now=now)
                and bool(_still_reaches(recovery, user.person))
            )
            check = codes.verify(recovery, policy, typed, usable=usable)
            if not check.ok:
                if check.killed:
                    recovery.status = RecoveryStatus.FAILED
                    recovery.save(update_fields=["status"])
                budget.spend(recovery.subject_key, now=now)
                if user is not None:
                    budget.spend(account_key(user), now=now)
                codes.audit(
                    policy,
                    CodeEvent.FAILED,
                    by=actor,
                    subject=user,
                    details={"recovery": str(recovery.public_id), "attempts": recovery.attempts},
                )
                error = check.error()
            else:
                assert user is not None  # noqa: S101 - codes.verify accepts no code without one
                try:
                    if new_password:
                        accounts.validate_new_password(user, new_password)
                except ValidationError as exc:
                    error = exc
                else:
                    outcome = _complete(recovery, new_password=new_password, now=now, actor=actor)
    if error is not None:
        raise error
    return outcome


def _complete(
    recovery: Recovery, *, new_password: str | None, now: dt.datetime, actor: Actor
) -> str:
    """The winner's side of ``verify_code``; the caller holds the row lock."""
    user = recovery.user
    assert user is not None  # noqa: S101 - codes.verify accepts no code without a user
    claimed = Recovery.objects.filter(pk=recovery.pk, status=RecoveryStatus.PENDING).update(
        status=RecoveryStatus.COMPLETED, completed_at=now, code_digest=""
    )
    if not claimed:  # belt and braces: the row lock already serialises the winners
        raise RecoveryExpired
    if recovery.email_change_id is not None:
        # The code reached the approved address: that proves the address, which becomes the
        # verified email on record before any credentials go to it (issue 12 §1a).
        from ansinh.dossiers.email_change import confirm_by_recovery

        assert user.person is not None  # noqa: S101 - a pending channel needs a person
        confirmed = confirm_by_recovery(
            change_id=recovery.email_change_id, person=user.person, actor=actor.as_user(user)
        )
        if confirmed is None:  # the channel changed under us (checked just before)
            raise RecoveryExpired
    if new_password:
        accounts.set_password(user=user, new_password=new_password)
        outcome = RecoveryOutcome.PASSWORD_CHANGED
    else:
        temporary = accounts.issue_temporary_password(user=user)
        emails.send_recovery_credentials(
            user=user,
            temporary_password=temporary,
            expires_at=user.password_expires_at or now,
            passkey_reminder=reminder_for(user),
        )
        outcome = RecoveryOutcome.CREDENTIALS_EMAILED
    Recovery.objects.filter(pk=recovery.pk).update(outcome=outcome)
    _budget().clear(recovery.subject_key, account_key(user))
    devices = accounts.end_all_sessions(user=user, reason="password_reset")
    emails.send_password_reset(
        user=user, chose_password=bool(new_password), passkey_reminder=reminder_for(user)
    )
    codes.audit(
        codes.recovery_policy(),
        CodeEvent.COMPLETED,
        by=actor.as_user(user),
        subject=user,
        details={
            "recovery": str(recovery.public_id),
            "outcome": str(outcome),
            "devices_revoked": devices,
        },
    )
    return str(outcome)


def requeue_unissued(*, grace_seconds: int = 30) -> int:
    """Enqueue ``issue_code`` again for live, matched recoveries still without a code for
    their last request or resend after ``grace_seconds`` — their task was lost (the queue
    insert failed after the recovery committed). Run by the worker's sweeper."""
    now = timezone.now()
    waiting = Recovery.objects.filter(
        status=RecoveryStatus.PENDING,
        user__isnull=False,
        expires_at__gt=now,
        last_sent_at__lt=now - dt.timedelta(seconds=grace_seconds),
    ).filter(Q(code_issued_at__isnull=True) | Q(code_issued_at__lt=F("last_sent_at")))
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    for pk in ids:
        issue_code.enqueue(pk)
    return len(ids)
