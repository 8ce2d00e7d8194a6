"""The "Mã kiểm tra" as people meet it on a form (issue 12 c; django-simple-captcha underneath).

* ``challenge``: the code, drawn with ``secrets`` from ``CAPTCHA_ALPHABET`` — digits with no
  look-alike glyph (no 0/O, 1/l/I, 5/S, 2/Z, 8/B) and easy to say: "ba, bốn, sáu, bảy, chín".
  Answers are compared without regard to case, spaces or full-width digits.
* ``CaptchaField``: a wrong answer and an expired (or already used) code get different,
  translated messages ("Mã kiểm tra không đúng" / "Mã kiểm tra đã hết hạn, vui lòng nhập mã
  mới"), never the library's English "Invalid CAPTCHA". A code works once, right or wrong; a
  right answer is consumed atomically, so two posts of one code cannot both pass.
* ``CaptchaInput``: a larger image, with small turns of the glyphs, whose text
  alternative never contains the code, an audio control (the code spoken on the server,
  ``ansinh.lib.speech``; absent when the server cannot speak) and a "Đổi mã khác" button. With
  JavaScript the button asks ``/captcha/refresh/`` for a new code (rate-limited there, like
  every minting); without it the button posts the form, and ``CaptchaFormMixin`` gives the form
  back with what was typed (passwords never: their inputs render no value) and a new code.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from captcha import fields as captcha_fields
from captcha.models import CaptchaStore
from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from . import speech

REFRESH = "captcha_refresh"  # the name of the "Đổi mã khác" button


def challenge() -> tuple[str, str]:
    """``CAPTCHA_BASE_CHALLENGE_FUNCT``: ``CAPTCHA_LENGTH`` symbols of ``CAPTCHA_ALPHABET``;
    the text drawn (and spoken) and the expected answer (lower case)."""
    alphabet: str = settings.CAPTCHA_ALPHABET
    text = "".join(secrets.choice(alphabet) for _ in range(int(settings.CAPTCHA_LENGTH)))
    return text, text.lower()


def normalize_answer(answer: str) -> str:
    """What a person may type for a code: full-width digits folded, spaces and dashes dropped,
    any case."""
    folded = unicodedata.normalize("NFKC", answer)
    return "".join(c for c in folded if not c.isspace() and c != "-").lower()


class CaptchaInput(captcha_fields.CaptchaTextInput):
    """The image, its audio and "Đổi mã khác" around the library's two inputs (the key, hidden,
    and the answer)."""

    # The library's own template draws an image with alt="captcha" and a link only when flite
    # is configured: here only the two inputs come from it, the rest from our template.
    template_name = "django/forms/widgets/multiwidget.html"
    wrapper_template = "captcha/field.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.widgets[1].attrs.update(
            {
                "inputmode": "numeric",
                "maxlength": "20",
                "class": "captcha-answer",
                "data-captcha-answer": "",
            }
        )

    def audio_url(self) -> str | None:
        if not speech.available():
            return None
        return reverse("captcha-audio", kwargs={"key": self._key})

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        base = (attrs or {}).get("id") or f"id_{name}"
        # A multi-input field gets no aria-describedby from Django: tie the answer to the hints,
        # and to the field's error when it has one (Django marks the field aria-invalid then).
        described = [f"{base}_helptext", f"{base}_audiohelp"]
        if (attrs or {}).get("aria-invalid"):
            described.append(f"{base}_error")
        self.widgets[1].attrs["aria-describedby"] = " ".join(described)
        inputs = super().render(name, value, attrs, renderer)  # mints the code (rate-limited)
        width, height = settings.CAPTCHA_IMAGE_SIZE
        context = {
            "inputs": inputs,
            "image": self.image_url(),
            "audio": self.audio_url(),
            "refresh_url": self.refresh_url(),
            "refresh_name": REFRESH,
            "width": width,
            "height": height,
            "id": base,
        }
        return mark_safe(render_to_string(self.wrapper_template, context))  # noqa: S308 - our template


class CaptchaField(captcha_fields.CaptchaField):
    """The library's field with our widget, our messages and the expired/wrong distinction."""

    default_error_messages = {
        "required": _("Type the verification code."),
        "incomplete": _("Type the verification code."),
        "invalid": _("The verification code is wrong. Type the new code."),
        "expired": _("The verification code has expired. Please type the new code."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", CaptchaInput())
        kwargs.setdefault("label", _("Verification code (Mã kiểm tra)"))
        kwargs.setdefault(
            "help_text", _("Type the digits in the picture, or listen to them with the audio.")
        )
        super().__init__(*args, **kwargs)
        # The library's __init__ put its English "Invalid CAPTCHA" over ours.
        self.error_messages["invalid"] = self.default_error_messages["invalid"]

    def clean(self, value: Any) -> Any:
        key, answer = (list(value or []) + [None, None])[:2]
        key = str(key or "").strip()
        answer = normalize_answer(str(answer or ""))
        if not answer:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if settings.CAPTCHA_TEST_MODE and answer == "passed":  # tests_settings.py only
            CaptchaStore.objects.filter(hashkey=key).delete()
            return f"{key},"
        now = timezone.now()
        # Right and in time: consumed in one statement, so only one post of a code passes.
        passed, _ = CaptchaStore.objects.filter(
            hashkey=key, response=answer, expiration__gt=now
        ).delete()
        if passed:
            return f"{key},"
        store = CaptchaStore.objects.filter(hashkey=key).first()
        if store is not None:
            store.delete()  # one try per code, right or wrong
        CaptchaStore.remove_expired()
        if store is None or store.expiration <= now:
            # Expired, or already used (then it was purged): either way a new code is needed.
            raise forms.ValidationError(self.error_messages["expired"], code="expired")
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class CaptchaFormMixin:
    """For a form with a ``CaptchaField``: "Đổi mã khác" posted without JavaScript is not a
    submission. The form is not validated (no errors, nothing done); rendered again it keeps
    what was typed, except passwords, and shows a new code."""

    data: Any
    is_bound: bool

    @property
    def captcha_refresh_requested(self) -> bool:
        return self.is_bound and REFRESH in self.data

    def full_clean(self) -> None:
        if self.captcha_refresh_requested:
            self._errors = ErrorDict()
            self.cleaned_data: dict[str, Any] = {}
            return
        super().full_clean()  # type: ignore[misc]

    def is_valid(self) -> bool:
        valid: bool = super().is_valid()  # type: ignore[misc]
        return valid and not self.captcha_refresh_requested
