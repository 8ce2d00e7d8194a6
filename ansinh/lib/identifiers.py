"""Identifier formats of DESIGN §2, validated with ASCII-only patterns.

Python's ``\\d`` and ``int()`` accept any Unicode digit (``٣``, full-width ``３``), so every
pattern here is compiled with ``re.ASCII`` and spells its digits as ``[0-9]``. Each function
normalises once (strip surrounding whitespace) and then validates; callers store what it returns.

What a person *types* as a BHXH code or CCCD ("0123 456 789", "0123.456.789", "0123-456-789",
full-width ``０１２３…`` from a Vietnamese IME) goes through :func:`compact_digits` first: the one
rule every door uses (login, recovery, registration, the counter, the API). Only full-width
digits are folded; any other Unicode digit (Arabic-Indic ``٠١٢``…) stays and is refused by the
ASCII-only patterns.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

BHXH_CODE_RE = re.compile(r"[0-9]{10}", re.ASCII)
CCCD_RE = re.compile(r"[0-9]{12}", re.ASCII)
CARD_CODE_RE = re.compile(r"([A-Z]{2})([1-5])([0-9]{2})([0-9]{10})", re.ASCII)
UNIT_CODE_RE = re.compile(r"[A-Z0-9]{2,20}", re.ASCII)
OFFICE_CODE_RE = re.compile(r"[0-9]{5}", re.ASCII)
PHONE_RE = re.compile(r"0[35789][0-9]{8}", re.ASCII)
STAFF_USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{2,31}", re.ASCII)

# Beneficiary groups printed on BHYT cards (QĐ 1351/QĐ-BHXH); the list is open-ended in law,
# these are the ones An Sinh issues.
CARD_GROUPS = frozenset(
    {"DN", "HX", "CH", "NN", "TK", "HC", "XK", "HT", "TB", "NO", "CT", "XB", "TN", "CS",
     "QN", "CA", "CY", "XN", "MS", "CC", "CK", "CB", "KC", "HD", "TE", "BT", "HN", "DT",
     "DK", "XD", "TS", "TC", "TQ", "TA", "TY", "HG", "LS", "PV", "CN", "HS", "SV", "GB",
     "GD", "NB", "TL", "XV"}
)  # fmt: skip

MAX_EMAIL_LENGTH = 254
# No allowlist: Django's default lets ``user@localhost`` through, which is never a citizen's
# mailbox and would point recovery mail at our own host.
_email_validator = EmailValidator(allowlist=[])
# Control, format (zero-width, bidi overrides), private-use, surrogate, unassigned and
# separator characters: header injection or an address that looks like another one.
_EMAIL_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp", "Zs"})
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# Full-width digits (U+FF10–FF19) → ASCII: what a Vietnamese or CJK input method may type.
_FULL_WIDTH_DIGITS = {0xFF10 + n: str(n) for n in range(10)}
# Separators people put between groups of digits: spaces (ASCII, no-break, ideographic,
# full-width), dots (ASCII and full-width) and dashes (hyphen-minus, Unicode hyphens and dashes,
# minus sign, full-width hyphen-minus). Nothing else: a letter, a comma or a control character
# keeps the value malformed.
_DIGIT_SEPARATORS = frozenset(
    " \u00a0\u2007\u202f\u3000"  # spaces
    ".\uff0e"  # dots
    "-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"  # dashes
)


def compact_digits(raw: str) -> str:
    """A BHXH code or CCCD as typed → the digits a person meant: surrounding whitespace
    stripped, full-width digits folded to ASCII, spaces, dots and dashes removed.

    Only a normal form: the caller validates it with the ASCII-only patterns (so "0123 456 78"
    is 9 digits and refused, "0123-456-78x" keeps its letter and is refused)."""
    text = str(raw or "").strip().translate(_FULL_WIDTH_DIGITS)
    return "".join(ch for ch in text if ch not in _DIGIT_SEPARATORS)


def normalize_bhxh_code(value: str) -> str:
    """A typed BHXH code (spaces, dots, dashes, full-width digits) → 10 ASCII digits, or
    ``ValidationError(code="invalid_bhxh_code")``."""
    return validate_bhxh_code(compact_digits(value))


def normalize_cccd(value: str) -> str:
    """A typed CCCD (spaces, dots, dashes, full-width digits) → 12 ASCII digits, or
    ``ValidationError(code="invalid_cccd")``."""
    return validate_cccd(compact_digits(value))


def validate_bhxh_code(value: str) -> str:
    """Return the 10-digit BHXH code or raise ``ValidationError(code="invalid_bhxh_code")``."""
    value = value.strip()
    if not BHXH_CODE_RE.fullmatch(value):
        raise ValidationError(
            _("A BHXH code is exactly 10 digits (0-9)."), code="invalid_bhxh_code"
        )
    return value


def validate_cccd(value: str) -> str:
    """Return the 12-digit CCCD or raise ``ValidationError(code="invalid_cccd")``.

    Only the format is checked here; :func:`check_cccd_matches` compares the embedded
    century, sex and birth year with the registry.
    """
    value = value.strip()
    if not CCCD_RE.fullmatch(value):
        raise ValidationError(_("A CCCD number is exactly 12 digits (0-9)."), code="invalid_cccd")
    if int(value[3]) > 3:
        raise ValidationError(
            _("The 4th digit of a CCCD number (century and sex) must be 0 to 3."),
            code="invalid_cccd",
        )
    return value


@dataclass(frozen=True)
class CccdFacts:
    province_code: str
    sex: str  # "M" or "F"
    birth_year: int


def cccd_facts(cccd: str) -> CccdFacts:
    """Decode digits 1–6 of a CCCD: province of birth, sex and birth year.

    The CCCD is validated first (``ValidationError(code="invalid_cccd")``): ``int()`` would
    otherwise decode non-ASCII digits, and a 4th digit above 3 is not a 1900s/2000s number.
    """
    cccd = validate_cccd(cccd)
    century_sex = int(cccd[3])
    century = 1900 if century_sex in (0, 1) else 2000
    return CccdFacts(
        province_code=cccd[:3],
        sex="M" if century_sex % 2 == 0 else "F",
        birth_year=century + int(cccd[4:6]),
    )


def check_cccd_matches(cccd: str, *, sex: str, date_of_birth: dt.date) -> None:
    """Raise ``ValidationError(code="cccd_mismatch")`` unless the CCCD agrees with sex and birth year."""
    facts = cccd_facts(validate_cccd(cccd))
    if facts.sex != sex or facts.birth_year != date_of_birth.year:
        raise ValidationError(
            _("The CCCD number does not agree with the date of birth and sex on record."),
            code="cccd_mismatch",
        )


@dataclass(frozen=True)
class CardCode:
    group: str
    benefit_level: int
    province_code: str
    bhxh_code: str

    def __str__(self) -> str:
        return f"{self.group}{self.benefit_level}{self.province_code}{self.bhxh_code}"


def parse_card_code(value: str) -> CardCode:
    """Parse a 15-character BHYT card code ``XX N PP CCCCCCCCCC`` (DESIGN §2)."""
    value = value.strip()
    match = CARD_CODE_RE.fullmatch(value)
    if not match or match.group(1) not in CARD_GROUPS:
        raise ValidationError(
            _(
                "A BHYT card code is 2 letters, a benefit level 1-5, 2 province digits and the 10-digit BHXH code."
            ),
            code="invalid_card_code",
        )
    group, level, province, code = match.groups()
    return CardCode(group=group, benefit_level=int(level), province_code=province, bhxh_code=code)


def normalize_phone(value: str) -> str:
    """Return a Vietnamese mobile number as ``0`` + 9 digits.

    Accepts spaces, dots and dashes between digits and the ``+84``/``84`` country prefix.
    """
    compact = re.sub(r"[ .\-()]", "", value.strip(), flags=re.ASCII)
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) == 11:
        compact = "0" + compact[2:]
    if not PHONE_RE.fullmatch(compact):
        raise ValidationError(
            _("A mobile number is 10 digits starting with 03, 05, 07, 08 or 09."),
            code="invalid_phone",
        )
    return compact


def normalize_email(value: str) -> str:
    """Strip, lower-case the domain only, validate; never fold Unicode (CVE-2019-19844).

    The local part keeps its case: the address on record is compared exactly. Only ASCII
    ``A-Z`` in the domain is lower-cased: ``str.lower()`` would turn the Kelvin sign ``K``
    into ``k`` and so match a look-alike domain to a real one. Rejected, besides what
    Django's ``EmailValidator`` rejects: more than 254 characters, control/format/separator
    characters (CR, LF, NUL, zero-width, bidi overrides: header injection and look-alikes),
    quoted local parts (they may hold ``,``, ``@`` and control characters), IP-literal
    domains and ``localhost``.
    """
    value = value.strip()
    if (
        len(value) > MAX_EMAIL_LENGTH
        or "@" not in value
        or '"' in value
        or any(unicodedata.category(ch) in _EMAIL_FORBIDDEN_CATEGORIES for ch in value)
    ):
        raise ValidationError(_("Enter a valid email address."), code="invalid_email")
    local, _sep, domain = value.rpartition("@")
    if domain.startswith("["):
        raise ValidationError(_("Enter a valid email address."), code="invalid_email")
    value = f"{local}@{domain.translate(_ASCII_LOWER)}"
    try:
        _email_validator(value)
    except ValidationError as exc:
        raise ValidationError(_("Enter a valid email address."), code="invalid_email") from exc
    return value


def validate_unit_code(value: str) -> str:
    value = value.strip()
    if not UNIT_CODE_RE.fullmatch(value):
        raise ValidationError(
            _("A unit code is 2-20 capital letters and digits."), code="invalid_unit_code"
        )
    return value


def validate_office_code(value: str) -> str:
    value = value.strip()
    if not OFFICE_CODE_RE.fullmatch(value):
        raise ValidationError(_("An office code is 5 digits."), code="invalid_office_code")
    return value


def validate_citizen_identifier(raw: str) -> str:
    """What a citizen types to name themselves (login, recovery, registration, the counter): a
    BHXH code (10 ASCII digits) or a CCCD (12) after :func:`compact_digits` (spaces, dots and
    dashes dropped, full-width digits folded); anything else is a ``ValidationError`` with the
    code ``invalid_identifier``. What it returns is the key of every per-identifier limit, so
    "0123 456 789" and "0123456789" share one budget."""
    value = compact_digits(raw)
    if not (BHXH_CODE_RE.fullmatch(value) or CCCD_RE.fullmatch(value)):
        raise ValidationError(
            _("Enter your 10-digit BHXH code or your 12-digit CCCD number."),
            code="invalid_identifier",
        )
    return value


def identifier_kind(value: str) -> str | None:
    """Classify a login identifier: ``"bhxh"``, ``"cccd"``, ``"staff"`` or ``None`` (malformed)."""
    if BHXH_CODE_RE.fullmatch(value):
        return "bhxh"
    if CCCD_RE.fullmatch(value):
        return "cccd"
    if STAFF_USERNAME_RE.fullmatch(value):
        return "staff"
    return None


def mask_middle(value: str, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """``001090012345`` → ``00********45``: shows only the ends of an identifier.

    The result has the length of ``value``; a value no longer than both ends together is
    masked whole. Negative ``keep_*`` count as 0.
    """
    keep_start, keep_end = max(keep_start, 0), max(keep_end, 0)
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    # Not value[-keep_end:]: with keep_end=0 that slice is the whole value.
    end = len(value) - keep_end
    return value[:keep_start] + "*" * (end - keep_start) + value[end:]


def mask_email(value: str) -> str:
    """``an.nguyen@example.com`` → ``a*******@example.com``."""
    local, sep, domain = value.rpartition("@")
    if not sep:
        return mask_middle(value)
    return local[:1] + "*" * max(len(local) - 1, 3) + "@" + domain


def mask_phone(value: str) -> str:
    """``0912345678`` → ``091****678``."""
    return mask_middle(value, keep_start=3, keep_end=3)
