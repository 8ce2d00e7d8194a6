"""Reference data is edited here by staff with the admin role ("Reference data" in the back
office). Rates, levels, wages and caps are dated rows: add a row with a later ``valid_from``
instead of changing one that months were computed with. The record and the projections are
read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from ansinh.lib.actor import Actor, Channel

from .access import log_staff_reads
from .models import (
    ContributionMonth,
    ContributionRate,
    DueDateRule,
    Employment,
    LatePaymentRule,
    ParticipationSnapshot,
    Payment,
    PaymentBookingRule,
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


@admin.register(DueDateRule)
class DueDateRuleAdmin(admin.ModelAdmin[DueDateRule]):
    """A changed rule changes which months are late: the stored participation documents go."""

    list_display = ["valid_from", "months_after", "legal_source"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        ParticipationSnapshot.objects.all().delete()

    def delete_model(self, request: Any, obj: Any) -> None:
        super().delete_model(request, obj)
        ParticipationSnapshot.objects.all().delete()


@admin.register(LatePaymentRule)
class LatePaymentRuleAdmin(DueDateRuleAdmin):
    """Late interest and the evasion threshold; a change may turn months to evasion."""

    list_display = ["valid_from", "interest_ppm_per_day", "evasion_after_days", "legal_source"]


# The order applies from each unit's next settlement (a payment, a report, a statement).
admin.site.register(PaymentBookingRule, list_display=["valid_from", "order", "legal_source"])
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


class PersonRowsAdmin(ReadOnlyAdmin):
    """A list of persons' rows (salaries, employers): every person shown is access-logged, on
    the list and on a row's page, so the person sees that an administrator read it."""

    access_what = "contributions"

    def _log(self, request: HttpRequest, rows: Any) -> None:
        actor = Actor.from_request(request, Channel.BACKOFFICE)
        log_staff_reads(actor, (row.person for row in rows), what=self.access_what)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log(request, changelist.result_list)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if original is not None:
            self._log(request, [original])
        return response


@admin.register(Employment)
class EmploymentAdmin(PersonRowsAdmin):
    access_what = "employment"
    list_display = ["person", "unit", "started", "ended", "salary"]
    raw_id_fields = ["person", "unit"]


@admin.register(ContributionMonth)
class ContributionMonthAdmin(PersonRowsAdmin):
    access_what = "contribution_month"
    list_display = ["person", "unit", "month", "salary", "paid"]
    raw_id_fields = ["person", "unit"]
