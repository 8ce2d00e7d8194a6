"""A registration's typed details against the registry (issue 12 §2), one result per field,
for the approver's table and for the approval rule (``deciding``).

The person compared with is the one the typed identifier names (a BHXH code names the
``bhxh_code``, a CCCD number the ``cccd``), whatever else was typed, so the approver sees which
field differs. Results:

| field | ✓ ``match`` | ✗ ``mismatch`` | — ``none`` |
|---|---|---|---|
| identifier | it names a person | it names nobody | never |
| full name | equal once both are NFC, case-folded and space-collapsed (diacritics count: "Bình" is not "Binh") | otherwise | nobody named |
| date of birth | equal | otherwise | nobody named |
| phone | equal to the registry's phone | the registry has another | nobody named, or no phone on record |
| CCCD | the typed CCCD is the one on record | it is not | nobody named, no CCCD on record, or a BHXH code was typed (the approver reads the number on the CCCD photos) |

A registration may be approved only when identifier, full name and date of birth all match
(``identity_matches``); a phone that differs is what the registration asks to change.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ansinh.lib.identifiers import BHXH_CODE_RE, CCCD_RE
from ansinh.people.models import Person

from .models import Registration

MATCH, MISMATCH, NONE = "match", "mismatch", "none"
IDENTITY_FIELDS = ("identifier", "full_name", "date_of_birth")
LABELS = {
    "identifier": _("BHXH code or CCCD number"),
    "full_name": _("Full name"),
    "date_of_birth": _("Date of birth"),
    "phone": _("Mobile phone"),
    "cccd": _("CCCD number"),
}


def fold_name(name: str) -> str:
    """A name as compared: NFC, case-folded, whitespace collapsed; diacritics count."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def person_named_by(identifier: str) -> Person | None:
    """The person a (normalised) BHXH code or CCCD number names, if any."""
    if BHXH_CODE_RE.fullmatch(identifier):
        return Person.objects.filter(bhxh_code=identifier).first()
    if CCCD_RE.fullmatch(identifier):
        return Person.objects.filter(cccd=identifier).first()
    return None


@dataclass(frozen=True)
class Check:
    field: str
    typed: str
    on_record: str
    result: str  # MATCH, MISMATCH or NONE

    @property
    def label(self) -> str:
        return str(LABELS[self.field])


@dataclass(frozen=True)
class Comparison:
    person: Person | None  # whom the typed identifier names
    checks: tuple[Check, ...]

    @property
    def mismatched(self) -> list[str]:
        """The identity fields (identifier, name, date of birth) that do not match."""
        return [c.field for c in self.checks if c.field in IDENTITY_FIELDS and c.result != MATCH]

    @property
    def identity_matches(self) -> bool:
        return self.person is not None and not self.mismatched


def _equal(same: bool) -> str:
    return MATCH if same else MISMATCH


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def compare(registration: Registration, person: Person | None = None) -> Comparison:
    """``registration`` against the registry; ``person`` when the caller already looked up the
    one its identifier names."""
    ident = registration.identifier
    found = person if person is not None else person_named_by(ident)
    typed_cccd = ident if CCCD_RE.fullmatch(ident) else ""
    if found is None:
        checks = (
            Check("identifier", ident, "", MISMATCH),
            Check("full_name", registration.full_name, "", NONE),
            Check("date_of_birth", _date(registration.date_of_birth), "", NONE),
            Check("phone", registration.phone, "", NONE),
            Check("cccd", typed_cccd, "", NONE),
        )
        return Comparison(None, checks)
    on_record_cccd = found.cccd or ""
    checks = (
        Check("identifier", ident, found.bhxh_code, MATCH),
        Check(
            "full_name",
            registration.full_name,
            found.full_name,
            _equal(fold_name(registration.full_name) == fold_name(found.full_name)),
        ),
        Check(
            "date_of_birth",
            _date(registration.date_of_birth),
            _date(found.date_of_birth),
            _equal(registration.date_of_birth == found.date_of_birth),
        ),
        Check(
            "phone",
            registration.phone,
            found.phone or "",
            _equal(registration.phone == found.phone) if found.phone else NONE,
        ),
        Check(
            "cccd",
            typed_cccd,
            on_record_cccd,
            _equal(typed_cccd == on_record_cccd) if typed_cccd and on_record_cccd else NONE,
        ),
    )
    return Comparison(found, checks)


def matching_person(registration: Registration) -> Person | None:
    """The registry's person if identifier, full name and date of birth all match."""
    comparison = compare(registration)
    return comparison.person if comparison.identity_matches else None
