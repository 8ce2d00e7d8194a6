"""The portal's form for a correction case (issue 15 §2); the rules are in ``cases``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .case_models import Problem
from .forms import DocumentsField

# A refusal code of ``cases.file_case`` → the text under the field.
FIELD_MESSAGES: dict[str, Any] = {
    "invalid_month": _("Enter a month as YYYY-MM."),
    "before_from_month": _("The last month is before the first month."),
    "future_month": _("The last month cannot be in the future."),
    "too_many_months": _("A case covers at most 120 months."),
    "unknown_unit": _("No unit has this code."),
}


class CaseForm(forms.Form):
    unit_code = forms.CharField(label=_("Unit code"), max_length=20)
    from_month = forms.CharField(
        label=_("From month"), widget=forms.TextInput(attrs={"type": "month"})
    )
    to_month = forms.CharField(label=_("To month"), widget=forms.TextInput(attrs={"type": "month"}))
    problem = forms.ChoiceField(label=_("What is wrong"), choices=Problem.choices)
    salary = forms.IntegerField(
        label=_("Salary on the payslip (đồng)"), required=False, min_value=1
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    name_visible = forms.BooleanField(label=_("The unit may see my name"), required=False)
    evidence = DocumentsField(
        label=_("Evidence: payslips, contract, photos (PNG, JPEG or PDF)"), required=False
    )

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("evidence", None)
        return data

    def show_refusal(self, fields: dict[str, str], message: Any) -> None:
        for field, code in fields.items():
            target = field if field in self.fields else None
            self.add_error(target, FIELD_MESSAGES.get(code, message))
        if not fields:
            self.add_error(None, message)


class CaseDecisionForm(forms.Form):
    """The office's decision on a case sent to it."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold: correct the history")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    salary = forms.IntegerField(
        label=_("Salary to record (đồng; empty: the one the person gave)"),
        required=False,
        min_value=1,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
