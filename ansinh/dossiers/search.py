"""The office search box (issue 14): one text, read the way a citizen says it on the phone.

* a dossier code: ``HS-2026-ABCD2345``, in any case, with spaces, dashes, dots or none
  ("hs 2026 abcd 2345", full-width characters folded);
* a 10-digit BHXH code or a 12-digit CCCD, typed as people type them (spaces, dots, dashes,
  full-width digits: ``lib.identifiers.compact_digits``), matched against the dossier's person
  and, for a registration that matched nobody, what the registrant typed;
* otherwise a name, without diacritics if the clerk likes ("nguyen van an" finds
  "Nguyễn Văn An": ``lib.fold``), anywhere in the person's or the registrant's full name.

Only a query (``Q``) and the kind of text it was: scoping to the office is the caller's
(``worklist``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ansinh.lib.fold import Folded, fold
from ansinh.lib.identifiers import BHXH_CODE_RE, CCCD_RE, compact_digits

from .models import Dossier
from .paths import PUBLIC_ID_ALPHABET

CODE = "dossier_code"
BHXH = "bhxh_code"
CCCD = "cccd"
NAME = "name"
NOTHING = "nothing"  # digits that are neither a BHXH code nor a CCCD, or too short a name

DOSSIER_CODE_RE = re.compile(rf"HS([0-9]{{4}})([{PUBLIC_ID_ALPHABET}]{{8}})", re.ASCII)
_CODE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−_./]+")
MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class Search:
    kind: str
    value: str  # the normalised text the query looks for


def dossier_code(text: str) -> str | None:
    """``HS-YYYY-XXXXXXXX`` as typed in any case and spacing; ``None`` if it is not one."""
    compact = _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    found = DOSSIER_CODE_RE.fullmatch(compact)
    return f"HS-{found.group(1)}-{found.group(2)}" if found else None


def read(text: str) -> Search:
    """What kind of thing the clerk typed, normalised."""
    code = dossier_code(text)
    if code is not None:
        return Search(CODE, code)
    digits = compact_digits(text)
    if BHXH_CODE_RE.fullmatch(digits):
        return Search(BHXH, digits)
    if CCCD_RE.fullmatch(digits):
        return Search(CCCD, digits)
    name = fold(text) or ""
    if any(ch.isdigit() for ch in name) or len(name) < MIN_NAME_LENGTH:
        return Search(NOTHING, "")
    return Search(NAME, name)


def apply(dossiers: QuerySet[Dossier], search: Search) -> QuerySet[Dossier]:
    """``dossiers`` narrowed to those ``search`` finds."""
    if search.kind == CODE:
        return dossiers.filter(public_id=search.value)
    if search.kind == BHXH:
        return dossiers.filter(
            Q(person__bhxh_code=search.value)
            | Q(person__isnull=True, registration__identifier=search.value)
        )
    if search.kind == CCCD:
        return dossiers.filter(
            Q(person__cccd=search.value)
            | Q(person__isnull=True, registration__identifier=search.value)
        )
    if search.kind == NAME:
        return dossiers.annotate(
            folded_person_name=Folded("person__full_name"),
            folded_registrant_name=Folded("registration__full_name"),
        ).filter(
            Q(folded_person_name__contains=search.value)
            | Q(person__isnull=True, folded_registrant_name__contains=search.value)
        )
    return dossiers.none()
