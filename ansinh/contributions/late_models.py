"""Dated rules of late payment and of booking a payment (issue 15 §1), and the record of the
monthly late notices. Imported by ``models`` so Django sees them; kept apart to keep that
module readable. Every rule row has its legal source (docs/contributions.md)."""

from __future__ import annotations

from django.db import models


class LatePaymentRule(models.Model):
    """Late interest and the evasion threshold in force from ``valid_from`` (a day): interest
    accrues each day a month's amount is late at ``interest_ppm_per_day`` millionths of it
    (300 = 0.03 %); a month still unpaid more than ``evasion_after_days`` days after its due
    date is evasion (null: the law in force then did not set such a threshold)."""

    valid_from = models.DateField(unique=True, help_text="first day it applies to")
    interest_ppm_per_day = models.PositiveIntegerField(help_text="300 = 0.03 % per day")
    evasion_after_days = models.PositiveSmallIntegerField(null=True, blank=True)
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.interest_ppm_per_day} ppm/day, evasion after {self.evasion_after_days} from {self.valid_from}"


class PaymentBookingRule(models.Model):
    """The order in which a partial payment is booked, for the months from ``valid_from``:
    a comma-separated list of ``leaving`` (employees who are leaving or claiming a benefit,
    booked in full first) and fund names (booked for everybody else, one fund after the other).
    Before the first rule, whole months are booked oldest first and nothing of a partly paid
    month is booked."""

    valid_from = models.DateField(
        unique=True, help_text="first day of the first month it applies to"
    )
    order = models.CharField(max_length=200)
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.order} from {self.valid_from}"


class LateNotice(models.Model):
    """One monthly late notice sent to one person about one unit: at most one per person,
    unit and month of sending (``ansinh late_notices``, run on the 10th)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="first day of the month the notice was sent in")
    months = models.JSONField(default=list, help_text="the late months it listed")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "month"], name="contrib_late_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id} {self.month:%Y-%m}"
