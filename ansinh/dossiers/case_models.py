"""The citizen's correction case (issue 15 §2, docs/contributions.md "Correction cases"): a
person reports a wrong or missing contribution period of one unit; the unit answers with a
correction report (``correct_period`` lines) or disputes; the office decides. Imported by
``models`` so Django sees the models of this app.

* ``CorrectionCase``: public id ``KN-YYYY-XXXXXXXX``, person, unit, office, months, what is
  wrong, whether the unit may see the name, status, the unit's and the office's deadlines.
* ``CaseEvent``: append-only timeline.
* ``CaseEvidence``: payslips, contract, photos (PNG, JPEG, PDF checked by content).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .paths import public_id, stored_file_path


def new_case_id() -> str:
    """``KN-<year>-<8 random characters>``, like a dossier's ``HS-…``."""
    return public_id("KN")


class Problem(models.TextChoices):
    MISSING_MONTHS = "missing_months", _("Months missing")
    WRONG_SALARY = "wrong_salary", _("Wrong salary")
    WRONG_UNIT = "wrong_unit", _("Wrong unit")
    DEDUCTED_NOT_PAID = "deducted_not_paid", _("Deducted from pay but not paid")


class CaseStatus(models.TextChoices):
    AWAITING_UNIT = "awaiting_unit", _("Waiting for the unit's answer")
    DISPUTED = "disputed", _("Disputed by the unit: the office decides")
    ESCALATED = "escalated", _("Not answered by the unit: the office decides")
    CORRECTED = "corrected", _("Corrected by the unit")
    UPHELD = "upheld", _("Upheld by the office: history corrected")
    REJECTED = "rejected", _("Rejected by the office")


CASE_OPEN = frozenset({CaseStatus.AWAITING_UNIT, CaseStatus.DISPUTED, CaseStatus.ESCALATED})
CASE_FOR_OFFICE = frozenset({CaseStatus.DISPUTED, CaseStatus.ESCALATED})


class CaseEventKind(models.TextChoices):
    FILED = "filed", _("Filed")
    CORRECTED = "corrected", _("Correction report sent by the unit")
    DISPUTED = "disputed", _("Disputed by the unit")
    ESCALATED = "escalated", _("Sent to the office: the unit did not answer in time")
    UPHELD = "upheld", _("Upheld by the office")
    REJECTED = "rejected", _("Rejected by the office")


class CorrectionCase(models.Model):
    public_id = models.CharField(max_length=20, unique=True, default=new_case_id, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="correction_cases"
    )
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("people.Office", on_delete=models.PROTECT, related_name="+")
    from_month = models.DateField()
    to_month = models.DateField()
    problem = models.CharField(max_length=20, choices=Problem.choices)
    # The salary the person says is right (the payslip's), when they know it.
    salary = models.PositiveBigIntegerField(null=True, blank=True)
    description = models.CharField(max_length=1000, blank=True)
    name_visible = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=CaseStatus.choices, default=CaseStatus.AWAITING_UNIT
    )
    filed_at = models.DateTimeField()
    # The last working day for the unit's answer, then for the office's decision.
    unit_due = models.DateField()
    office_due = models.DateField(null=True, blank=True)
    report = models.ForeignKey(
        "contributions.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["office", "status"]),
            models.Index(fields=["status", "unit_due"]),
        ]

    def __str__(self) -> str:
        return self.public_id


class CaseEvent(models.Model):
    case = models.ForeignKey(CorrectionCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    status = models.CharField(max_length=20, choices=CaseStatus.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


def _evidence_path(instance: CaseEvidence, filename: str) -> str:
    return stored_file_path("cases", instance.content_type)


class CaseEvidence(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(CorrectionCase, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.original_name}"
