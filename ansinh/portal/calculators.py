"""The public calculators page (issue 15 §3): voluntary social insurance, household health
insurance and an employee's deductions. Parse (GET forms) → ``contributions.calculators`` →
render, with the reference rows the service used."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ansinh.contributions import calculators
from ansinh.contributions.models import WageRegion
from ansinh.lib.errors import DomainError
from ansinh.lib.middleware import page_status

GROUP_CHOICES = [
    ("poor", _("Poor household")),
    ("near_poor", _("Near-poor household")),
    ("ethnic_minority", _("Ethnic minority")),
    ("other", _("Other participants")),
]
MONEY = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1000"})


class VoluntaryForm(forms.Form):
    income = forms.IntegerField(
        label=_("Chosen monthly income (đồng)"), min_value=0, max_value=10**12, widget=MONEY,
        help_text=_("Between the rural poverty line and 20 times the reference level."),
    )  # fmt: skip
    group = forms.ChoiceField(label=_("Participant group"), choices=GROUP_CHOICES)


class HouseholdForm(forms.Form):
    members = forms.IntegerField(
        label=_("Members of the household"), min_value=1, max_value=calculators.MAX_MEMBERS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip


class SalaryForm(forms.Form):
    salary = forms.IntegerField(
        label=_("Monthly salary for contributions (đồng)"), min_value=1,
        max_value=calculators.MAX_SALARY, widget=MONEY,
    )  # fmt: skip
    region = forms.ChoiceField(label=_("Wage region"), choices=WageRegion.choices)


KINDS: dict[str, tuple[type[forms.Form], Any]] = {
    "tu-nguyen": (VoluntaryForm, calculators.voluntary_bhxh),
    "ho-gia-dinh": (HouseholdForm, calculators.household_bhyt),
    "tien-luong": (SalaryForm, calculators.salary_deductions),
}


def calculators_page(request: HttpRequest) -> HttpResponse:
    """One page, three GET forms; ``?loai=`` says which one was sent."""
    kind = request.GET.get("loai", "")
    sent = kind in KINDS
    status, result = 200, None
    built: dict[str, forms.Form] = {}
    for name, (form_class, _compute) in KINDS.items():
        built[name] = form_class(request.GET if sent and name == kind else None, prefix=name)
    if sent:
        form = built[kind]
        if form.is_valid():
            try:
                result = KINDS[kind][1](**form.cleaned_data, on=timezone.localdate())
            except DomainError as exc:
                for field, message in exc.fields.items():
                    form.add_error(field if field in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
                status = page_status(exc)
        else:
            status = 400
    context: dict[str, Any] = {"kind": kind, "result": result}
    context.update({f"{name.replace('-', '_')}_form": form for name, form in built.items()})
    return render(request, "portal/public/calculators.html", context, status=status)
