"""Back-office forms of contributions; the services validate the content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ansinh.people.models import Unit


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.name}"


class ReportUploadForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"))
    reference = forms.CharField(label=_("Report reference"), max_length=64)
    period = forms.CharField(label=_("Period (YYYY-MM)"), max_length=7)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: bhxh_code, type, from_month, to_month, salary, job_title, schemes (see the documentation)."
        ),
    )


class PaymentForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"))
    amount = forms.IntegerField(label=_("Amount (đồng)"), min_value=1, max_value=10**15)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank transfers (CSV)"),
        help_text=_("Columns: bank_reference, unit_code, amount, paid_on (YYYY-MM-DD)."),
    )


class StatementLookupForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.order_by("code"))
    month = forms.CharField(label=_("Month (YYYY-MM)"), max_length=7)
