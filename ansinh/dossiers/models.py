"""Dossiers (hồ sơ, DESIGN §3.4): every request to change a person's data, with its requested
changes, per-field decisions, attachments and an append-only status timeline.

* ``Dossier``: public id ``HS-YYYY-XXXXXXXX``, form, person, office responsible, who submitted
  it, current status (kept equal to the last status event) and the SLA due date.
* ``RequestedChange``: one field, old → new value, and its decision state.
* ``FieldDecision``: append-only, one row per approve/reject by one staff member.
* ``DossierEvent``: append-only timeline (status changes and email-change events).
* ``Attachment``: a document image or PDF, stored under ``MEDIA_ROOT`` with a random name, of a
  kind (a document, or a registration's CCCD front, back and portrait).
* ``EmailChange``: an approved new email on its way to becoming the recovery address (code to
  the new address, "this wasn't me" link to the old one).
* ``Registration``: an online 01/ĐK-GD registration while its typed email is being confirmed.

See docs/dossiers.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ansinh.lib.actor import Channel

from .paths import public_id, stored_file_path


def new_public_id() -> str:
    """``HS-<year>-<8 random characters>``: readable over the phone, never a database key."""
    return public_id("HS")


class FormKind(models.TextChoices):
    TK1_TS = "TK1-TS", _("TK1-TS (from a unit or collection organisation)")
    SD_GD_02 = "02/SĐ-GD", _("02/SĐ-GD (at the office counter)")
    CHANGE_REQUEST = "change_request", _("Change request (portal)")
    DK_GD_01 = "01/ĐK-GD", _("01/ĐK-GD (online registration)")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINAL_STATUSES = frozenset(
    {Status.APPROVED, Status.PARTLY_APPROVED, Status.REJECTED, Status.WITHDRAWN}
)
OPEN_STATUSES = frozenset(set(Status) - FINAL_STATUSES)


class Dossier(models.Model):
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    form = models.CharField(max_length=20, choices=FormKind.choices)
    # Null only for a registration (01/ĐK-GD) that matched nobody in the registry.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    office = models.ForeignKey("people.Office", on_delete=models.PROTECT, related_name="dossiers")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Who filed it: a citizen or a clerk (user), or a unit / collection organisation (key).
    submitted_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_dossiers",
    )
    submitted_by_unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    submitted_by_organisation = models.ForeignKey(
        "people.CollectionOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    submitted_by_key = models.ForeignKey(
        "accounts.OrganisationKey",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    # 02/SĐ-GD: the clerk saw the person's CCCD card in person (also recorded later on any
    # dossier by a clerk who checked the card at the counter: who and when below).
    identity_checked = models.BooleanField(default=False)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    # A unit's email or phone change within UNIT_HIRE_CONFIRMATION_DAYS of its own hire of the
    # person: approving those fields needs the person's confirmation or a counter identity
    # check (issue 11 c, docs/dossiers.md).
    confirmation_required = models.BooleanField(default=False)
    person_confirmed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField()
    # The last working day (local date) by which the office should decide.
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the old email address reported "this wasn't me": staff must look at it.
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_reason = models.CharField(max_length=200, blank=True)
    # Who is working on it ("Nhận xử lý", ``claims``) and when they last acted on it: the hold
    # lapses after ``DOSSIER_CLAIM_IDLE_MINUTES`` without activity (docs/dossiers.md).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["office", "status", "due_date"]),
            models.Index(fields=["person", "-submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaits_person(self) -> bool:
        """Whether approving its email or phone still waits for the person or a counter check."""
        return (
            self.confirmation_required
            and self.person_confirmed_at is None
            and not self.identity_checked
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.localdate() > self.due_date

    @property
    def submitter_label(self) -> str:
        if self.submitted_by_unit_id and self.submitted_by_unit:
            return f"{self.submitted_by_unit.code} {self.submitted_by_unit.name}"
        if self.submitted_by_organisation_id and self.submitted_by_organisation:
            org = self.submitted_by_organisation
            return f"{org.code} {org.name}"
        if self.submitted_by_user_id and self.submitted_by_user:
            return self.submitted_by_user.display_name
        return ""


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    AWAITING_SECOND = "awaiting_second", _("Waiting for a second approver")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # The dossier was withdrawn before this field took effect: nothing was applied.
    WITHDRAWN = "withdrawn", _("Withdrawn, not applied")


class RequestedChange(models.Model):
    """One field a dossier asks to change: old value (when filed) → new value."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "field"], name="one_change_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.field}"


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class FieldDecision(models.Model):
    """One staff member's decision on one requested change (append-only)."""

    change = models.ForeignKey(RequestedChange, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    # A preset reason's code (``reasons.RejectionReason``), shown in each reader's language,
    # and/or the reviewer's own words.
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.change_id} {self.decision} by {self.decided_by_id}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EMAIL_CONFIRMED = "email_confirmed", _("New email confirmed by its owner")
    EMAIL_CHANGE_DISPUTED = (
        "email_change_disputed",
        _("Email change reported as not made by the person"),
    )
    EMAIL_CHANGE_CANCELLED = "email_change_cancelled", _("Email change cancelled by staff")
    EMAIL_CHANGE_RELEASED = "email_change_released", _("Email change released by staff")
    PERSON_CONFIRMED = "person_confirmed", _("Confirmed by the person")
    IDENTITY_CHECKED = "identity_checked", _("CCCD checked in person at the counter")


class DossierEvent(models.Model):
    """One entry of a dossier's timeline (append-only). ``status`` is the dossier's status
    after the event."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    status = models.CharField(max_length=30, choices=Status.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when it was not a user: a unit or organisation code, "system", "old address".
    actor_label = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return stored_file_path("dossiers", instance.content_type)


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    CCCD_FRONT = "cccd_front", _("CCCD card, front")
    CCCD_BACK = "cccd_back", _("CCCD card, back")
    PORTRAIT = "portrait", _("Portrait photo")


# The three images an online registration (01/ĐK-GD) must carry, in the order shown.
REGISTRATION_IMAGE_KINDS = (
    AttachmentKind.CCCD_FRONT,
    AttachmentKind.CCCD_BACK,
    AttachmentKind.PORTRAIT,
)


class Attachment(models.Model):
    """A document (PNG, JPEG or PDF, checked by content) attached to a dossier. Files live
    under ``MEDIA_ROOT`` with random names and are served only through views that check
    access (never by a public URL).

    A registration's images (``kind``: CCCD front, back, portrait) belong to the registration
    alone until its email code is confirmed, then to the dossier it files too; an unconfirmed
    registration's images are deleted by the retention job (``ops.retention``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    registration = models.ForeignKey(
        "Registration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(
        max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    # For display only (sanitised): never used to build a path or a header unescaped.
    original_name = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dossier__isnull=False) | models.Q(registration__isnull=False),
                name="attachment_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id or self.registration_id} {self.kind} {self.original_name}"


class EmailChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the owner's code")
    CONFIRMED = "confirmed", _("Confirmed by the owner")
    DISPUTED = "disputed", _("Reported by the old address; waiting for staff")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Replaced by a newer change")
    FAILED = "failed", _("Too many wrong codes")


class EmailChange(models.Model):
    """An approved new email on its way to becoming the recovery address.

    The new address gets a code (stored as a keyed, salted digest) that its owner enters while
    signed in; the old address, if any, is told of the change with a signed, single-use "this
    wasn't me" link. Until the code is entered the old address stays the recovery address.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="email_changes")
    old_email = models.CharField(max_length=254, blank=True)
    new_email = models.CharField(max_length=254)
    status = models.CharField(max_length=12, choices=EmailChangeStatus.choices)
    code_salt = models.CharField(max_length=32, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    resends = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"email change {self.public_id} ({self.status})"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the email code")
    SUBMITTED = "submitted", _("Email confirmed; dossier filed")
    FAILED = "failed", _("Too many wrong codes")
    SUPERSEDED = "superseded", _("Replaced by a newer registration")


class Registration(models.Model):
    """An online registration (01/ĐK-GD) by someone without an account. Exactly what they
    typed, kept whether or not it matches the registry; once the typed email is confirmed by
    code, a dossier is filed (with the matched person, or none)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    identifier = models.CharField(max_length=12)
    full_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=10)
    email = models.CharField(max_length=254)
    office = models.ForeignKey("people.Office", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=2, default="vi")
    status = models.CharField(
        max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    subject_key = models.CharField(max_length=80)  # digest of the typed email
    code_salt = models.CharField(max_length=32)
    code_digest = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    resends = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    last_sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    dossier = models.OneToOneField(
        Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="registration"
    )

    class Meta:
        indexes = [models.Index(fields=["subject_key", "status"])]

    def __str__(self) -> str:
        return f"registration {self.public_id} ({self.status})"


# The correction case of a contribution period (issue 15 §2) lives in its own module.
from .case_models import CaseEvent, CaseEvidence, CorrectionCase  # noqa: E402, F401
