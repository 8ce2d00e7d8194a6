"""Forms of the public card check (portal "Tra cứu thẻ BHYT"). They only parse; the service
(``cards.verification``) validates the card number and the name and decides."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ansinh.lib.captcha_form import CaptchaField, CaptchaFormMixin
from ansinh.lib.errors import Invalid

from .verification import MAX_QR_LENGTH, NAME_ERROR, NUMBER_ERROR, parse_number


class CardDetailsForm(CaptchaFormMixin, forms.Form):
    """By what is printed on the card: its number (or the BHXH code), full name and date of
    birth, and the "Mã kiểm tra"."""

    number = forms.CharField(
        label=_("Card number or BHXH code"),
        max_length=40,
        error_messages={"required": NUMBER_ERROR},
        help_text=_(
            "The 15 characters on the card, e.g. DN4010123456789, or the 10-digit BHXH code."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=120,
        error_messages={"required": NAME_ERROR},
        help_text=_("With diacritics, as printed on the card."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        # Typed, not picked: a date picker is slow for a birth date, and its format follows
        # the browser's language. Day first, as printed on the card; digits only works too.
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d%m%Y", "%Y-%m-%d"],
        help_text=_("Day/month/year, e.g. 17/05/1990."),
        error_messages={
            "required": _("Type the date of birth."),
            "invalid": _("Type the date of birth as day/month/year, e.g. 17/05/1990."),
        },
        widget=forms.DateInput(attrs={"autocomplete": "off", "maxlength": "10"}, format="%d/%m/%Y"),
    )
    captcha = CaptchaField()

    def clean_number(self) -> str:
        """Refused here too (with the service's message), so that every mistake of the form is
        shown at once; the service checks it again for the other doors."""
        value: str = self.cleaned_data["number"]
        try:
            parse_number(value)
        except Invalid as exc:
            raise forms.ValidationError(exc.fields["number"], code="invalid_card_number") from None
        return value

    def clean_date_of_birth(self) -> dt.date:
        value: dt.date = self.cleaned_data["date_of_birth"]
        if value.year < 1900 or value > timezone.localdate():
            raise forms.ValidationError(_("Enter a real date of birth."), code="invalid_date")
        return value


class CardQrForm(CaptchaFormMixin, forms.Form):
    """By the text a QR reader shows for the card's QR code (``AS1.…``), and the "Mã kiểm tra"."""

    qr = forms.CharField(
        label=_("Text of the QR code"),
        max_length=MAX_QR_LENGTH,
        help_text=_(
            "Scan the QR code on the card with a QR reader, copy the text it shows (it starts with AS1.) and paste it here."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    captcha = CaptchaField()
