"""Finding a BHXH office (issue 12 §2, "Tìm cơ quan BHXH"): public reference data, so no actor
and no limit; the portal's office page calls these and renders what they return.

The text search forgives what people leave out when they type on a phone: case and Vietnamese
diacritics ("ba dinh" finds "BHXH quận Ba Đình", "hai chau" finds "Hải Châu"), and every word
typed must appear in the office's code, name, address or province. The list of offices is
small (one per district: about 700 nationwide), so the words are matched in Python after the
province filter, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ansinh.lib.errors import Invalid

from .models import Office

MAX_QUERY_LENGTH = 100
_PROVINCE = re.compile(r"\d{2}", re.ASCII)


@dataclass(frozen=True)
class Province:
    code: str
    name: str


def fold(text: str) -> str:
    """Lower case without diacritics, whitespace collapsed: ``"Quận  Ba Đình"`` → ``"quan ba
    dinh"``. (``đ`` is a letter of its own, not a ``d`` with a mark: folded by hand.)"""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


def provinces() -> list[Province]:
    """The provinces that have an office, in the order of their codes (north to south)."""
    seen: dict[str, str] = {}
    for code, name in Office.objects.order_by("province_code", "code").values_list(
        "province_code", "province_name"
    ):
        if code not in seen or (name and not seen[code]):
            seen[code] = name
    return [Province(code=code, name=name or code) for code, name in seen.items()]


def find_offices(*, province: str = "", query: str = "") -> list[Office]:
    """The offices in ``province`` (a 2-digit province code; empty: every province) whose code,
    name, address or province contains every word of ``query`` (case and diacritics ignored;
    empty: all), by code. ``Invalid`` (fields ``province``, ``q``) for a malformed province
    code or a query longer than ``MAX_QUERY_LENGTH`` characters; an unknown province finds
    nothing."""
    province = (province or "").strip()
    query = query or ""
    fields: dict[str, str] = {}
    if province and not _PROVINCE.fullmatch(province):
        fields["province"] = str(_("Choose a province from the list."))
    if len(query) > MAX_QUERY_LENGTH:
        fields["q"] = str(_("Type at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH})
    if fields:
        raise Invalid(fields=fields)
    offices = Office.objects.order_by("code")
    if province:
        offices = offices.filter(province_code=province)
    words = fold(query).split()
    if not words:
        return list(offices)
    found = []
    for office in offices:
        haystack = fold(" ".join([office.code, office.name, office.address, office.province_name]))
        if all(word in haystack for word in words):
            found.append(office)
    return found
