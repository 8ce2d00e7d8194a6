"""Forms of the portal and back-office dossier pages. They only parse; the services validate
the values (the API's schemas parse the same fields and call the same services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ansinh.accounts.codes import normalize_code
from ansinh.lib.captcha_form import CaptchaField, CaptchaFormMixin
from ansinh.lib.identifiers import MAX_EMAIL_LENGTH
from ansinh.people.models import Office

from .models import Decision, FormKind, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Up to ``DOSSIER_UPLOAD_MAX_FILES`` files in one input; checked by ``uploads.check_files``."""

    widget = MultipleFileInput(attrs={"accept": "image/png,image/jpeg,application/pdf"})

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return list(data)
        return [data] if data else []


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


def _office_field(label: Any) -> OfficeChoiceField:
    return OfficeChoiceField(
        label=label, queryset=Office.objects.order_by("code"), to_field_name="code"
    )


class ChangeRequestForm(forms.Form):
    """A citizen's change request: the new values (only those to change) and documents."""

    phone = forms.CharField(label=_("New mobile phone"), max_length=20, required=False)
    cccd = forms.CharField(
        label=_("New CCCD number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("New address"), max_length=300, required=False)
    email = forms.CharField(
        label=_("New email"),
        max_length=MAX_EMAIL_LENGTH,
        required=False,
        help_text=_(
            "A new email becomes your address for password recovery only after you enter the code we send to it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    office = _office_field(_("Receiving BHXH office"))
    documents = DocumentsField(label=_("Documents (PNG, JPEG or PDF)"), required=False)
    note = forms.CharField(
        label=_("Note for BHXH staff"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    FIELDS = ("phone", "cccd", "address", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = gettext(
            "1 to %(count)d files, at most %(mib)d MB each, e.g. both sides of your CCCD card."
        ) % {
            "count": settings.DOSSIER_UPLOAD_MAX_FILES,
            "mib": settings.DOSSIER_UPLOAD_MAX_BYTES // (1024 * 1024),
        }

    def changes(self) -> dict[str, str]:
        return {
            f: self.cleaned_data[f].strip()
            for f in self.FIELDS
            if self.cleaned_data.get(f, "").strip()
        }


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        # One rule for every emailed code: spaces and dashes dropped, full-width digits folded.
        return normalize_code(self.cleaned_data["code"])


def _photo_field(label: Any, help_text: Any, *, capture: str, required: Any) -> forms.FileField:
    """A photo taken on the spot or chosen (``capture``: the camera phones open first, "user"
    for the front one, "environment" for the back one); checked by the service."""
    return forms.FileField(
        label=label,
        help_text=help_text,
        error_messages={"required": required},
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": capture}),
    )


class RegistrationForm(CaptchaFormMixin, forms.Form):
    """01/ĐK-GD: who you are, how to reach you, the receiving office, three photos (CCCD front
    and back, a portrait) and the CAPTCHA."""

    PHOTOS = ("cccd_front", "cccd_back", "portrait")

    identifier = forms.CharField(
        label=_("BHXH code or CCCD number"),
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Personal email"),
        max_length=MAX_EMAIL_LENGTH + 20,
        help_text=_("We send a code to this address: you need it to file the registration."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    office = _office_field(_("Receiving BHXH office"))
    cccd_front = _photo_field(
        _("Photo of the front of your CCCD card"),
        _("The whole card, all four corners, readable."),
        capture="environment",
        required=_("Add a photo of the front of your CCCD card."),
    )
    cccd_back = _photo_field(
        _("Photo of the back of your CCCD card"),
        _("The whole card, all four corners, readable."),
        capture="environment",
        required=_("Add a photo of the back of your CCCD card."),
    )
    portrait = _photo_field(
        _("Portrait photo (selfie)"),
        _("Your face from the front, in good light, without glasses or a hat."),
        capture="user",
        required=_("Add a photo of your face (a portrait)."),
    )
    captcha = CaptchaField(label=_("Verification code (Mã kiểm tra)"))

    @property
    def max_mib(self) -> int:
        return int(settings.DOSSIER_UPLOAD_MAX_BYTES // (1024 * 1024))

    def photos(self) -> dict[str, Any]:
        return {kind: self.cleaned_data.get(kind) for kind in self.PHOTOS}

    def clean_date_of_birth(self) -> dt.date:
        value: dt.date = self.cleaned_data["date_of_birth"]
        if value.year < 1900 or value > dt.date.today():  # noqa: DTZ011 - a calendar date
            raise forms.ValidationError(_("Enter a real date of birth."), code="invalid_date")
        return value


# --- Back office ----------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The office queue's search box, view and filters (``worklist.worklist``)."""

    q = forms.CharField(
        label=_("Dossier code, BHXH code, CCCD or name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[
            ("todo", _("My to-do")),
            ("all", _("All dossiers of the office")),
            ("mine", _("Dossiers I hold")),
        ],
        required=False,
    )
    form = forms.ChoiceField(
        label=_("Form"), choices=[("", _("All forms")), *FormKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *Status.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    flagged = forms.BooleanField(label=_("Disputed email changes only"), required=False)
    today = forms.BooleanField(label=_("Received today only"), required=False)
    page = forms.IntegerField(
        min_value=1, max_value=100_000, required=False, widget=forms.HiddenInput
    )


class ClaimForm(forms.Form):
    """Nhận xử lý / take over / let go / assign (``claims``)."""

    action = forms.ChoiceField(
        choices=[
            ("claim", "claim"),
            ("take_over", "take_over"),
            ("release", "release"),
            ("assign", "assign"),
        ]
    )
    assignee = forms.CharField(label=_("Assign to"), max_length=40, required=False)


class PersonLookupForm(forms.Form):
    identifier = forms.CharField(
        label=_("BHXH code or CCCD number"),
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autofocus": True}),
    )


class CounterIntakeForm(forms.Form):
    """02/SĐ-GD at the counter. Staff never see or set a password here."""

    identity_checked = forms.BooleanField(
        label=_("I checked the person's CCCD card in person and it matches the registry"),
        required=True,
    )
    email = forms.CharField(
        label=_("New email"),
        max_length=MAX_EMAIL_LENGTH,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("New mobile phone"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def changes(self) -> dict[str, str]:
        return {
            f: self.cleaned_data[f].strip()
            for f in ("email", "phone")
            if self.cleaned_data.get(f, "").strip()
        }


class DecisionForm(forms.Form):
    """One choice and one reason per open field of the dossier (built per dossier)."""

    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, fields: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision_fields = [name for name, _label in fields]
        for name, label in fields:
            self.fields[f"decision_{name}"] = forms.ChoiceField(
                label=label,
                choices=[("", _("No decision now")), *Decision.choices],
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{name}"] = forms.CharField(
                label=_("Reason"), max_length=300, required=False
            )

    def decisions(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"decision_{name}"]
            for name in self.decision_fields
            if self.cleaned_data.get(f"decision_{name}")
        }

    def reasons(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"reason_{name}", "") for name in self.decision_fields}


class DisputeForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("cancel", _("Cancel the email change (keep the old address)")),
            ("release", _("Release the change (send a new code to the new address)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class KeyIssueForm(forms.Form):
    owner = forms.ChoiceField(label=_("Unit or collection organisation"))
    label = forms.CharField(label=_("Label"), max_length=100, required=False)

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners  # type: ignore[attr-defined]
