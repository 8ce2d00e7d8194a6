"""Online registration of an e-transaction account (01/ĐK-GD, DESIGN §3.2, §3.4).

Someone without an account types an identifier (BHXH code or CCCD), name, date of birth,
phone, email and the receiving office, adds three photos (CCCD front, CCCD back, a portrait)
and solves the CAPTCHA (portal). Like recovery, every well-formed request is answered the same
way, whether or not the details match the registry (the photos are required either way):

1. ``start_registration`` stores exactly what was typed, with the photos (checked by content:
   PNG or JPEG, size), and emails a code to the TYPED address
   — the one place An Sinh mails an address that is not on record, so it is rate-limited per
   mailbox (every spelling of one mailbox counts as one: ``accounts.codes.mailbox_key``), with
   a rolling daily cap per mailbox, per identifier and per client address — in every case.
2. ``confirm_registration`` (right code) files a 01/ĐK-GD dossier: with the matching person
   (identifier, name and date of birth agree, ``registry_checks``) or with none, the photos
   attached to it by kind. The answer — the dossier id — is the same either way. Only staff
   see whether it matched, field by field. A registration never confirmed keeps its photos
   only until the retention job (``ops.retention``) deletes them.
3. Staff approve (four eyes, the email is a change of email) or reject it; approval is refused
   unless identifier, name and date of birth match (``deciding``). An approved match
   gets an account with a temporary password emailed to the confirmed address
   (``deciding.apply_approved``), exactly like recovery's credentials.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ansinh.accounts import codes
from ansinh.accounts.codes import CodeEvent
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import (
    normalize_email,
    normalize_phone,
    validate_citizen_identifier,
)
from ansinh.people.models import Office, Person

from . import emails
from .errors import Invalid
from .filing import create_dossier, store_attachment
from .models import (
    REGISTRATION_IMAGE_KINDS,
    Attachment,
    AttachmentKind,
    Dossier,
    FormKind,
    Registration,
    RegistrationStatus,
)
from .registry_checks import matching_person
from .uploads import CheckedFile, UploadRejected, check_file

# A wrong code is ``codes.InvalidCode``; an expired, used or unknown registration is
# ``codes.CodeExpired``; too many requests or resends, ``codes.CodeThrottled``.
InvalidCode = codes.InvalidCode


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


IMAGE_REQUIRED = {
    AttachmentKind.CCCD_FRONT: _lazy("Add a photo of the front of your CCCD card."),
    AttachmentKind.CCCD_BACK: _lazy("Add a photo of the back of your CCCD card."),
    AttachmentKind.PORTRAIT: _lazy("Add a photo of your face (a portrait)."),
}


def check_images(images: Mapping[str, UploadedFile | None]) -> dict[str, CheckedFile]:
    """The three photos by kind, each required and checked by content (PNG or JPEG) and size;
    ``Invalid`` (``invalid_input``) names every missing or refused one at once."""
    checked: dict[str, CheckedFile] = {}
    errors: dict[str, str] = {}
    for kind in REGISTRATION_IMAGE_KINDS:
        upload = images.get(kind)
        if upload is None or not upload.size:
            errors[kind] = str(IMAGE_REQUIRED[kind])
            continue
        try:
            checked[kind] = check_file(upload, images_only=True)
        except UploadRejected as exc:
            errors[kind] = exc.message
    if errors:
        raise Invalid("invalid_input", _("Some fields are missing or invalid."), fields=errors)
    return checked


def _store_images(
    registration: Registration, images: Mapping[str, CheckedFile], stored: list[str]
) -> None:
    """Keep the photos with the registration (no dossier yet), each file's name in ``stored``
    as soon as it is written."""
    for kind, checked in images.items():
        attachment = store_attachment(
            None, checked, registration.created_at, kind=kind, registration=registration
        )
        stored.append(attachment.file.name)


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
    images: Mapping[str, UploadedFile | None],
    actor: Actor,
) -> Registration:
    """Store a registration with its photos (``images`` by kind: ``cccd_front``, ``cccd_back``,
    ``portrait``) and email a code to the typed address; same work for every input.

    Raises ``Invalid`` (``invalid_input``) for malformed values or a missing or refused photo
    (nothing counted, nothing stored) and
    ``codes.CodeThrottled`` beyond ``REGISTRATION_IP_RATE``, ``REGISTRATION_EMAIL_RATE`` (per
    mailbox: case, ``+tags`` and Gmail dots do not make another one),
    ``REGISTRATION_MAILBOX_MAX_CODES`` a rolling day per mailbox, or
    ``REGISTRATION_IDENTIFIER_RATE`` (per typed identifier-and-mailbox pair). A newer
    registration for the same mailbox supersedes older pending ones.
    """
    policy = codes.registration_policy()
    errors = input_errors(identifier=identifier, full_name=full_name, phone=phone, email=email)
    try:
        photos = check_images(images)
    except Invalid as exc:  # every missing or refused photo, with the typed values' errors
        errors.update(exc.fields or {})
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
    stored: list[str] = []
    try:
        with transaction.atomic():
            _save_registration(registration, actor=actor)
            _store_images(registration, photos, stored)
    except BaseException:
        # The rows rolled back: their files would be orphans.
        for stored_name in stored:
            default_storage.delete(stored_name)
        raise
    return registration


def _save_registration(registration: Registration, *, actor: Actor) -> None:
    """Save ``registration`` (superseding its mailbox's pending ones) and email its code."""
    policy = codes.registration_policy()
    Registration.objects.filter(
        subject_key=registration.subject_key, status=RegistrationStatus.PENDING
    ).update(status=RegistrationStatus.SUPERSEDED)
    code = codes.issue(registration, policy, now=registration.created_at, save=False)
    registration.save()
    emails.send_registration_code(registration=registration, code=code)
    codes.audit(
        policy,
        CodeEvent.REQUESTED,
        by=actor,
        identifier=registration.identifier,
        details={"registration": str(registration.public_id)},
    )


def _locked(public_id: str) -> Registration | None:
    try:
        parsed = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return Registration.objects.select_for_update().filter(public_id=parsed).first()


def match_person(registration: Registration) -> Person | None:
    """The registry's person if identifier, name and date of birth all agree, else ``None``."""
    return matching_person(registration)


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


def delete_unconfirmed_images(*, now: dt.datetime) -> int:
    """Delete the photos of registrations that can no longer be confirmed (code expired, too
    many wrong codes, superseded) and so never filed a dossier: the rows and their files.
    Called by the retention job (``ops.retention``); returns how many went."""
    stale = (
        Attachment.objects.filter(dossier__isnull=True, registration__isnull=False)
        .filter(
            Q(registration__expires_at__lt=now)
            | Q(registration__status__in=[RegistrationStatus.FAILED, RegistrationStatus.SUPERSEDED])
        )
        .exclude(registration__status=RegistrationStatus.SUBMITTED)
    )
    deleted = 0
    for pk, name in stale.values_list("pk", "file"):
        # Only while still unattached: a confirmation that won the race keeps its photos.
        if Attachment.objects.filter(pk=pk, dossier__isnull=True).delete()[0]:
            default_storage.delete(name)
            deleted += 1
    return deleted
