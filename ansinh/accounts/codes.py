"""Emailed one-time codes: the one mechanism behind recovery, email change and registration
(and the app's flows to come). docs/recovery.md ("One module for emailed codes").

The shape is django-allauth's single code-verification process
(``account/internal/flows/code_verification.py``): each use has a **policy** (lifetime, length,
wrong tries, resend delay and quota, mailbox limits) and a **holder**, the flow's own row that
stores the code's state. An Sinh keeps its stronger storage: the code exists only as a keyed,
salted HMAC (``SECRET_KEY`` + a salt per code), holders are read under a row lock, and budgets
of wrong codes that outlive any one code live in row-locked counters (``FailureBudget``).

What every flow gets from here, so no flow has its own copy:

* ``new_code``/``issue`` — a fresh code from ``secrets`` (the previous one stops working);
* ``check_resend``/``resent`` — the cool-down and quota of resends;
* ``verify`` — the normalising, constant-time compare, counting wrong tries on the holder;
* ``normalize_code`` — what people type ("123 456", "123-456", full-width "１２３４５６") becomes
  the 6 ASCII digits, and nothing else does (Arabic-Indic digits, letters: invalid);
* ``mailbox_key`` — one key per mailbox for **limits only** (never for matching: the address
  on record is compared exactly, DESIGN §2);
* ``throttle`` — fixed-window limits on chosen keys, all counted, the longest wait wins;
* ``FailureBudget`` — wrong codes per subject across codes, sessions and channels;
* ``audit`` — one vocabulary of audit events, ``<purpose>.<CodeEvent>``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ansinh.audit.services import record
from ansinh.lib import ratelimit

if TYPE_CHECKING:
    from ansinh.accounts.models import User
    from ansinh.lib.actor import Actor

# --- Outcomes (no HTTP status: adapters map them) -----------------------------------------------


class CodeThrottled(Exception):  # noqa: N818 - a domain outcome
    """Too many requests or resends; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class CodeLocked(CodeThrottled):
    """The subject's budget of wrong codes is spent for now."""


class CodeExpired(Exception):  # noqa: N818
    """Unknown, expired, used, superseded or killed: start again."""


class InvalidCode(Exception):  # noqa: N818
    """A wrong code; ``attempts_left`` more before the holder dies (0: it is dead now)."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(attempts_left)
        self.attempts_left = attempts_left


class CodeEvent(enum.StrEnum):
    """The audit vocabulary: every flow writes ``<purpose>.<event>`` with these suffixes."""

    REQUESTED = "requested"
    ISSUED = "code_issued"
    RESENT = "code_resent"
    FAILED = "code_failed"
    LOCKED = "locked"
    THROTTLED = "throttled"
    MAILBOX_CAPPED = "mailbox_capped"
    COMPLETED = "completed"  # the right code was entered and the flow did its work


# --- Policies ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CodePolicy:
    """How one use of emailed codes behaves. ``purpose`` names the audit events and keys the
    HMAC, so a code of one use never verifies for another."""

    purpose: str
    ttl: int  # seconds a code lives (a resend starts a new lifetime)
    max_attempts: int  # wrong codes that kill the holder, counted across its resends
    resend_after: int  # seconds between two codes for one holder
    max_resends: int
    length: int = 6
    mailbox_rate: str = ""  # codes per normalised mailbox per window ("3/h"); "" = none
    mailbox_max_codes: int = 0  # codes per normalised mailbox per rolling window; 0 = none
    mailbox_window: int = 24 * 3600

    @property
    def lifetime(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.ttl)


# Built on each call, so tests and operators can change the settings.
def recovery_policy() -> CodePolicy:
    return CodePolicy(
        purpose="recovery",
        ttl=settings.RECOVERY_OTP_TTL_SECONDS,
        max_attempts=settings.RECOVERY_OTP_MAX_ATTEMPTS,
        resend_after=settings.RECOVERY_RESEND_AFTER_SECONDS,
        max_resends=settings.RECOVERY_MAX_RESENDS,
        mailbox_max_codes=settings.RECOVERY_MAILBOX_MAX_CODES,
        mailbox_window=settings.RECOVERY_MAILBOX_WINDOW_SECONDS,
    )


def email_change_policy() -> CodePolicy:
    return CodePolicy(
        purpose="email_change",
        ttl=settings.EMAIL_CONFIRM_TTL_SECONDS,
        max_attempts=settings.EMAIL_CONFIRM_MAX_ATTEMPTS,
        resend_after=settings.EMAIL_CONFIRM_RESEND_AFTER_SECONDS,
        max_resends=settings.EMAIL_CONFIRM_MAX_RESENDS,
        mailbox_rate=settings.EMAIL_CONFIRM_MAILBOX_RATE,
    )


def registration_policy() -> CodePolicy:
    return CodePolicy(
        purpose="registration",
        ttl=settings.REGISTRATION_CODE_TTL_SECONDS,
        max_attempts=settings.REGISTRATION_CODE_MAX_ATTEMPTS,
        resend_after=settings.REGISTRATION_RESEND_AFTER_SECONDS,
        max_resends=settings.REGISTRATION_MAX_RESENDS,
        mailbox_rate=settings.REGISTRATION_EMAIL_RATE,
        mailbox_max_codes=settings.REGISTRATION_MAILBOX_MAX_CODES,
        mailbox_window=settings.REGISTRATION_MAILBOX_WINDOW_SECONDS,
    )


# --- Typed codes --------------------------------------------------------------------------------

# Full-width digits (what a Vietnamese or CJK input method may produce) fold to ASCII; no other
# digit does: NFKC would also turn "①" or "²" into digits, and Arabic-Indic digits are not what
# the email shows.
_FOLD = {0xFF10 + n: str(n) for n in range(10)}
# Separators people type or paste inside a code: spaces of any kind, hyphens and dashes.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d\u3000")


def normalize_code(raw: str, *, length: int = 6) -> str:
    """The code as typed → ``length`` ASCII digits: whitespace, hyphens and dashes dropped,
    full-width digits folded. Anything else raises ``ValidationError(code="invalid_code_format")``
    and, for the flows, costs no attempt."""
    text = str(raw or "").translate(_FOLD)
    value = "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("The code is %(length)d digits.") % {"length": length}, code="invalid_code_format"
        )
    return value


def new_code(length: int = 6) -> str:
    return f"{secrets.randbelow(10**length):0{length}d}"


def _digest(policy: CodePolicy, salt: str, code: str) -> str:
    # A 6-digit code has 20 bits: a plain hash falls to a table in a second. Keyed by
    # SECRET_KEY, per use and salted per code, a database dump alone reveals nothing.
    return salted_hmac(
        f"ansinh.codes.{policy.purpose}", f"{salt}:{code}", algorithm="sha256"
    ).hexdigest()


# --- The holder: the flow's row that keeps a code's state ----------------------------------------


class CodeHolder(Protocol):
    """What a flow's model stores for its code (``Recovery``, ``EmailChange``,
    ``Registration``). An empty ``code_digest`` accepts no code (a decoy, a voided code)."""

    pk: Any
    code_salt: str
    code_digest: str
    attempts: int
    resends: int

    # Read as optional (an email change has none until its first code), always set to a time.
    @property
    def last_sent_at(self) -> dt.datetime | None: ...
    @last_sent_at.setter
    def last_sent_at(self, value: dt.datetime) -> None: ...
    @property
    def expires_at(self) -> dt.datetime | None: ...
    @expires_at.setter
    def expires_at(self, value: dt.datetime) -> None: ...

    def save(self, *, update_fields: Iterable[str]) -> None: ...


def start_clock(holder: CodeHolder, policy: CodePolicy, *, now: dt.datetime) -> list[str]:
    """A code is asked for now: the lifetime and the resend cool-down count from here. For a
    flow whose code is made later (by the worker), and identical for decoys."""
    holder.last_sent_at = now
    holder.expires_at = now + policy.lifetime
    return ["last_sent_at", "expires_at"]


def issue(
    holder: CodeHolder, policy: CodePolicy, *, now: dt.datetime | None = None, save: bool = True
) -> str:
    """Store a fresh code's digest on ``holder`` and return the code (to email, never to log).
    The previous code stops working. With ``now`` the clock restarts too (``start_clock``)."""
    code = new_code(policy.length)
    holder.code_salt = secrets.token_hex(16)
    holder.code_digest = _digest(policy, holder.code_salt, code)
    fields = ["code_salt", "code_digest"]
    if now is not None:
        fields += start_clock(holder, policy, now=now)
    if save:
        holder.save(update_fields=fields)
    return code


def void(holder: CodeHolder) -> None:
    """The current code stops working; nothing replaces it (the caller saves)."""
    holder.code_digest = ""


def is_live(holder: CodeHolder, *, now: dt.datetime) -> bool:
    return holder.expires_at is not None and holder.expires_at > now


def check_resend(holder: CodeHolder, policy: CodePolicy, *, now: dt.datetime) -> None:
    """``CodeThrottled`` within ``resend_after`` of the last code or past ``max_resends``."""
    ready_at = (holder.last_sent_at or now) + dt.timedelta(seconds=policy.resend_after)
    if ready_at > now:
        raise CodeThrottled(_seconds(ready_at - now))
    if holder.resends >= policy.max_resends:
        raise CodeThrottled(_seconds((holder.expires_at or now) - now))


def resent(holder: CodeHolder) -> list[str]:
    """Count one resend (the caller issues the code or restarts the clock, and saves)."""
    holder.resends += 1
    return ["resends"]


@dataclasses.dataclass(frozen=True)
class Check:
    """The outcome of ``verify``: ``ok``, or how many tries are left (0: the holder died)."""

    ok: bool
    attempts_left: int

    @property
    def killed(self) -> bool:
        return not self.ok and self.attempts_left == 0

    def error(self) -> InvalidCode:
        return InvalidCode(self.attempts_left)


def matches(holder: CodeHolder, policy: CodePolicy, code: str) -> bool:
    """Constant-time compare of an already normalised code; a digest is computed and compared
    even when the holder has none (a decoy), so both paths do the same work."""
    expected = holder.code_digest or "0" * 64
    ok = hmac.compare_digest(_digest(policy, holder.code_salt, code), expected)
    return ok and bool(holder.code_digest)


def verify(holder: CodeHolder, policy: CodePolicy, typed: str, *, usable: bool = True) -> Check:
    """Compare ``typed`` (normalised here; ``ValidationError`` if malformed, nothing counted)
    with the holder's code. A wrong code — or any code while ``usable`` is false (a budget
    spent out of sight) — adds one to ``holder.attempts`` and saves it; the caller ends the
    holder when ``Check.killed`` and raises ``Check.error()`` **after** its transaction, so the
    count is committed. The caller holds the row lock: of concurrent right codes, one wins."""
    code = normalize_code(typed, length=policy.length)
    if matches(holder, policy, code) and usable:
        return Check(ok=True, attempts_left=max(0, policy.max_attempts - holder.attempts))
    holder.attempts += 1
    holder.save(update_fields=["attempts"])
    return Check(ok=False, attempts_left=max(0, policy.max_attempts - holder.attempts))


# --- Limits -----------------------------------------------------------------------------------

_GMAIL = frozenset({"gmail.com", "googlemail.com"})


def canonical_mailbox(email: str) -> str:
    """The mailbox an address reaches, as far as limits are concerned: lower-cased, the
    ``+tag`` dropped, and for Gmail the dots of the local part and the googlemail.com alias.
    **For limits only**: who an address belongs to is decided by exact comparison."""
    local, _sep, domain = email.strip().rpartition("@")
    local, domain = local.lower(), domain.lower().rstrip(".")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def mailbox_key(email: str) -> str:
    """A keyed digest of ``canonical_mailbox(email)``: the counter key of one mailbox, so
    spelling variants ("An.Nguyen+x@Example.com") share one budget and the cache never
    holds the address."""
    return ratelimit.digest("mailbox", canonical_mailbox(email))


def typed_key(kind: str, *parts: str) -> str:
    """A keyed digest of what someone typed (an identifier, a mailbox key…), for limits that
    must not depend on whether it names anyone."""
    return ratelimit.digest(kind, "\n".join(parts))


@dataclasses.dataclass(frozen=True)
class Bucket:
    group: str
    key: str
    rate: str


def throttle(buckets: Iterable[Bucket]) -> None:
    """Count one event in every bucket, or, if any is at its rate, in none
    (``ratelimit.hit_all``: a refused request creates no counter) and raise ``CodeThrottled``
    with the longest wait. Every bucket is keyed by what was typed, never by who it names."""
    wait = ratelimit.hit_all([(b.group, b.key, b.rate) for b in buckets if b.rate])
    if wait:
        raise CodeThrottled(wait)


def mailbox_buckets(policy: CodePolicy, email: str) -> list[Bucket]:
    """The per-mailbox bucket of ``policy`` for codes sent to ``email`` (may be empty)."""
    if not policy.mailbox_rate:
        return []
    return [Bucket(f"{policy.purpose}-mailbox", mailbox_key(email), policy.mailbox_rate)]


def mailbox_full(policy: CodePolicy, sent: int) -> bool:
    """``sent`` codes to one mailbox in the rolling window already reach the policy's cap."""
    return bool(policy.mailbox_max_codes) and sent >= policy.mailbox_max_codes


class FailureBudget:
    """Wrong codes per subject (an account, a typed identifier-and-mailbox pair…) across every
    code, session, channel and client address, in ``model`` rows with ``subject_key``,
    ``failures`` and ``window_started_at``: ``max_failures`` per ``window`` seconds. Counted
    under the row's lock, so concurrent wrong codes never together pass the limit."""

    def __init__(self, model: type[models.Model], *, max_failures: int, window: int) -> None:
        self.model, self.max_failures, self.window = model, max_failures, window

    def _objects(self) -> Any:
        return self.model._default_manager

    def wait(self, subject_key: str, *, now: dt.datetime) -> int:
        """Seconds until the subject may try codes again (0: now)."""
        counter = self._objects().filter(subject_key=subject_key).first()
        if counter is None or counter.failures < self.max_failures:
            return 0
        end = counter.window_started_at + dt.timedelta(seconds=self.window)
        return _seconds(end - now) if end > now else 0

    def lock(self, subject_key: str, *, now: dt.datetime) -> int:
        """``wait``, holding the subject's row (made if missing) until the transaction ends."""
        objects = self._objects()
        objects.get_or_create(
            subject_key=subject_key, defaults={"failures": 0, "window_started_at": now}
        )
        objects.select_for_update().filter(subject_key=subject_key).first()
        return self.wait(subject_key, now=now)

    def spend(self, subject_key: str, *, now: dt.datetime) -> None:
        """One more wrong code; a window older than ``window`` starts afresh."""
        objects = self._objects()
        counter, created = objects.select_for_update().get_or_create(
            subject_key=subject_key, defaults={"failures": 1, "window_started_at": now}
        )
        if created:
            return
        if counter.window_started_at <= now - dt.timedelta(seconds=self.window):
            counter.failures, counter.window_started_at = 1, now
            counter.save(update_fields=["failures", "window_started_at"])
        else:
            objects.filter(pk=counter.pk).update(failures=F("failures") + 1)

    def clear(self, *subject_keys: str) -> None:
        self._objects().filter(subject_key__in=subject_keys).delete()


# --- Audit ------------------------------------------------------------------------------------


def audit(
    policy: CodePolicy,
    event: CodeEvent,
    *,
    by: Actor | None = None,
    subject: User | None = None,
    identifier: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """One audit row ``<purpose>.<event>``; never the code, never an address."""
    record(
        f"{policy.purpose}.{event}",
        actor=by.user if by is not None else None,
        subject=subject,
        identifier=identifier,
        by=by,
        details=details,
    )


def _seconds(delta: dt.timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))
