"""Participation and contributions (DESIGN §3.5, docs/contributions.md).

Three kinds of table:

* **Reference data** that staff edit (admin): dated contribution rates, reference levels,
  regional minimum wages and salary caps, each row with its legal source. Nothing about rates
  is in the code; the data migration ``0002`` loads the values in force since 2015.
* **The record**, append-only: reports (D02-LT) and their lines, and payments. A correction is
  a new report line (``correct_period``), never an edit of an old one.
* **Projections** rebuilt from the record: employments, one row per person, unit and month
  (``ContributionMonth``, what the citizen's history reads), unit statements per month (C12-TS)
  and a per-person snapshot of the participation document (the fast read path).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ansinh.lib.actor import Channel


class Scheme(models.TextChoices):
    """The four schemes a citizen sees (VssID tabs)."""

    BHXH = "BHXH", _("Social insurance (BHXH)")
    BHYT = "BHYT", _("Health insurance (BHYT)")
    BHTN = "BHTN", _("Unemployment insurance (BHTN)")
    BHTNLD_BNN = "BHTNLD_BNN", _("Occupational accident and disease insurance (BHTNLĐ-BNN)")


# Stored as a bit set on report lines and month rows (one SMALLINT instead of four columns).
SCHEME_BITS: dict[str, int] = {
    Scheme.BHXH: 1,
    Scheme.BHYT: 2,
    Scheme.BHTN: 4,
    Scheme.BHTNLD_BNN: 8,
}
ALL_SCHEMES = 15


class Fund(models.TextChoices):
    """The funds contributions go to; each belongs to one scheme."""

    PENSION = "pension", _("Retirement and survivors")
    SICKNESS = "sickness_maternity", _("Sickness and maternity")
    ACCIDENT = "accident_disease", _("Occupational accident and disease")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    HEALTH = "health", _("Health")


FUND_SCHEME: dict[str, str] = {
    Fund.PENSION: Scheme.BHXH,
    Fund.SICKNESS: Scheme.BHXH,
    Fund.ACCIDENT: Scheme.BHTNLD_BNN,
    Fund.UNEMPLOYMENT: Scheme.BHTN,
    Fund.HEALTH: Scheme.BHYT,
}


# Bits of ``ContributionMonth.paid_funds``: which funds of a partly paid month are booked.
FUND_PAID_BITS: dict[str, int] = {
    Fund.HEALTH: 1,
    Fund.UNEMPLOYMENT: 2,
    Fund.SICKNESS: 4,
    Fund.ACCIDENT: 8,
    Fund.PENSION: 16,
}
ALL_FUNDS_PAID = 31
# The funds that make a scheme paid in a month: BHXH needs both of its funds.
SCHEME_FUNDS: dict[str, int] = {
    scheme: sum(bit for fund, bit in FUND_PAID_BITS.items() if FUND_SCHEME[fund] == scheme)
    for scheme in Scheme.values
}


class Payer(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    EMPLOYEE = "employee", _("Employee")


class CapBasis(models.TextChoices):
    REFERENCE_LEVEL = "reference_level", _("Reference level (mức lương cơ sở)")
    REGIONAL_MINIMUM_WAGE = "regional_minimum_wage", _("Regional minimum wage")


class WageRegion(models.TextChoices):
    I = "I", _("Region I")  # noqa: E741 - the legal name of the region
    II = "II", _("Region II")
    III = "III", _("Region III")
    IV = "IV", _("Region IV")


# --- Reference data -------------------------------------------------------------------------


class ContributionRate(models.Model):
    """A rate in basis points (1/100 %) for one fund and payer, in force from ``valid_from``
    (the first day of a month) until the next row of the same fund and payer."""

    fund = models.CharField(max_length=20, choices=Fund.choices)
    payer = models.CharField(max_length=8, choices=Payer.choices)
    basis_points = models.PositiveIntegerField(help_text="1400 = 14 %")
    valid_from = models.DateField(help_text="first day of the first month it applies to")
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["fund", "payer", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "payer", "valid_from"], name="contrib_rate_unique"
            ),
            models.CheckConstraint(
                condition=Q(basis_points__lte=10000), name="contrib_rate_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund}/{self.payer} {self.basis_points / 100:g}% from {self.valid_from}"


class ReferenceLevel(models.Model):
    """The reference level (mức lương cơ sở / mức tham chiếu), in đồng."""

    amount = models.PositiveBigIntegerField()
    valid_from = models.DateField(unique=True)
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.amount:,} đ from {self.valid_from}"


class RegionalMinimumWage(models.Model):
    """The monthly regional minimum wage of one region, in đồng."""

    region = models.CharField(max_length=3, choices=WageRegion.choices)
    amount = models.PositiveBigIntegerField()
    valid_from = models.DateField()
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["region", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "valid_from"], name="contrib_rmw_unique")
        ]

    def __str__(self) -> str:
        return f"region {self.region}: {self.amount:,} đ from {self.valid_from}"


class SalaryCap(models.Model):
    """The highest salary contributions of ``fund`` are computed on: ``multiplier`` × the
    reference level or × the regional minimum wage of the unit's region."""

    fund = models.CharField(max_length=20, choices=Fund.choices)
    multiplier = models.PositiveIntegerField()
    basis = models.CharField(max_length=24, choices=CapBasis.choices)
    valid_from = models.DateField()
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["fund", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "valid_from"], name="contrib_cap_unique")
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.multiplier} × {self.basis} from {self.valid_from}"


class DueDateRule(models.Model):
    """When a month's contributions are due, in force for the months from ``valid_from``: by
    the last day of the month ``months_after`` months later (0: the month itself; 1: the
    following month, Luật BHXH 41/2024/QH15 from 07/2025). Dated reference data, like rates."""

    valid_from = models.DateField(
        unique=True, help_text="first day of the first month it applies to"
    )
    months_after = models.PositiveSmallIntegerField()
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"due {self.months_after} month(s) after, from {self.valid_from}"


class UnitContributionProfile(models.Model):
    """What contributions need to know about a unit beyond the registry: its minimum-wage
    region (the BHTN cap). A unit without a row is in region I."""

    unit = models.OneToOneField(
        "people.Unit", on_delete=models.CASCADE, related_name="contribution_profile"
    )
    wage_region = models.CharField(max_length=3, choices=WageRegion.choices, default=WageRegion.I)

    def __str__(self) -> str:
        return f"{self.unit_id} region {self.wage_region}"


# --- The record (append-only) ---------------------------------------------------------------


class Report(models.Model):
    """A unit's report of changes (like D02-LT), stored once per (unit, reference)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=64)
    period = models.DateField(help_text="the month the report is for")
    # SHA-256 of the canonical lines: the same reference with another body is a conflict.
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.ForeignKey(
        "accounts.OrganisationKey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    line_count = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "reference"], name="contrib_report_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.reference}"


class LineType(models.TextChoices):
    HIRE = "hire", _("New hire")
    LEAVE = "leave", _("Leave")
    ADJUST_SALARY = "adjust_salary", _("Salary change")
    CORRECT_PERIOD = "correct_period", _("Correction of a past period")


class ReportLine(models.Model):
    """One line of a report, as received and validated; never changed afterwards."""

    # No database foreign keys (issue 16): the lines are written only by the ingest, in the
    # transaction that creates their report, from rows joined to the registry; reports and
    # persons are never deleted (PROTECT still holds in the ORM). Checked per row at commit,
    # the two keys were most of the cost of storing a large report (bench/RESULTS.md).
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    line_no = models.PositiveIntegerField()
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    bhxh_code = models.CharField(max_length=10)
    type = models.CharField(max_length=14, choices=LineType.choices)
    from_month = models.DateField()
    to_month = models.DateField(null=True, blank=True)
    salary = models.PositiveBigIntegerField(null=True, blank=True)
    job_title = models.CharField(max_length=100, blank=True)
    schemes = models.PositiveSmallIntegerField(default=ALL_SCHEMES)

    class Meta:
        ordering = ["report", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["report", "line_no"], name="contrib_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}#{self.line_no} {self.type} {self.bhxh_code}"


class PaymentSource(models.TextChoices):
    BACKOFFICE = "backoffice", _("Recorded by staff")
    BANK_IMPORT = "bank_import", _("Bank transfer import")


class Payment(models.Model):
    """Money a unit paid, in đồng. Payments settle the unit's months oldest first."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField()
    paid_on = models.DateField()
    source = models.CharField(max_length=12, choices=PaymentSource.choices)
    # The bank's transaction id: importing the same statement twice records each transfer once.
    bank_reference = models.CharField(max_length=64, null=True, blank=True, unique=True)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["unit", "paid_on"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.amount:,} đ on {self.paid_on}"


# --- Projections --------------------------------------------------------------------------


class Employment(models.Model):
    """A person's employment at a unit as the unit's reports describe it: the source of truth
    for participation (docs/contributions.md). ``covered_to`` is the last month for which month
    rows exist while the employment is open."""

    # Projection rows: no database foreign keys (written set-based from rows joined to the
    # registry, in one transaction; persons and units are never deleted). See pgingest.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    unit = models.ForeignKey(
        "people.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (unit, ended) index serves
    )
    started = models.DateField()
    ended = models.DateField(null=True, blank=True, help_text="last month employed")
    salary = models.PositiveBigIntegerField()
    job_title = models.CharField(max_length=100, blank=True)
    schemes = models.PositiveSmallIntegerField(default=ALL_SCHEMES)
    covered_to = models.DateField()

    class Meta:
        ordering = ["person", "-started"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit"],
                condition=Q(ended__isnull=True),
                name="contrib_one_open_employment",
            )
        ]
        indexes = [models.Index(fields=["unit", "ended"])]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id} from {self.started}"


class ContributionMonth(models.Model):
    """One month of one person at one unit: salary, job title, schemes and whether the unit
    has paid it. What ``GET /me/participation`` and the statements read."""

    # No database foreign keys, like ``Employment``'s.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "people.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (unit, month) index serves
    )
    month = models.DateField()
    salary = models.PositiveBigIntegerField()
    job_title = models.CharField(max_length=100, blank=True)
    schemes = models.PositiveSmallIntegerField(default=ALL_SCHEMES)
    paid = models.BooleanField(default=False)
    # The funds booked for a month the unit paid only in part (``FUND_PAID_BITS``; ``booking``).
    paid_funds = models.PositiveSmallIntegerField(default=0, db_default=0)
    # When the person was told this month is unpaid 30 days after its due date (once).
    alerted_at = models.DateTimeField(null=True, blank=True)
    # When the person was told this month was paid, with the declared salary (once).
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person", "month"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month", "unit"], name="contrib_month_unique")
        ]
        indexes = [models.Index(fields=["unit", "month"])]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.unit_id} {self.month:%Y-%m}"


class Statement(models.Model):
    """A unit's monthly statement (like C12-TS), recomputed whenever its month changes."""

    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    headcount = models.PositiveIntegerField()
    salary_fund = models.PositiveBigIntegerField()
    # {fund: {"employer": đ, "employee": đ}}
    due_by_fund = models.JSONField(default=dict)
    due = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["unit", "month"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="contrib_statement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}: {self.due:,} đ"


class ParticipationSnapshot(models.Model):
    """The ``GET /me/participation`` document of one person, as JSON text: rebuilt on the first
    read after any change to the person's months (changes delete it)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    document = models.TextField()
    # The same document compressed with gzip (``participation.gzipped``), sent to the clients
    # that accept it; null in a snapshot stored before it existed.
    document_gzip = models.BinaryField(null=True, blank=True)
    computed_at = models.DateTimeField()
    # Stale from this day on (an unpaid month turns to evasion that day); null: no such day.
    valid_until = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.computed_at}"


class CalculatorParameter(models.Model):
    """One dated parameter of the citizen's calculators (issue 15 §3): the rural poverty line,
    the voluntary-insurance rate and state support shares, the household health-insurance rate
    and member shares. ``value`` is in the unit its key names (đồng, basis points, months,
    times the reference level); each row has its legal source (docs/contributions.md)."""

    key = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField()
    valid_from = models.DateField(help_text="first day it applies to")
    legal_source = models.CharField(max_length=300)

    class Meta:
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="contrib_calcparam_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} from {self.valid_from}"


class ParticipationCertificate(models.Model):
    """A signed participation certificate (issue 15 §3, like C14-TS): the person's history as
    it stood when issued, kept as the exact JSON text that was signed (its digest is in the
    payload). Revoking sets ``revoked_at``; the row is never edited otherwise."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    history = models.TextField(help_text="canonical JSON of the history the payload signs")
    payload = models.TextField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person", "-issued_at"]
        indexes = [models.Index(fields=["person", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.person_id})"


from .late_models import LateNotice, LatePaymentRule, PaymentBookingRule  # noqa: E402

__all__ = ["LateNotice", "LatePaymentRule", "PaymentBookingRule"]
