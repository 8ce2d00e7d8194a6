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
import hmac
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_tasks import task

from ansinh.accounts import services as accounts
from ansinh.accounts.backends import resolve_identifier
from ansinh.accounts.models import User
from ansinh.audit.services import record
from ansinh.lib import ratelimit
from ansinh.lib.clientip import client_ip_key
from ansinh.lib.identifiers import BHXH_CODE_RE, CCCD_RE, normalize_email
from ansinh.notifications import emails

from .models import Recovery, RecoveryFailureCounter, RecoveryOutcome, RecoveryStatus


class RecoveryThrottled(Exception):  # noqa: N818 - a domain outcome
    """Too many recovery requests or resends (429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class RecoveryLocked(RecoveryThrottled):
    """The account's budget of wrong codes is spent for now (429)."""


class RecoveryExpired(Exception):  # noqa: N818
    """Unknown, expired, completed, superseded or killed recovery (410)."""


class InvalidOtp(Exception):  # noqa: N818
    def __init__(self, attempts_left: int) -> None:
        super().__init__(attempts_left)
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class RecoveryStarted:
    public_id: uuid.UUID
    expires_in: int


# --- Helpers ----------------------------------------------------------------------------------


def normalize_recovery_identifier(raw: str) -> str:
    """A BHXH code (10 ASCII digits) or CCCD (12); anything else is ``ValidationError``."""
    value = raw.strip()
    if not (BHXH_CODE_RE.fullmatch(value) or CCCD_RE.fullmatch(value)):
        raise ValidationError(
            _("Enter your 10-digit BHXH code or your 12-digit CCCD number."),
            code="invalid_identifier",
        )
    return value


def _subject_key(user: User | None, identifier: str, email: str) -> str:
    """Whose budgets (requests, resends, wrong codes) a recovery spends. A match spends the
    account's (shared by its BHXH code and CCCD, kept across changes of its address); anything
    else spends the typed identifier-and-email pair's. So nobody who lacks the email on record
    can use up a real account's budgets, and a spent budget never tells a right email from a
    wrong one: another guess is another pair, with a fresh budget like the account's."""
    if user is not None:
        return f"u:{user.pk}"
    return "i:" + ratelimit.digest("identifier", f"{identifier}\n{email}")


def _otp_digest(recovery: Recovery, code: str) -> str:
    # A 6-digit code has 20 bits: a plain hash would fall to a table in a second. Keyed by
    # SECRET_KEY and salted per recovery, a database dump alone reveals nothing.
    return salted_hmac(
        "ansinh.recovery.otp", f"{recovery.otp_salt}:{code}", algorithm="sha256"
    ).hexdigest()


def _otp_matches(recovery: Recovery, code: str) -> bool:
    # Always compute a digest and compare in constant time, decoy or not.
    expected = recovery.otp_digest or "0" * 64
    ok = hmac.compare_digest(_otp_digest(recovery, code), expected)
    return ok and bool(recovery.otp_digest) and recovery.user_id is not None


def new_otp() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=settings.RECOVERY_OTP_TTL_SECONDS)


def _counter_wait(subject_key: str, now: dt.datetime) -> int:
    """Seconds until the subject may try codes again (0 = now)."""
    counter = RecoveryFailureCounter.objects.filter(subject_key=subject_key).first()
    if counter is None or counter.failures < settings.RECOVERY_ACCOUNT_MAX_FAILURES:
        return 0
    window_end = counter.window_started_at + dt.timedelta(
        seconds=settings.RECOVERY_ACCOUNT_WINDOW_SECONDS
    )
    return max(0, int((window_end - now).total_seconds() + 0.999))


def _locked_counter_wait(subject_key: str, now: dt.datetime) -> int:
    """``_counter_wait``, holding the subject's counter row (made if missing) until the
    transaction ends: concurrent codes for the subject's several live recoveries are then
    checked and counted one after another, and never together pass
    ``RECOVERY_ACCOUNT_MAX_FAILURES``."""
    RecoveryFailureCounter.objects.get_or_create(
        subject_key=subject_key, defaults={"failures": 0, "window_started_at": now}
    )
    RecoveryFailureCounter.objects.select_for_update().filter(subject_key=subject_key).first()
    return _counter_wait(subject_key, now)


def _count_failure(subject_key: str, now: dt.datetime) -> None:
    """One more wrong code for the subject; a window older than the setting starts afresh."""
    window_start = now - dt.timedelta(seconds=settings.RECOVERY_ACCOUNT_WINDOW_SECONDS)
    counter, created = RecoveryFailureCounter.objects.select_for_update().get_or_create(
        subject_key=subject_key, defaults={"failures": 1, "window_started_at": now}
    )
    if created:
        return
    if counter.window_started_at <= window_start:
        counter.failures, counter.window_started_at = 1, now
        counter.save(update_fields=["failures", "window_started_at"])
    else:
        RecoveryFailureCounter.objects.filter(pk=counter.pk).update(failures=F("failures") + 1)


def _ip_rate(channel: str) -> str:
    # The API has no CAPTCHA, so it gets the tighter per-address limit.
    return settings.RECOVERY_IP_RATE_API if channel == "api" else settings.RECOVERY_IP_RATE


def _throttle(request: HttpRequest, *, channel: str, buckets: list[tuple[str, str, str]]) -> None:
    """Count this request in every bucket (group, key, rate), or, if any is at its limit, in
    none (a refused request creates no counter: ``ratelimit.hit_all``) and raise."""
    wait = ratelimit.hit_all(buckets)
    if wait:
        raise RecoveryThrottled(wait)


def _mailbox_full(address: str, now: dt.datetime) -> bool:
    """Has the mailbox ``address`` had ``RECOVERY_MAILBOX_MAX_CODES`` codes in the rolling
    window already (across every account that uses it, every request and resend)?"""
    from ansinh.notifications.models import OutboundEmail

    since = now - dt.timedelta(seconds=settings.RECOVERY_MAILBOX_WINDOW_SECONDS)
    sent = OutboundEmail.objects.filter(
        recipient=address, kind="recovery_code", created_at__gt=since
    ).count()
    return sent >= settings.RECOVERY_MAILBOX_MAX_CODES


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


def request_recovery(
    *, identifier: str, email: str, request: HttpRequest, channel: str
) -> RecoveryStarted:
    """Start a recovery. Same answer, same work, same timing for every well-formed input.

    Contract: ``identifier`` must be a BHXH code or CCCD and ``email`` a valid address
    (``ValidationError`` otherwise, nothing counted). Then the request counts against the
    per-identifier-and-email limit (the account's, when the identifier names one, with the
    typed email) and the per-address limit (``RecoveryThrottled``). A recovery row is created in every case and older pending
    recoveries of the same subject are superseded; whether the identifier, the email on
    record (verified, compared exactly after normalisation) and the typed email agree is
    decided here but acted on only by the worker task ``issue_code``, which sends the code to
    the address **on record**, never to the typed string.
    """
    ident = normalize_recovery_identifier(identifier)
    typed_email = normalize_email(email)
    user = resolve_identifier(ident)
    person = user.person if user is not None else None
    on_record = person.email if person is not None and person.email_verified else ""
    matched = user is not None and user.is_active and bool(on_record) and on_record == typed_email
    if user is None:
        reason = "unknown_identifier"
    elif not on_record:
        reason = "no_email_on_record"
    elif not matched:
        reason = "email_mismatch" if user.is_active else "disabled"
    else:
        reason = "match"
    subject = _subject_key(user if matched else None, ident, typed_email)
    # Floods of one mailbox are capped by the worker (``issue_code``).
    try:
        _throttle(
            request,
            channel=channel,
            buckets=[
                ("recovery-identifier", subject, settings.RECOVERY_IDENTIFIER_RATE),
                (f"recovery-ip-{channel}", client_ip_key(request), _ip_rate(channel)),
            ],
        )
    except RecoveryThrottled as exc:
        record(
            "recovery.throttled",
            subject=user,
            identifier=ident,
            request=request,
            channel=channel,
            details={"retry_after": exc.retry_after},
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        Recovery.objects.filter(subject_key=subject, status=RecoveryStatus.PENDING).update(
            status=RecoveryStatus.SUPERSEDED
        )
        recovery = Recovery.objects.create(
            user=user if matched else None,
            subject_key=subject,
            channel=channel,
            created_at=now,
            expires_at=now + _lifetime(),
            last_sent_at=now,
            otp_salt=secrets.token_hex(16),
        )
        record(
            "recovery.requested",
            subject=user,
            identifier=ident,
            request=request,
            channel=channel,
            details={"recovery": str(recovery.public_id), "outcome": reason},
        )
        transaction.on_commit(lambda: issue_code.enqueue(recovery.pk), robust=True)
    return RecoveryStarted(recovery.public_id, settings.RECOVERY_OTP_TTL_SECONDS)


@task()
def issue_code(recovery_id: int) -> str:
    """Worker side of a request or resend: for a real, live recovery, make a fresh code (the
    previous one stops working), store its digest and email it to the address on record.
    A decoy, a subject whose budget of wrong codes is spent, or a mailbox that had
    ``RECOVERY_MAILBOX_MAX_CODES`` codes in the window already gets nothing."""
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
        if (
            person is None
            or not person.email
            or not person.email_verified
            or _counter_wait(recovery.subject_key, now)
        ):
            return "skipped"
        if _mailbox_full(person.email, now):
            # A flood of one mailbox: the previous code stops working and no new one goes out.
            recovery.otp_digest, recovery.code_issued_at = "", now
            recovery.save(update_fields=["otp_digest", "code_issued_at"])
            record(
                "recovery.mailbox_capped",
                subject=user,
                channel=recovery.channel,
                details={"recovery": str(recovery.public_id)},
            )
            return "mailbox_capped"
        code = new_otp()
        recovery.otp_digest = _otp_digest(recovery, code)
        recovery.code_issued_at = now
        recovery.save(update_fields=["otp_digest", "code_issued_at"])
        emails.send_recovery_code(
            user=user, code=code, expires_at=recovery.expires_at, deliver_now=True
        )
        record(
            "recovery.code_issued",
            subject=user,
            channel=recovery.channel,
            details={"recovery": str(recovery.public_id)},
        )
    return "issued"


# --- 2. Resend --------------------------------------------------------------------------------


def resend_code(*, public_id: str, request: HttpRequest, channel: str) -> RecoveryStarted:
    """Issue a fresh code for a live recovery, at most ``RECOVERY_MAX_RESENDS`` times and not
    within ``RECOVERY_RESEND_AFTER_SECONDS`` of the last one (``RecoveryThrottled``). The new
    code voids the old and lives ``RECOVERY_OTP_TTL_SECONDS``; wrong tries still add up."""
    now = timezone.now()
    with transaction.atomic():
        recovery = _locked_recovery(public_id)
        if (
            recovery is None
            or recovery.status != RecoveryStatus.PENDING
            or recovery.expires_at <= now
        ):
            raise RecoveryExpired
        ready_at = recovery.last_sent_at + dt.timedelta(
            seconds=settings.RECOVERY_RESEND_AFTER_SECONDS
        )
        if ready_at > now:
            raise RecoveryThrottled(int((ready_at - now).total_seconds() + 0.999))
        if recovery.resends >= settings.RECOVERY_MAX_RESENDS:
            raise RecoveryThrottled(int((recovery.expires_at - now).total_seconds() + 0.999))
        _throttle(
            request,
            channel=channel,
            buckets=[
                ("recovery-resend", recovery.subject_key, settings.RECOVERY_IDENTIFIER_RATE),
                (f"recovery-ip-{channel}", client_ip_key(request), _ip_rate(channel)),
            ],
        )
        recovery.resends += 1
        recovery.last_sent_at = now
        recovery.expires_at = now + _lifetime()
        recovery.save(update_fields=["resends", "last_sent_at", "expires_at"])
        record(
            "recovery.resent",
            subject=recovery.user,
            request=request,
            channel=channel,
            details={"recovery": str(recovery.public_id)},
        )
        pk = recovery.pk
        transaction.on_commit(lambda: issue_code.enqueue(pk), robust=True)
    return RecoveryStarted(recovery.public_id, settings.RECOVERY_OTP_TTL_SECONDS)


# --- 3. Verify --------------------------------------------------------------------------------


def verify_code(
    *,
    public_id: str,
    otp: str,
    new_password: str | None,
    request: HttpRequest,
    channel: str,
) -> str:
    """Check a code and, if right, complete the recovery exactly once; return the outcome
    (``RecoveryOutcome``).

    Contract:
    * unknown, expired, completed, superseded or killed recoveries raise ``RecoveryExpired``;
    * while the subject's budget of wrong codes is spent: ``RecoveryLocked``;
    * a wrong code counts against the recovery (``RECOVERY_OTP_MAX_ATTEMPTS`` kill it) and
      against the subject's budget, committed before ``InvalidOtp(attempts_left)`` is raised;
    * with the right code and a ``new_password`` that fails the policy: ``ValidationError``,
      the recovery stays usable;
    * otherwise, under a row lock so that of many concurrent right answers exactly one wins:
      the chosen password is set (``password_changed``), or a random temporary one that works
      once within ``TEMPORARY_PASSWORD_TTL_SECONDS`` and forces a change is emailed
      (``credentials_emailed``); every web session and app token of the account ends, the
      login failure count is cleared, and "your password was reset" goes to the address on
      record. Nobody is signed in by this.
    """
    now = timezone.now()
    error: Exception | None = None
    outcome = ""
    with transaction.atomic():
        recovery = _locked_recovery(public_id)
        if (
            recovery is None
            or recovery.status != RecoveryStatus.PENDING
            or recovery.expires_at <= now
        ):
            error = RecoveryExpired()
        elif wait := _locked_counter_wait(recovery.subject_key, now):
            record(
                "recovery.locked",
                subject=recovery.user,
                request=request,
                channel=channel,
                details={"recovery": str(recovery.public_id), "retry_after": wait},
            )
            error = RecoveryLocked(wait)
        elif not _otp_matches(recovery, otp):
            recovery.attempts += 1
            update = ["attempts"]
            if recovery.attempts >= settings.RECOVERY_OTP_MAX_ATTEMPTS:
                recovery.status = RecoveryStatus.FAILED
                update.append("status")
            recovery.save(update_fields=update)
            _count_failure(recovery.subject_key, now)
            record(
                "recovery.code_failed",
                subject=recovery.user,
                request=request,
                channel=channel,
                details={"recovery": str(recovery.public_id), "attempts": recovery.attempts},
            )
            error = InvalidOtp(max(0, settings.RECOVERY_OTP_MAX_ATTEMPTS - recovery.attempts))
        else:
            assert recovery.user is not None  # noqa: S101 - _otp_matches checks it
            try:
                if new_password:
                    accounts.validate_new_password(recovery.user, new_password)
            except ValidationError as exc:
                error = exc
            else:
                outcome = _complete(
                    recovery, new_password=new_password, now=now, request=request, channel=channel
                )
    if error is not None:
        raise error
    return outcome


def _complete(
    recovery: Recovery,
    *,
    new_password: str | None,
    now: dt.datetime,
    request: HttpRequest,
    channel: str,
) -> str:
    """The winner's side of ``verify_code``; the caller holds the row lock."""
    user = recovery.user
    assert user is not None  # noqa: S101
    claimed = Recovery.objects.filter(pk=recovery.pk, status=RecoveryStatus.PENDING).update(
        status=RecoveryStatus.COMPLETED, completed_at=now
    )
    if not claimed:  # belt and braces: the row lock already serialises the winners
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
        )
        outcome = RecoveryOutcome.CREDENTIALS_EMAILED
    Recovery.objects.filter(pk=recovery.pk).update(outcome=outcome)
    RecoveryFailureCounter.objects.filter(subject_key=recovery.subject_key).delete()
    devices = accounts.end_all_sessions(user=user, reason="password_reset")
    emails.send_password_reset(user=user, chose_password=bool(new_password))
    record(
        "recovery.completed",
        actor=user,
        subject=user,
        request=request,
        channel=channel,
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
