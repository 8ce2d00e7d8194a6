"""Reference data is edited here by staff with the admin role ("Reference data" in the back
office). Rates, levels, wages and caps are dated rows: add a row with a later ``valid_from``
instead of changing one that months were computed with. The record and the projections are
read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    ContributionMonth,
    ContributionRate,
    Employment,
    Payment,
    ReferenceLevel,
    RegionalMinimumWage,
    Report,
    SalaryCap,
    Statement,
    UnitContributionProfile,
)

admin.site.register(
    ContributionRate,
    list_display=["fund", "payer", "basis_points", "valid_from", "legal_source"],
    list_filter=["fund", "payer"],
)
admin.site.register(ReferenceLevel, list_display=["amount", "valid_from", "legal_source"])
admin.site.register(
    RegionalMinimumWage,
    list_display=["region", "amount", "valid_from", "legal_source"],
    list_filter=["region"],
)
admin.site.register(
    SalaryCap, list_display=["fund", "multiplier", "basis", "valid_from", "legal_source"]
)
admin.site.register(UnitContributionProfile, list_display=["unit", "wage_region"])


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "unit", "reference", "period", "line_count", "channel"]
    search_fields = ["reference", "unit__code"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "unit", "amount", "source", "bank_reference"]
    search_fields = ["unit__code", "bank_reference"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["unit", "month", "headcount", "salary_fund", "due"]
    search_fields = ["unit__code"]


@admin.register(Employment)
class EmploymentAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "started", "ended", "salary"]
    raw_id_fields = ["person", "unit"]


@admin.register(ContributionMonth)
class ContributionMonthAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "month", "salary", "paid"]
    raw_id_fields = ["person", "unit"]
