"""Preset reasons for rejecting a field of a dossier (issue 14): the reviewer picks one, adds
free text, or both. A decision keeps the preset's code (``FieldDecision.reason_code``) and the
free text apart, so the reason is always shown in its reader's language: the citizen's page
and emails, the unit's answer and the back office each render the code's label in their own
language (``reason_text`` is lazy until it is turned into a string).

The list is maintained here, in the domain, with each reason's code stable forever: a code
once used stays (mark it ``RETIRED`` instead of deleting it) so old decisions still read.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class RejectionReason(models.TextChoices):
    """Why a field was rejected, in the words staff use (since 2026-12, issue 14)."""

    UNREADABLE_DOCUMENT = "unreadable_document", _("The photo of the document is not readable")
    MISMATCH_DOCUMENT = "mismatch_document", _("The details do not match the documents")
    MISSING_DOCUMENT = "missing_document", _("A supporting document is missing")
    CCCD_NOT_IN_REGISTER = "cccd_not_in_register", _("The CCCD number does not match the register")
    NOT_REQUESTED = "not_requested", _("The person did not ask for this change")


# Codes no longer offered but still read on old decisions (none yet).
RETIRED: frozenset[str] = frozenset()


def offered() -> list[tuple[str, Promise]]:
    """The presets a reviewer may pick today, in the order shown."""
    return [(code, label) for code, label in RejectionReason.choices if code not in RETIRED]


def reason_text(code: str, text: str) -> str | Promise:
    """What a reader sees as the reason: the preset's label, the free text, or both
    ("label: text"); lazy, so it renders in whatever language is active when shown."""
    text = (text or "").strip()
    if code not in RejectionReason.values:
        return text
    label = RejectionReason(code).label
    return format_lazy("{}: {}", label, text) if text else label


__all__ = ["RETIRED", "RejectionReason", "offered", "reason_text"]
