"""Who an identifier names: a BHXH code or CCCD (citizens) or a staff username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from ansinh.lib.identifiers import BHXH_CODE_RE, CCCD_RE, compact_digits, identifier_kind

from . import lookups
from .models import User


def normalize_identifier(raw: str) -> str:
    """A login identifier as typed → the one string that names the account and keys its
    back-off: a BHXH code or CCCD typed with spaces, dots, dashes or full-width digits becomes
    its ASCII digits ("0123 456 789" and "0123456789" are one account and one back-off);
    anything else (a staff username, which may itself hold dots and dashes) is stripped and
    lower-cased."""
    digits = compact_digits(raw)
    if BHXH_CODE_RE.fullmatch(digits) or CCCD_RE.fullmatch(digits):
        return digits
    return raw.strip().lower()


def resolve_identifier(identifier: str) -> User | None:
    """The account an already-normalised identifier names, or ``None``.

    10 digits → a citizen by BHXH code; 12 digits → a citizen by CCCD; otherwise a staff
    username. Digits are ASCII only, so ``٠١٢…`` names nobody.
    """
    kind = identifier_kind(identifier)
    if kind == "bhxh":
        return lookups.citizen_by("bhxh_code", identifier)
    if kind == "cccd":
        return lookups.citizen_by("cccd", identifier)
    if kind == "staff":
        return lookups.staff_by(identifier)
    return None


class IdentifierBackend(BaseBackend):
    """Session backend for ``django.contrib.auth``: loads users; logins go through services."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        # Password checks, throttling and audit live in accounts.services.authenticate;
        # this backend never authenticates on its own.
        return None

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("person", "office").filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return bool(
            getattr(user_obj, "is_active", False) and getattr(user_obj, "is_superuser", False)
        )

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self.has_perm(user_obj, app_label)
