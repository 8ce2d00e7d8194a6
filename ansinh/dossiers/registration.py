"""Online registration of an e-transaction account (01/ĐK-GD, DESIGN §3.2, §3.4).

Someone without an account types an identifier (BHXH code or CCCD), name, date of birth,
phone, email and the receiving office, and solves the CAPTCHA (portal). Like recovery, every
well-formed request is answered the same way, whether or not the details match the registry:

1. ``start_registration`` stores exactly what was typed and emails a code to the TYPED address
   — the one place An Sinh mails an address that is not on record, so it is rate-limited per
   address, per identifier and per client address — in every case.
2. ``confirm_registration`` (right code) files a 01/ĐK-GD dossier: with the matching person
   (identifier, name and date of birth agree) or with none. The answer — the dossier id — is
   the same either way. Only staff see whether it matched.
3. Staff approve (four eyes, the email is a change of email) or reject it. An approved match
   gets an account with a temporary password emailed to the confirmed address
   (``services._create_account``), exactly like recovery's credentials.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ansinh.audit.services import record
from ansinh.lib import ratelimit
from ansinh.lib.clientip import client_ip_key
from ansinh.lib.identifiers import BHXH_CODE_RE, normalize_email, normalize_phone
from ansinh.people.models import Office, Person
from ansinh.recovery.services import new_otp, normalize_recovery_identifier

from . import emails
from .email_change import InvalidCode
from .errors import DossierError
from .models import Channel, Dossier, FormKind, Registration, RegistrationStatus
from .services import create_dossier


def _code_digest(registration: Registration, code: str) -> str:
    return salted_hmac(
        "ansinh.dossiers.registration-code",
        f"{registration.code_salt}:{code}",
        algorithm="sha256",
    ).hexdigest()


def _fold_name(name: str) -> str:
    # Names are compared case-insensitively in NFC with whitespace collapsed; diacritics
    # count ("Bình" is not "Binh").
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def _invalid(field: str, exc: ValidationError) -> DossierError:
    return DossierError(
        400,
        "invalid_input",
        _("Some fields are missing or invalid."),
        fields={field: " ".join(exc.messages)},
    )


def _expired() -> DossierError:
    return DossierError(
        410,
        "registration_expired",
        _("This registration has expired or was already used. Start again."),
    )


def start_registration(
    *,
    identifier: str,
    full_name: str,
    date_of_birth: dt.date,
    phone: str,
    email: str,
    office: Office,
    language: str,
    request: HttpRequest,
) -> Registration:
    """Store a registration and email a code to the typed address; same work for every input.

    Raises ``DossierError`` 400 ``invalid_input`` for malformed values (nothing counted) and
    429 ``too_many_requests`` beyond ``REGISTRATION_IP_RATE`` / ``REGISTRATION_EMAIL_RATE`` /
    ``REGISTRATION_IDENTIFIER_RATE`` (per typed identifier-and-email pair). A newer registration for the same address supersedes
    older pending ones.
    """
    try:
        ident = normalize_recovery_identifier(identifier)
    except ValidationError as exc:
        raise _invalid("identifier", exc) from None
    name = " ".join(full_name.split())
    if not name or len(name) > 100 or any(unicodedata.category(c)[0] == "C" for c in name):
        raise DossierError(
            400,
            "invalid_input",
            _("Some fields are missing or invalid."),
            fields={"full_name": _("Enter your full name.")},
        )
    try:
        typed_phone = normalize_phone(phone)
    except ValidationError as exc:
        raise _invalid("phone", exc) from None
    try:
        typed_email = normalize_email(email)
    except ValidationError as exc:
        raise _invalid("email", exc) from None
    subject = ratelimit.digest("registration-email", typed_email)
    wait = max(
        ratelimit.hit(
            request,
            group="registration-ip",
            key=client_ip_key(request),
            rate=settings.REGISTRATION_IP_RATE,
        ),
        ratelimit.hit(
            request, group="registration-email", key=subject, rate=settings.REGISTRATION_EMAIL_RATE
        ),
        ratelimit.hit(
            request,
            group="registration-identifier",
            # The typed pair, not the identifier alone: strangers typing someone's identifier
            # with their own addresses must not block that person's registration.
            key=ratelimit.digest("identifier", f"{ident}\n{typed_email}"),
            rate=settings.REGISTRATION_IDENTIFIER_RATE,
        ),
    )
    if wait:
        record(
            "registration.throttled",
            identifier=ident,
            request=request,
            channel=Channel.PORTAL,
            details={"retry_after": wait},
        )
        raise DossierError(429, "too_many_requests", _("Too many requests. Try again later."))
    now = timezone.now()
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
            code_salt=secrets.token_hex(16),
            created_at=now,
            last_sent_at=now,
            expires_at=now + dt.timedelta(seconds=settings.REGISTRATION_CODE_TTL_SECONDS),
        )
        code = new_otp()
        registration.code_digest = _code_digest(registration, code)
        registration.save()
        emails.send_registration_code(registration=registration, code=code)
        record(
            "registration.started",
            identifier=ident,
            request=request,
            channel=Channel.PORTAL,
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


def confirm_registration(*, public_id: str, code: str, request: HttpRequest) -> Dossier:
    """The code from the typed address: file the 01/ĐK-GD dossier (see the module doc).

    Contract: unknown, used, superseded, failed or expired → 410 ``registration_expired``; a
    wrong code counts (committed before ``InvalidCode(attempts_left)``), and
    ``REGISTRATION_CODE_MAX_ATTEMPTS`` wrong ones kill the registration."""
    now = timezone.now()
    error: Exception | None = None
    dossier: Dossier | None = None
    with transaction.atomic():
        registration = _locked(public_id)
        if (
            registration is None
            or registration.status != RegistrationStatus.PENDING
            or registration.expires_at <= now
        ):
            raise _expired()
        candidate = "".join((code or "").split())
        if not hmac.compare_digest(_code_digest(registration, candidate), registration.code_digest):
            registration.attempts += 1
            update = ["attempts"]
            left = max(0, settings.REGISTRATION_CODE_MAX_ATTEMPTS - registration.attempts)
            if left == 0:
                registration.status = RegistrationStatus.FAILED
                update.append("status")
            registration.save(update_fields=update)
            error = InvalidCode(left)
        else:
            registration.status = RegistrationStatus.SUBMITTED
            registration.code_digest = ""
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
                channel=Channel.PORTAL,
                request=request,
                registration=registration,
            )
    if error is not None:
        raise error
    assert dossier is not None  # noqa: S101
    return dossier


def resend_registration_code(*, public_id: str, request: HttpRequest) -> Registration:
    """A fresh code to the typed address after ``REGISTRATION_RESEND_AFTER_SECONDS``, at most
    ``REGISTRATION_MAX_RESENDS`` times (429), counted against the same address limit."""
    now = timezone.now()
    with transaction.atomic():
        registration = _locked(public_id)
        if (
            registration is None
            or registration.status != RegistrationStatus.PENDING
            or registration.expires_at <= now
        ):
            raise _expired()
        ready = registration.last_sent_at + dt.timedelta(
            seconds=settings.REGISTRATION_RESEND_AFTER_SECONDS
        )
        wait = ratelimit.hit(
            request,
            group="registration-email",
            key=registration.subject_key,
            rate=settings.REGISTRATION_EMAIL_RATE,
        )
        if ready > now or registration.resends >= settings.REGISTRATION_MAX_RESENDS or wait:
            raise DossierError(429, "too_many_requests", _("Too many requests. Try again later."))
        code = new_otp()
        registration.code_salt = secrets.token_hex(16)
        registration.code_digest = _code_digest(registration, code)
        registration.resends += 1
        registration.last_sent_at = now
        registration.expires_at = now + dt.timedelta(seconds=settings.REGISTRATION_CODE_TTL_SECONDS)
        registration.save(
            update_fields=["code_salt", "code_digest", "resends", "last_sent_at", "expires_at"]
        )
        emails.send_registration_code(registration=registration, code=code)
    return registration
