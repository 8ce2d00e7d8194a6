"""The registry (DESIGN §3.1): persons, units, collection organisations, offices, facilities.

Personal data changes only through ``people.services.change_personal_data`` (called by an
approved dossier), which writes one append-only ``PersonChange`` row per field.
"""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.lib import identifiers


def _bhxh(value: str) -> None:
    identifiers.validate_bhxh_code(value)


def _cccd(value: str) -> None:
    identifiers.validate_cccd(value)


def _office_code(value: str) -> None:
    identifiers.validate_office_code(value)


def _unit_code(value: str) -> None:
    identifiers.validate_unit_code(value)


def _phone(value: str) -> None:
    if identifiers.normalize_phone(value) != value:
        raise ValidationError(_("Store phone numbers normalised."), code="invalid_phone")


def _email(value: str) -> None:
    if identifiers.normalize_email(value) != value:
        raise ValidationError(_("Store email addresses normalised."), code="invalid_email")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


_OFFICE_PHONE = re.compile(r"0\d{2,3}( ?\d){6,8}", re.ASCII)
_HOURS = re.compile(r"\d{2}:\d{2}[–-]\d{2}:\d{2}(, \d{2}:\d{2}[–-]\d{2}:\d{2})*", re.ASCII)


def _office_phone(value: str) -> None:
    if not _OFFICE_PHONE.fullmatch(value):
        raise ValidationError(
            _("An office phone is 10 or 11 digits starting with 0, grouped by spaces."),
            code="invalid_phone",
        )


def _hours(value: str) -> None:
    if not _HOURS.fullmatch(value):
        raise ValidationError(
            _("Opening hours are time ranges such as 07:30–11:30, 13:30–16:30."),
            code="invalid_hours",
        )


class Office(models.Model):
    """A BHXH office (cơ quan BHXH), e.g. 01001 "BHXH quận Ba Đình", with what a person needs
    to go there (issue 12 §2 "find an office"): a street address, a phone number as dialled
    (``024 3736 2222``), the province it is in, the hours the office works on weekdays and the
    hours its counter (bộ phận một cửa) takes dossiers on weekdays and on Saturday (empty:
    closed). Hours are time ranges (``07:30–11:30, 13:30–16:30``): the pages say the days in
    the reader's language."""

    code = models.CharField(max_length=5, unique=True, validators=[_office_code])
    name = models.CharField(max_length=200)
    province_code = models.CharField(max_length=2)
    province_name = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[_office_phone])
    weekday_hours = models.CharField(max_length=60, blank=True, validators=[_hours])
    counter_hours = models.CharField(max_length=60, blank=True, validators=[_hours])
    counter_saturday_hours = models.CharField(max_length=60, blank=True, validators=[_hours])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @staticmethod
    def _ranges(hours: str) -> list[str]:
        return [part.strip() for part in hours.split(",") if part.strip()]

    @property
    def weekday_ranges(self) -> list[str]:
        return self._ranges(self.weekday_hours)

    @property
    def counter_ranges(self) -> list[str]:
        return self._ranges(self.counter_hours)

    @property
    def counter_saturday_ranges(self) -> list[str]:
        return self._ranges(self.counter_saturday_hours)

    @property
    def phone_uri(self) -> str:
        """The ``tel:`` link of ``phone`` (digits only), or empty."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return f"tel:{digits}" if digits else ""


class Unit(models.Model):
    """An employer unit (đơn vị sử dụng lao động), managed by one office."""

    code = models.CharField(max_length=20, unique=True, validators=[_unit_code])
    name = models.CharField(max_length=200)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="units")
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CollectionOrganisation(models.Model):
    """A collection service organisation (tổ chức dịch vụ thu)."""

    code = models.CharField(max_length=20, unique=True, validators=[_unit_code])
    name = models.CharField(max_length=200)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="collection_organisations"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HealthFacility(models.Model):
    """A health facility for initial registration (cơ sở KCB ban đầu)."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)
    province_code = models.CharField(max_length=2)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "health facilities"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Person(models.Model):
    """An insured person, keyed by the lifelong 10-digit BHXH code (and the 12-digit CCCD)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bhxh_code = models.CharField(max_length=10, unique=True, validators=[_bhxh])
    cccd = models.CharField(max_length=12, unique=True, null=True, blank=True, validators=[_cccd])
    full_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    nationality = models.CharField(max_length=2, default="VN")
    ethnicity = models.CharField(max_length=50, default="Kinh")
    address = models.CharField(max_length=300, blank=True)
    province_code = models.CharField(max_length=2)
    phone = models.CharField(max_length=10, blank=True, validators=[_phone])
    email = models.CharField(
        max_length=identifiers.MAX_EMAIL_LENGTH, blank=True, validators=[_email]
    )
    email_verified = models.BooleanField(default=False)
    # A new email approved by a dossier but not yet confirmed by its owner (docs/dossiers.md,
    # "Email change safety"). Recovery never uses it: ``email`` stays the recovery address
    # until the owner enters the code sent to this one.
    pending_email = models.CharField(
        max_length=identifiers.MAX_EMAIL_LENGTH, blank=True, validators=[_email]
    )
    language = models.CharField(
        max_length=2, default="vi", choices=[("vi", "Tiếng Việt"), ("en", "English")]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bhxh_code"]

    def __str__(self) -> str:
        return f"{self.bhxh_code} {self.full_name}"

    def clean(self) -> None:
        if self.cccd and self.date_of_birth and self.sex:
            identifiers.check_cccd_matches(
                self.cccd, sex=self.sex, date_of_birth=self.date_of_birth
            )


class PersonChange(models.Model):
    """One change of one personal-data field: append-only history (DESIGN §3.1)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    # The public id of the dossier that made the change (e.g. "HS-2026-7KQ2M9XA"). A string,
    # not a foreign key, so that the registry does not depend on the dossiers app.
    dossier_ref = models.CharField(max_length=40, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.field} @ {self.changed_at:%Y-%m-%d}"


_MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)


def _month(value: str) -> None:
    if not _MONTH_RE.fullmatch(value):
        raise ValidationError(_("A month is written YYYY-MM."), code="invalid_month")


class Employment(models.Model):
    """A person works for a unit from ``start_month`` to ``end_month`` (open while empty).

    The minimal relation the dossiers need to decide who a unit may file TK1-TS for ("its
    current employees", DESIGN §3.4). The employers' reports (D02-LT, DESIGN §3.5) keep it
    current: a hire opens a row, a leave closes it. Months are ``YYYY-MM``.
    """

    # No database foreign keys (issue 16), like the contributions projections it mirrors: the
    # report ingest rewrites these rows set-based from rows joined to the registry; persons and
    # units are never deleted (PROTECT still holds in the ORM). No index of its own on ``unit``:
    # the (unit, person) index serves.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="employments", db_constraint=False
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="employments",
        db_constraint=False,
        db_index=False,
    )
    start_month = models.CharField(max_length=7, validators=[_month])
    end_month = models.CharField(max_length=7, blank=True, validators=[_month])  # "" = open

    class Meta:
        ordering = ["person", "start_month"]
        indexes = [models.Index(fields=["unit", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.unit_id} {self.start_month}–{self.end_month or ''}"


class Participation(models.Model):
    """A voluntary or household participant registered with a collection organisation, from
    ``start_month`` to ``end_month`` (open while empty): whom the organisation may file for."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    organisation = models.ForeignKey(
        CollectionOrganisation, on_delete=models.PROTECT, related_name="participations"
    )
    start_month = models.CharField(max_length=7, validators=[_month])
    end_month = models.CharField(max_length=7, blank=True, validators=[_month])  # "" = open

    class Meta:
        ordering = ["person", "start_month"]
        indexes = [models.Index(fields=["organisation", "person"])]

    def __str__(self) -> str:
        return (
            f"{self.person_id} @ {self.organisation_id} {self.start_month}–{self.end_month or ''}"
        )
