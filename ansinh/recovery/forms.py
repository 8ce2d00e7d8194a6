"""Portal forms of the recovery flow; the API validates the same fields with its schemas and
calls the same services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ansinh.accounts.codes import normalize_code
from ansinh.lib.captcha_form import CaptchaField, CaptchaFormMixin
from ansinh.lib.identifiers import MAX_EMAIL_LENGTH

CHOOSE, EMAIL_TEMPORARY = "choose", "email"


class RecoveryRequestForm(CaptchaFormMixin, forms.Form):
    """Step 1: "Quên mật khẩu" — identifier, email on record and the "Mã kiểm tra" CAPTCHA."""

    username = forms.CharField(
        label=_("BHXH code or CCCD number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric"}),
    )
    email = forms.CharField(
        label=_("Personal email registered with BHXH"),
        max_length=MAX_EMAIL_LENGTH + 20,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    captcha = CaptchaField(label=_("Verification code (Mã kiểm tra)"))


class RecoveryCodeForm(forms.Form):
    """Step 2: the emailed code, and either a new password (offered first) or a temporary one
    by email; the two new-password fields count only when the person chose their own."""

    otp = forms.CharField(
        label=_("Code from the email (OTP)"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    # Nothing chosen beforehand (a preselected radio is easily left as it is): the new-password
    # fields appear once "choose my own" is chosen (static/recovery-choice.js).
    choice = forms.ChoiceField(
        label=_("After the code, I want to"),
        choices=[
            (CHOOSE, _("Choose my new password now (recommended)")),
            (EMAIL_TEMPORARY, _("Email me a temporary password instead")),
        ],
        error_messages={"required": _("Choose what happens after the code.")},
        widget=forms.RadioSelect,
    )
    new_password = forms.CharField(
        label=_("New password"),
        max_length=256,
        strip=False,
        required=False,
        help_text=_(
            "12 to 128 characters. A long phrase is easier to remember and harder to guess."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        max_length=256,
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_otp(self) -> str:
        # People paste "123 456", "123-456" or full-width digits: one rule for every code.
        return normalize_code(self.cleaned_data["otp"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == CHOOSE:
            if not data.get("new_password"):
                self.add_error("new_password", _("Enter the new password."))
            elif data.get("new_password") != data.get("new_password_again"):
                self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class PaperFormRequest(forms.Form):
    """The printable 02/SĐ-GD: only what the person types here (and typed in step 1), never
    anything from the registry."""

    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    date_of_birth = forms.CharField(label=_("Date of birth"), max_length=10, required=False)
    username = forms.CharField(label=_("BHXH code or CCCD number"), max_length=12, required=False)
    cccd = forms.CharField(label=_("CCCD number"), max_length=12, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=15, required=False)
    email = forms.CharField(
        label=_("Email to register"), max_length=MAX_EMAIL_LENGTH, required=False
    )
    address = forms.CharField(label=_("Contact address"), max_length=300, required=False)
