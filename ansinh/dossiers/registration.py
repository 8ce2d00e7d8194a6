"""Online registration of an e-transaction account (01/ĐK-GD, DESIGN §3.2, §3.4).

Someone without an account types an identifier (BHXH code or CCCD), name, date of birth,
phone, email and the receiving office, and solves the CAPTCHA (portal). Like recovery, every
well-formed request is answered the same way, whether or not the details match the registry:

1. ``start_registration`` stores exactly what was typed and emails a code to the TYPED address
   — the one place An Sinh mails an address that is not on record, so it is rate-limited per
   mailbox (every spelling of one mailbox counts as one: ``accounts.codes.mailbox_key``), with
   a rolling daily cap per mailbox, per identifier and per client address — in every case.
2. ``confirm_registration`` (right code) files a 01/ĐK-GD dossier: with the matching person
   (identifier, name and date of birth agree) or with none. The answer — the dossier id — is
   the same either way. Only staff see whether it matched.
3. Staff approve (four eyes, the email is a change of email) or reject it. An approved match
   gets an account with a temporary password emailed to the confirmed address
   (``deciding.apply_approved``), exactly like recovery's credentials.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts import codes
from ansinh.accounts.codes import CodeEvent
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import (
    BHXH_CODE_RE,
    normalize_email,
    normalize_phone,
    validate_citizen_identifier,
)
from ansinh.people.models import Office, Person

from . import emails
from .errors import Invalid
from .filing import create_dossier
from .models import Dossier, FormKind, Registration, RegistrationStatus

# A wrong code is ``codes.InvalidCode``; an expired, used or unknown registration is
# ``codes.CodeExpired``; too many requests or resends, ``codes.CodeThrottled``.
InvalidCode = codes.InvalidCode


def _fold_name(name: str) -> str:
    # Names are compared case-insensitively in NFC with whitespace collapsed; diacritics
    # count ("Bình" is not "Binh").
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def input_errors(*, identifier: str, full_name: str, phone: str, email: str) -> dict[str, str]:
    """Every malformed typed value of a registration at once, field → message (empty when all
    are well-formed): what ``start_registration`` refuses as ``invalid_input``, and what a form
    shows beside its own errors so that a person fixes everything in one go."""
    errors: dict[str, str] = {}
    name = " ".join(full_name.split())
    if not name or len(name) > 100 or any(unicodedata.category(c)[0] == "C" for c in name):
        errors["full_name"] = _("Enter your full name.")
    checks = (
        ("identifier", validate_citizen_identifier, identifier),
        ("phone", normalize_phone, phone),
        ("email", normalize_email, email),
    )
    for field, check, value in checks:
        try:
            check(value)
        except ValidationError as exc:
            errors[field] = " ".join(exc.messages)
    return errors


def _mailbox_cap_wait(subject: str, now: dt.datetime) -> int:
    """Seconds until the mailbox ``subject`` may get another code: 0 while the codes sent to it
    in the rolling window (requests and their resends, every spelling) are under the cap.
    Counted from the registrations themselves, so no cache eviction resets it."""
    policy = codes.registration_policy()
    if not policy.mailbox_max_codes:
        return 0
    since = now - dt.timedelta(seconds=policy.mailbox_window)
    sent = Registration.objects.filter(subject_key=subject, created_at__gt=since).aggregate(
        rows=Count("pk"), resends=Sum("resends"), oldest=Min("created_at")
    )
    if not codes.mailbox_full(policy, (sent["rows"] or 0) + (sent["resends"] or 0)):
        return 0
    oldest = sent["oldest"] or now
    return max(1, int((oldest + dt.timedelta(seconds=policy.mailbox_window) - now).total_seconds()))


def start_registration(
    *,
    identifier: str,
    full_name: str,
    date_of_birth: dt.date,
    phone: str,
    email: str,
    office: Office,
    language: str,
    actor: Actor,
) -> Registration:
    """Store a registration and email a code to the typed address; same work for every input.

    Raises ``Invalid`` (``invalid_input``) for malformed values (nothing counted) and
    ``codes.CodeThrottled`` beyond ``REGISTRATION_IP_RATE``, ``REGISTRATION_EMAIL_RATE`` (per
    mailbox: case, ``+tags`` and Gmail dots do not make another one),
    ``REGISTRATION_MAILBOX_MAX_CODES`` a rolling day per mailbox, or
    ``REGISTRATION_IDENTIFIER_RATE`` (per typed identifier-and-mailbox pair). A newer
    registration for the same mailbox supersedes older pending ones.
    """
    policy = codes.registration_policy()
    errors = input_errors(identifier=identifier, full_name=full_name, phone=phone, email=email)
    if errors:
        raise Invalid("invalid_input", _("Some fields are missing or invalid."), fields=errors)
    ident = validate_citizen_identifier(identifier)
    name = " ".join(full_name.split())
    typed_phone, typed_email = normalize_phone(phone), normalize_email(email)
    subject = codes.mailbox_key(typed_email)
    now = timezone.now()
    try:
        if wait := _mailbox_cap_wait(subject, now):
            raise codes.CodeThrottled(wait)
        codes.throttle(
            [
                codes.Bucket("registration-ip", actor.ip_key, settings.REGISTRATION_IP_RATE),
                *codes.mailbox_buckets(policy, typed_email),
                # The typed pair, not the identifier alone: strangers typing someone's
                # identifier with their own addresses must not block that person's registration.
                codes.Bucket(
                    "registration-identifier",
                    codes.typed_key("registration-pair", ident, subject),
                    settings.REGISTRATION_IDENTIFIER_RATE,
                ),
            ]
        )
    except codes.CodeThrottled as exc:
        codes.audit(
            policy,
            CodeEvent.THROTTLED,
            by=actor,
            identifier=ident,
            details={"retry_after": exc.retry_after},
        )
        raise
    with transaction.atomic():
        Registration.objects.filter(subject_key=subject, status=RegistrationStatus.PENDING).update(
            status=RegistrationStatus.SUPERSEDED
        )
        registration = Registration(
            identifier=ident,
            full_name=name,
            date_of_birth=date_of_birth,
            phone=typed_phone,
            email=typed_email,
            office=office,
            language=language if language in ("vi", "en") else "vi",
            subject_key=subject,
            created_at=now,
        )
        code = codes.issue(registration, policy, now=now, save=False)
        registration.save()
        emails.send_registration_code(registration=registration, code=code)
        codes.audit(
            policy,
            CodeEvent.REQUESTED,
            by=actor,
            identifier=ident,
            details={"registration": str(registration.public_id)},
        )
    return registration


def _locked(public_id: str) -> Registration | None:
    try:
        parsed = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return Registration.objects.select_for_update().filter(public_id=parsed).first()


def match_person(registration: Registration) -> Person | None:
    """The registry's person if identifier, name and date of birth all agree, else ``None``."""
    field = "bhxh_code" if BHXH_CODE_RE.fullmatch(registration.identifier) else "cccd"
    person = Person.objects.filter(**{field: registration.identifier}).first()
    if (
        person is None
        or person.date_of_birth != registration.date_of_birth
        or _fold_name(person.full_name) != _fold_name(registration.full_name)
    ):
        return None
    return person


def confirm_registration(*, public_id: str, code: str, actor: Actor) -> Dossier:
    """The code from the typed address: file the 01/ĐK-GD dossier (see the module doc).

    Contract: a malformed code → ``ValidationError(code="invalid_code_format")``, nothing
    counted; unknown, used, superseded, failed or expired → ``codes.CodeExpired``; a wrong code
    counts (committed before ``InvalidCode(attempts_left)``), and
    ``REGISTRATION_CODE_MAX_ATTEMPTS`` wrong ones kill the registration."""
    policy = codes.registration_policy()
    typed = codes.normalize_code(code, length=policy.length)
    now = timezone.now()
    error: Exception | None = None
    dossier: Dossier | None = None
    with transaction.atomic():
        registration = _locked(public_id)
        if (
            registration is None
            or registration.status != RegistrationStatus.PENDING
            or not codes.is_live(registration, now=now)
        ):
            raise codes.CodeExpired
        check = codes.verify(registration, policy, typed)
        if not check.ok:
            if check.killed:
                registration.status = RegistrationStatus.FAILED
                registration.save(update_fields=["status"])
            codes.audit(
                policy,
                CodeEvent.FAILED,
                by=actor,
                details={
                    "registration": str(registration.public_id),
                    "attempts": registration.attempts,
                },
            )
            error = check.error()
        else:
            registration.status = RegistrationStatus.SUBMITTED
            codes.void(registration)
            registration.save(update_fields=["status", "code_digest"])
            person = match_person(registration)
            rows = [("email", person.email if person else "", registration.email)]
            if person is None or person.phone != registration.phone:
                rows.append(("phone", person.phone if person else "", registration.phone))
            dossier = create_dossier(
                form=FormKind.DK_GD_01,
                person=person,
                office=registration.office,
                rows=rows,
                actor=actor,
                registration=registration,
            )
    if error is not None:
        raise error
    assert dossier is not None  # noqa: S101
    return dossier


def resend_registration_code(*, public_id: str, actor: Actor) -> Registration:
    """A fresh code to the typed address after ``REGISTRATION_RESEND_AFTER_SECONDS``, at most
    ``REGISTRATION_MAX_RESENDS`` times (``codes.CodeThrottled``), counted against the same
    mailbox limits as a new registration."""
    policy = codes.registration_policy()
    now = timezone.now()
    with transaction.atomic():
        registration = _locked(public_id)
        if (
            registration is None
            or registration.status != RegistrationStatus.PENDING
            or not codes.is_live(registration, now=now)
        ):
            raise codes.CodeExpired
        codes.check_resend(registration, policy, now=now)
        if wait := _mailbox_cap_wait(registration.subject_key, now):
            raise codes.CodeThrottled(wait)
        codes.throttle(codes.mailbox_buckets(policy, registration.email))
        codes.resent(registration)
        code = codes.issue(registration, policy, now=now, save=False)
        registration.save(
            update_fields=["code_salt", "code_digest", "resends", "last_sent_at", "expires_at"]
        )
        emails.send_registration_code(registration=registration, code=code)
        codes.audit(
            policy,
            CodeEvent.RESENT,
            by=actor,
            details={"registration": str(registration.public_id)},
        )
    return registration
