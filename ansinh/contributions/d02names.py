"""The names a unit's HR clerk writes in a D02-LT file (CSV or Excel), beside the API's codes:
Vietnamese column headers ("Mã số BHXH", "Loại biến động", …) and change-type words ("tăng",
"giảm", "điều chỉnh lương", "truy thu"), with or without diacritics, in any case
(docs/contributions.md). The JSON API keeps its codes only.

``fold`` is the one comparison: lower case, diacritics removed (``đ`` → ``d``), spaces and
underscores collapsed, so "Mã số BHXH", "ma so bhxh" and "MÃ SỐ  BHXH" are one header.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import pgettext_lazy

from .models import LineType

# The template's column headers, in the template's order: the fields of ``parsing.FIELDS`` and
# the person's name (``parsing.FILE_ONLY``: for the clerk's eyes, never checked or stored).
COLUMN_TITLES: dict[str, str] = {
    "bhxh_code": "Mã số BHXH",
    "full_name": "Họ và tên",
    "type": "Loại biến động",
    "from_month": "Từ tháng",
    "to_month": "Đến tháng",
    "salary": "Mức lương",
    "job_title": "Chức danh",
    "schemes": "Loại bảo hiểm",
    "date_of_birth": "Ngày sinh",
}

# What a clerk reads for each field in a message (lower case: it starts no sentence).
FIELD_LABELS = {
    "bhxh_code": pgettext_lazy("D02-LT field", "BHXH code"),
    "type": pgettext_lazy("D02-LT field", "change type"),
    "from_month": pgettext_lazy("D02-LT field", "from month"),
    "to_month": pgettext_lazy("D02-LT field", "to month"),
    "salary": pgettext_lazy("D02-LT field", "salary"),
    "job_title": pgettext_lazy("D02-LT field", "job title"),
    "schemes": pgettext_lazy("D02-LT field", "insurance schemes"),
    "date_of_birth": pgettext_lazy("D02-LT field", "date of birth"),
}

# The change types as a clerk writes them (Vietnamese first; the codes are accepted too).
TYPE_WORDS: dict[str, str] = {
    LineType.HIRE: "tăng",
    LineType.LEAVE: "giảm",
    LineType.ADJUST_SALARY: "điều chỉnh lương",
    LineType.CORRECT_PERIOD: "truy thu",
}
# In messages, in the reader's language: the words in Vietnamese, the codes in English.
TYPE_LABELS = {
    LineType.HIRE: pgettext_lazy("D02-LT type", "hire"),
    LineType.LEAVE: pgettext_lazy("D02-LT type", "leave"),
    LineType.ADJUST_SALARY: pgettext_lazy("D02-LT type", "adjust_salary"),
    LineType.CORRECT_PERIOD: pgettext_lazy("D02-LT type", "correct_period"),
}

_SPACES = re.compile(r"[\s_]+")


def fold(text: str) -> str:
    """``text`` as compared: lower case, no diacritics, ``đ`` as ``d``, one space between
    words, none around."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip().lower()


def _aliases(pairs: dict[str, str]) -> dict[str, str]:
    """code → written name as folded name → code, for the code and the name."""
    table: dict[str, str] = {}
    for code, written in pairs.items():
        table[fold(code)] = code
        table[fold(written)] = code
    return table


HEADER_ALIASES = _aliases(COLUMN_TITLES)
TYPE_ALIASES = _aliases(TYPE_WORDS)


def column_of(header: str) -> str | None:
    """The field a header names (an API name or a Vietnamese title), or None."""
    return HEADER_ALIASES.get(fold(header))


def line_type_of(word: str) -> str | None:
    """The line type a CSV or Excel cell names (a code or a Vietnamese word), or None."""
    return TYPE_ALIASES.get(fold(word))
