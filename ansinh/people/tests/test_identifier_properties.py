"""Properties of every identifier validator over hostile text (issue 7): Unicode digits
(Arabic-Indic ``١٢٣``, full-width ``１２３``), NUL and other control characters, CRLF, Unicode
spaces, lone surrogates, over-long values. Each validator either returns the documented
normal form or raises ``ValidationError`` with its documented code: never anything else, and
what it returns it accepts again unchanged. Pure functions: no database."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.accounts.backends import normalize_identifier
from ansinh.lib.identifiers import (
    MAX_EMAIL_LENGTH,
    PHONE_RE,
    identifier_kind,
    normalize_email,
    normalize_phone,
    parse_card_code,
    validate_bhxh_code,
    validate_cccd,
    validate_office_code,
    validate_unit_code,
)
from ansinh.recovery.services import normalize_recovery_identifier

PROPERTY = settings(max_examples=150, deadline=None)

# Characters that break naive validators, mixed with the ones valid input is made of.
HOSTILE = (
    string.digits
    + string.ascii_letters
    + "+-.() @_"
    + "٠١٢٣٤٥٦٧٨٩"  # Arabic-Indic digits
    + "０１２３４５６７８９"  # full-width digits
    + "\x00\r\n\t\x0b\x0c\x1c\x1f\x7f\x85"  # NUL, CRLF and other controls
    + "\u00a0\u2003\u3000\u200b\u202e\ufeff"  # Unicode spaces, zero width, bidi override, BOM
    + "ĐđÀà\u212a"  # Vietnamese letters, Kelvin sign
)
hostile_text = st.one_of(
    st.text(st.sampled_from(HOSTILE), max_size=40),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs", "Nd"]), max_size=20),  # lone surrogates, digits
    st.text(st.sampled_from(string.digits), min_size=200, max_size=400),  # over-long
)


def outcome(validate: object, value: str, code: str) -> str | None:
    """``validate(value)``, or None when it raised ``ValidationError(code)``. Any other
    exception, or another code, fails the test."""
    assert callable(validate)
    try:
        result = validate(value)
    except ValidationError as exc:
        assert exc.code == code, (value, exc.code)
        return None
    assert isinstance(result, str)
    return result


FULL_WIDTH = "０１２３４５６７８９"
SEPARATORS = " \u00a0\u2007\u202f\u3000.\uff0e-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"


def typed_digits(value: str) -> str:
    """The rule of issue 12, restated independently: strip, fold full-width digits, drop
    spaces, dots and dashes."""
    folded = value.strip().translate({ord(f): str(n) for n, f in enumerate(FULL_WIDTH)})
    return "".join(ch for ch in folded if ch not in SEPARATORS)


def is_ascii_digits(value: str, n: int) -> bool:
    return len(value) == n and all(ch in string.digits for ch in value)


@PROPERTY
@given(value=hostile_text)
def test_bhxh_code_accepts_exactly_ten_ascii_digits_after_strip(value: str) -> None:
    result = outcome(validate_bhxh_code, value, "invalid_bhxh_code")

    assert (result is not None) == is_ascii_digits(value.strip(), 10)
    if result is not None:
        assert result == value.strip()
        assert validate_bhxh_code(result) == result


@PROPERTY
@given(value=hostile_text)
def test_cccd_accepts_exactly_twelve_ascii_digits_with_century_digit_0_to_3(value: str) -> None:
    result = outcome(validate_cccd, value, "invalid_cccd")

    stripped = value.strip()
    assert (result is not None) == (is_ascii_digits(stripped, 12) and stripped[3] in "0123")
    if result is not None:
        assert result == stripped
        assert validate_cccd(result) == result


@PROPERTY
@given(value=hostile_text)
def test_card_code_parses_only_the_documented_form_and_round_trips(value: str) -> None:
    try:
        card = parse_card_code(value)
    except ValidationError as exc:
        assert exc.code == "invalid_card_code"
        return
    assert str(card) == value.strip()
    assert str(card).isascii() and len(str(card)) == 15
    assert parse_card_code(str(card)) == card


@PROPERTY
@given(value=hostile_text)
def test_phone_is_a_ten_digit_ascii_mobile_number_or_invalid_phone(value: str) -> None:
    result = outcome(normalize_phone, value, "invalid_phone")

    if result is not None:
        assert PHONE_RE.fullmatch(result)
        assert result.isascii()
        assert normalize_phone(result) == result
        # Only separators, the country prefix and surrounding whitespace were dropped.
        digits = re.sub(r"[^0-9]", "", value)
        assert digits.endswith(result[1:])


@PROPERTY
@given(value=st.one_of(hostile_text, st.emails(), st.emails().map(lambda e: f" {e}\r\n")))
def test_email_is_normalised_once_or_invalid_email(value: str) -> None:
    result = outcome(normalize_email, value, "invalid_email")

    if result is not None:
        assert normalize_email(result) == result
        assert len(result) <= MAX_EMAIL_LENGTH
        assert result.count("@") == 1
        assert result == result.strip()
        forbidden = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}
        assert not any(unicodedata.category(ch) in forbidden for ch in result)
        local, _, domain = result.partition("@")
        assert local == value.strip().rpartition("@")[0]  # the local part keeps its case


@PROPERTY
@given(value=hostile_text)
def test_unit_code_is_2_to_20_capital_ascii_letters_and_digits(value: str) -> None:
    result = outcome(validate_unit_code, value, "invalid_unit_code")

    stripped = value.strip()
    valid = 2 <= len(stripped) <= 20 and all(
        ch in string.ascii_uppercase + string.digits for ch in stripped
    )
    assert (result is not None) == valid
    if result is not None:
        assert result == stripped


@PROPERTY
@given(value=hostile_text)
def test_office_code_is_five_ascii_digits(value: str) -> None:
    result = outcome(validate_office_code, value, "invalid_office_code")

    assert (result is not None) == is_ascii_digits(value.strip(), 5)


@PROPERTY
@given(value=hostile_text)
def test_recovery_identifier_is_a_bhxh_code_or_a_cccd(value: str) -> None:
    result = outcome(normalize_recovery_identifier, value, "invalid_identifier")

    # Issue 12: as people type it — spaces, dots, dashes dropped, full-width digits folded;
    # then exactly 10 or 12 ASCII digits. Other Unicode digits are never folded.
    compact = typed_digits(value)
    assert (result is not None) == (is_ascii_digits(compact, 10) or is_ascii_digits(compact, 12))
    if result is not None:
        assert result == compact and result.isascii()
        assert normalize_recovery_identifier(result) == result


@PROPERTY
@given(value=hostile_text)
def test_a_login_identifier_names_an_ascii_kind_or_nobody(value: str) -> None:
    kind = identifier_kind(normalize_identifier(value))

    assert kind in {"bhxh", "cccd", "staff", None}
    if kind is not None:
        assert normalize_identifier(value).isascii()
    if any(
        unicodedata.category(ch) == "Nd" and ch not in string.digits + FULL_WIDTH for ch in value
    ):
        assert kind is None  # a Unicode digit other than full-width never names anybody


@PROPERTY
@given(value=hostile_text)
def test_a_login_identifier_of_digits_is_keyed_as_people_mean_it(value: str) -> None:
    # Every spelling of one BHXH code or CCCD names (and keys the back-off of) one string.
    compact = typed_digits(value)
    if is_ascii_digits(compact, 10) or is_ascii_digits(compact, 12):
        assert normalize_identifier(value) == compact


@pytest.mark.parametrize(
    ("validate", "value"),
    [
        (validate_bhxh_code, "０１２３４５６７８９"),
        (validate_bhxh_code, "٠١٢٣٤٥٦٧٨٩"),
        (validate_cccd, "００１０９００１２３４５"),
        (normalize_phone, "٠٩١٢٣٤٥٦٧٨"),
        (validate_office_code, "０１００１"),
        (normalize_recovery_identifier, "٠١٢٣٤٥٦٧٨٩"),
        (normalize_recovery_identifier, "٠١٢٣ ٤٥٦ ٧٨٩"),
    ],
)
def test_unicode_digits_are_never_folded_to_ascii(validate: object, value: str) -> None:
    assert callable(validate)
    with pytest.raises(ValidationError):
        validate(value)
