"""Back-office forms of contributions: they parse what staff typed; whether the unit may be
worked on is decided by ``access.get_unit_for_staff``, the content by the services.

A unit is named by its code (as on the unit's paperwork), never by a database id, and the
forms never list units: which units a clerk may reach is the access helper's answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ansinh.lib.identifiers import validate_unit_code

from .months import month_of, parse_month

BANK_IMPORT_MAX_BYTES = 10 * 1024 * 1024
AMOUNT_RE = re.compile(r"[0-9]{1,18}|[0-9]{1,3}(?:\.[0-9]{3}){1,5}", re.ASCII)


class UnitCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Unit code"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("validators", [validate_unit_code])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class ReportUploadForm(forms.Form):
    unit = UnitCodeField()
    reference = forms.CharField(label=_("Report reference"), max_length=64)
    period = forms.CharField(label=_("Period (YYYY-MM)"), max_length=7)
    file = forms.FileField(
        label=_("Report file (Excel .xlsx or CSV)"),
        help_text=_(
            "The D02-LT template's columns: Mã số BHXH, Loại biến động (tăng, giảm, điều chỉnh "
            "lương, truy thu), Từ tháng, Đến tháng, Mức lương, Chức danh, Loại bảo hiểm, Ngày "
            "sinh (required on hire lines). The API's column names are accepted too."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet"
            }
        ),
    )


class PaymentForm(forms.Form):
    unit = UnitCodeField()
    amount = forms.CharField(
        label=_("Amount (đồng)"),
        max_length=20,
        help_text=_("Whole đồng, digits only."),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Reference or note"),
        help_text=_("The payment order or bank transaction number, if there is one."),
        max_length=200,
        required=False,
    )

    def clean_amount(self) -> int:
        """A positive integer of đồng up to ``PAYMENT_MAX_AMOUNT``: ASCII digits, optionally
        grouped by dots as Vietnamese documents print them (``3.200.000``); no sign, decimals,
        exponent or other scripts' digits."""
        value = self.cleaned_data["amount"].strip()
        if not AMOUNT_RE.fullmatch(value) or int(value.replace(".", "")) == 0:
            raise ValidationError(
                _("Enter the amount as a whole number of đồng greater than 0."),
                code="invalid_amount",
            )
        amount = int(value.replace(".", ""))
        limit: int = settings.PAYMENT_MAX_AMOUNT
        if amount > limit:
            raise ValidationError(
                _("A payment is at most %(limit)s đồng."),
                code="amount_over_limit",
                params={"limit": f"{limit:,}".replace(",", ".")},
            )
        return amount


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank transfers (CSV)"),
        help_text=_("Columns: bank_reference, unit_code, amount, paid_on (YYYY-MM-DD)."),
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > BANK_IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is too large."), code="file_too_large")
        return file


class StatementLookupForm(forms.Form):
    unit = UnitCodeField()
    month = forms.CharField(label=_("Month (YYYY-MM)"), max_length=7)
    page = forms.IntegerField(
        min_value=1, max_value=10**6, required=False, widget=forms.HiddenInput
    )

    def clean_month(self) -> dt.date:
        from django.utils import timezone

        try:
            month = parse_month(self.cleaned_data["month"])
        except ValueError:
            raise ValidationError(_("A month is written YYYY-MM."), code="invalid_month") from None
        if month > month_of(timezone.localdate()):
            raise ValidationError(
                _("There is no statement for a future month."), code="future_month"
            )
        return month
