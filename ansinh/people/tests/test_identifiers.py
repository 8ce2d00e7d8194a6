"""Identifier formats of DESIGN §2 (``ansinh.lib.identifiers``): ASCII digits only, one
normalisation, no Unicode folding. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.lib.identifiers import (
    CARD_GROUPS,
    MAX_EMAIL_LENGTH,
    CardCode,
    CccdFacts,
    cccd_facts,
    check_cccd_matches,
    identifier_kind,
    mask_email,
    mask_middle,
    mask_phone,
    normalize_email,
    normalize_phone,
    parse_card_code,
    validate_bhxh_code,
    validate_cccd,
)

FAST = settings(max_examples=60, deadline=None)

ASCII_DIGITS = string.digits
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
FULL_WIDTH_DIGITS = "０１２３４５６７８９"

ascii_digit = st.sampled_from(ASCII_DIGITS)
# Every Unicode decimal digit that is not 0-9: Arabic-Indic, Devanagari, full-width, …
non_ascii_digit = st.characters(categories=["Nd"]).filter(lambda ch: ch not in ASCII_DIGITS)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(ascii_digit, min_size=n, max_size=n)


def with_one_non_ascii_digit(n: int) -> st.SearchStrategy[str]:
    """``n`` digits, one of which (at a drawn position) is a non-ASCII Unicode digit."""
    return st.tuples(digits(n), st.integers(0, n - 1), non_ascii_digit).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
    )


def error_code(exc: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return exc.value.code


# --- BHXH code ----------------------------------------------------------------------------


def test_bhxh_code_accepts_ten_ascii_digits() -> None:
    assert validate_bhxh_code("0123456789") == "0123456789"


def test_bhxh_code_strips_surrounding_whitespace() -> None:
    assert validate_bhxh_code("  0123456789\t\n") == "0123456789"


@FAST
@given(code=digits(10), before=st.text(" \t\r\n", max_size=3), after=st.text(" \t\r\n", max_size=3))
def test_bhxh_code_every_ten_ascii_digit_string_round_trips(
    code: str, before: str, after: str
) -> None:
    assert validate_bhxh_code(before + code + after) == code
    assert validate_bhxh_code(code) == code


@pytest.mark.parametrize(
    "value",
    ["012345678", "01234567890", "", "          ", "012345678a", "A123456789", "0123 456789"],
)
def test_bhxh_code_rejects_wrong_length_letters_and_inner_spaces(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@pytest.mark.parametrize("value", [ARABIC_INDIC_DIGITS, "012345678٣", "٣" * 10])
def test_bhxh_code_rejects_arabic_indic_digits(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@pytest.mark.parametrize("value", [FULL_WIDTH_DIGITS, "０１２３４５６７８9"])
def test_bhxh_code_rejects_full_width_digits(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@FAST
@given(value=with_one_non_ascii_digit(10))
def test_bhxh_code_rejects_any_non_ascii_unicode_digit(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@pytest.mark.parametrize(
    "value",
    ["01234\n56789", "0123456789\n0", "01234\x0056789", "0123456789\x00", "\x000123456789"],
)
def test_bhxh_code_rejects_embedded_newline_and_null_byte(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@pytest.mark.parametrize(
    "value",
    ["0123456789' OR '1'='1", "0123456789;--", "' OR 1=1 --", "0123456789%", "01234_6789", "*"],
)
def test_bhxh_code_rejects_sql_meta_characters(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_bhxh_code(value)
    assert error_code(exc) == "invalid_bhxh_code"


@FAST
@given(value=st.text(max_size=14))
def test_bhxh_code_accepts_only_ten_ascii_digits_after_strip(value: str) -> None:
    stripped = value.strip()
    expected_ok = len(stripped) == 10 and all(ch in ASCII_DIGITS for ch in stripped)
    try:
        result = validate_bhxh_code(value)
    except ValidationError as exc:
        assert exc.code == "invalid_bhxh_code"
        assert not expected_ok
    else:
        assert expected_ok
        assert result == stripped


# --- CCCD ---------------------------------------------------------------------------------


def make_cccd(*, province: str, sex: str, birth_year: int, serial: str) -> str:
    century_sex = (0 if birth_year < 2000 else 2) + (0 if sex == "M" else 1)
    return f"{province}{century_sex}{birth_year % 100:02d}{serial}"


@pytest.mark.parametrize("value", ["001090012345", "001192012346", "079285001122", "079399999999"])
def test_cccd_accepts_twelve_ascii_digits_with_century_digit_0_to_3(value: str) -> None:
    assert validate_cccd(f" {value} ") == value


@pytest.mark.parametrize("fourth", "456789")
def test_cccd_rejects_fourth_digit_above_3(fourth: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_cccd(f"001{fourth}90012345")
    assert error_code(exc) == "invalid_cccd"


@pytest.mark.parametrize(
    "value",
    [
        "00109001234",
        "0010900123456",
        "00109001234a",
        "٠٠١٠٩٠٠١٢٣٤٥",
        "００１０９００１２３４５",
        "001090\n012345",
        "001090012345\x00",
    ],
)
def test_cccd_rejects_wrong_length_letters_non_ascii_digits_and_control_characters(
    value: str,
) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_cccd(value)
    assert error_code(exc) == "invalid_cccd"


@FAST
@given(value=with_one_non_ascii_digit(12))
def test_cccd_rejects_any_non_ascii_unicode_digit(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_cccd(value)
    assert error_code(exc) == "invalid_cccd"


def test_cccd_facts_decodes_demo_citizens() -> None:
    assert cccd_facts("001090012345") == CccdFacts(province_code="001", sex="M", birth_year=1990)
    assert cccd_facts("001192012346") == CccdFacts(province_code="001", sex="F", birth_year=1992)
    assert cccd_facts("079205000001") == CccdFacts(province_code="079", sex="M", birth_year=2005)
    assert cccd_facts("079321000001") == CccdFacts(province_code="079", sex="F", birth_year=2021)


@pytest.mark.parametrize("value", ["001590012345", "٠٠١٠٩٠٠١٢٣٤٥", "0010900123"])
def test_cccd_facts_refuses_to_decode_an_invalid_cccd(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        cccd_facts(value)
    assert error_code(exc) == "invalid_cccd"


def test_cccd_demo_citizens_match_their_registry_facts() -> None:
    check_cccd_matches("001090012345", sex="M", date_of_birth=dt.date(1990, 5, 17))
    check_cccd_matches("001192012346", sex="F", date_of_birth=dt.date(1992, 3, 8))


dates_of_birth = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
sexes = st.sampled_from(["M", "F"])


@FAST
@given(dob=dates_of_birth, sex=sexes, province=digits(3), serial=digits(6))
def test_cccd_built_from_date_of_birth_and_sex_matches_them(
    dob: dt.date, sex: str, province: str, serial: str
) -> None:
    cccd = make_cccd(province=province, sex=sex, birth_year=dob.year, serial=serial)
    assert cccd_facts(cccd) == CccdFacts(province_code=province, sex=sex, birth_year=dob.year)
    check_cccd_matches(cccd, sex=sex, date_of_birth=dob)


@FAST
@given(dob=dates_of_birth, sex=sexes, serial=digits(6))
def test_cccd_with_the_other_sex_is_a_mismatch(dob: dt.date, sex: str, serial: str) -> None:
    cccd = make_cccd(province="001", sex=sex, birth_year=dob.year, serial=serial)
    other = "F" if sex == "M" else "M"
    with pytest.raises(ValidationError) as exc:
        check_cccd_matches(cccd, sex=other, date_of_birth=dob)
    assert error_code(exc) == "cccd_mismatch"


@FAST
@given(dob=dates_of_birth, other_year=st.integers(1900, 2099), sex=sexes, serial=digits(6))
def test_cccd_with_another_birth_year_is_a_mismatch(
    dob: dt.date, other_year: int, sex: str, serial: str
) -> None:
    if other_year == dob.year:
        other_year = 1900 + (dob.year - 1900 + 1) % 200
    cccd = make_cccd(province="001", sex=sex, birth_year=dob.year, serial=serial)
    with pytest.raises(ValidationError) as exc:
        check_cccd_matches(cccd, sex=sex, date_of_birth=dob.replace(year=other_year, day=1))
    assert error_code(exc) == "cccd_mismatch"


def test_cccd_same_two_year_digits_in_the_other_century_is_a_mismatch() -> None:
    with pytest.raises(ValidationError) as exc:
        check_cccd_matches("001090012345", sex="M", date_of_birth=dt.date(2090, 5, 17))
    assert error_code(exc) == "cccd_mismatch"


def test_check_cccd_matches_rejects_a_malformed_cccd_as_invalid() -> None:
    with pytest.raises(ValidationError) as exc:
        check_cccd_matches("00109001234x", sex="M", date_of_birth=dt.date(1990, 5, 17))
    assert error_code(exc) == "invalid_cccd"


# --- BHYT card code -----------------------------------------------------------------------


def test_card_code_parses_group_level_province_and_bhxh_code() -> None:
    card = parse_card_code("DN4010123456789")
    assert card == CardCode(group="DN", benefit_level=4, province_code="01", bhxh_code="0123456789")
    assert str(card) == "DN4010123456789"


def test_card_code_strips_surrounding_whitespace() -> None:
    assert str(parse_card_code("  HT2790123456789\n")) == "HT2790123456789"


@pytest.mark.parametrize(
    "value",
    [
        "ZZ4010123456789",  # not a beneficiary group
        "QQ1010123456789",
        "DN0010123456789",  # benefit level 0
        "DN6010123456789",  # benefit level 6
        "dn4010123456789",  # lower case
        "Dn4010123456789",
        "DN401012345678",  # 14 characters
        "DN40101234567890",  # 16 characters
        "DN40101234567٨9",  # Arabic-Indic digit
        "DN４010123456789",  # full-width level
        "DN4010123456789\n0",
        "DN 4 01 0123456789",
        "ĐN4010123456789",  # Vietnamese Đ is not D
    ],
)
def test_card_code_rejects_bad_group_level_case_length_and_non_ascii(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_card_code(value)
    assert error_code(exc) == "invalid_card_code"


@FAST
@given(
    group=st.sampled_from(sorted(CARD_GROUPS)),
    level=st.integers(1, 5),
    province=digits(2),
    code=digits(10),
)
def test_card_code_valid_parts_parse_and_round_trip(
    group: str, level: int, province: str, code: str
) -> None:
    value = f"{group}{level}{province}{code}"
    card = parse_card_code(value)
    assert (card.group, card.benefit_level, card.province_code, card.bhxh_code) == (
        group,
        level,
        province,
        code,
    )
    assert str(card) == value
    assert parse_card_code(str(card)) == card


@FAST
@given(
    group=st.text(st.sampled_from(string.ascii_uppercase), min_size=2, max_size=2).filter(
        lambda g: g not in CARD_GROUPS
    ),
    level=st.integers(1, 5),
    code=digits(12),
)
def test_card_code_rejects_any_unknown_group(group: str, level: int, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_card_code(f"{group}{level}{code}")
    assert error_code(exc) == "invalid_card_code"


@FAST
@given(value=with_one_non_ascii_digit(12))
def test_card_code_rejects_any_non_ascii_unicode_digit(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_card_code(f"DN4{value}")
    assert error_code(exc) == "invalid_card_code"


# --- Phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0912345678",
        "+84 912 345 678",
        "84912345678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        " 0912 345 678 ",
        "(091) 234-5678",
    ],
)
def test_phone_normalises_common_vietnamese_mobile_formats(value: str) -> None:
    assert normalize_phone(value) == "0912345678"


@pytest.mark.parametrize(
    "value",
    [
        "02438253456",  # Hà Nội landline
        "0243825345",  # 10 digits but a landline prefix
        "0112345678",  # 01x is no mobile prefix any more
        "0212345678",
        "0412345678",
        "0612345678",
        "091234567",  # short
        "09123456789",  # long
        "+8491234567",
        "849123456789",
        "0912\n345678",
        "0912\x00345678",
        "091234567٨",  # Arabic-Indic digit
        "０９１２３４５６７８",  # full-width digits
        "0912345678; DROP TABLE person",
        "+1 912 345 678",
        "",
    ],
)
def test_phone_rejects_landlines_short_long_and_non_ascii_digits(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_phone(value)
    assert error_code(exc) == "invalid_phone"


@FAST
@given(second=st.sampled_from("35789"), rest=digits(8))
def test_phone_every_valid_mobile_number_round_trips(second: str, rest: str) -> None:
    number = f"0{second}{rest}"
    assert normalize_phone(number) == number
    assert normalize_phone(f"+84 {number[1:4]} {number[4:7]} {number[7:]}") == number
    assert normalize_phone(f"84{number[1:]}") == number
    assert normalize_phone(f"{number[:4]}.{number[4:7]}.{number[7:]}") == number
    assert normalize_phone(normalize_phone(number)) == number


@FAST
@given(value=with_one_non_ascii_digit(9))
def test_phone_rejects_any_non_ascii_unicode_digit(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_phone("0" + value)
    assert error_code(exc) == "invalid_phone"


# --- Email --------------------------------------------------------------------------------


def test_email_strips_and_lower_cases_only_the_domain() -> None:
    assert normalize_email("  An.Nguyen@Example.COM \n") == "An.Nguyen@example.com"


def test_email_keeps_the_local_part_case() -> None:
    assert normalize_email("AN.NGUYEN@example.com") == "AN.NGUYEN@example.com"
    assert normalize_email("AN.NGUYEN@example.com") != normalize_email("an.nguyen@example.com")


@pytest.mark.parametrize(
    "value",
    [
        "an.nguyen@exаmple.com",  # Cyrillic а (U+0430) in the domain
        "an.nguyen@EXАMPLE.COM",  # Cyrillic А (U+0410) in an upper-case domain
        "mıke@example.com",  # dotless ı in the local part (CVE-2019-19844)
    ],
)
def test_email_look_alike_is_not_folded_to_ascii(value: str) -> None:
    ascii_twin = value.replace("а", "a").replace("А", "A").replace("ı", "i")
    assert ascii_twin.isascii()
    normalized = normalize_email(value)
    assert normalized != normalize_email(ascii_twin)
    assert not normalized.isascii()


def test_email_look_alike_in_the_local_part_is_rejected_not_folded() -> None:
    # Django's dot-atom pattern is ASCII (bar four case-insensitive quirks such as ı):
    # a Cyrillic а in the local part never becomes the ASCII address.
    with pytest.raises(ValidationError) as exc:
        normalize_email("аn.nguyen@example.com")
    assert error_code(exc) == "invalid_email"


def test_email_kelvin_sign_in_domain_is_not_lower_cased_to_k() -> None:
    # str.lower() maps KELVIN SIGN (U+212A) to ASCII "k": a look-alike must stay distinct.
    assert normalize_email("an.nguyen@\u212aexample.com") != "an.nguyen@kexample.com"
    assert "\u212a" in normalize_email("an.nguyen@\u212aexample.com")


def test_email_accepts_the_maximum_length() -> None:
    local = "a" * 64
    domain = ".".join(["b" * 63, "c" * 63, "d" * 58, "vn"])
    value = f"{local}@{domain}"
    assert len(value) == MAX_EMAIL_LENGTH
    assert normalize_email(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".vn",  # 255 characters
        "a" * 300 + "@example.com",
    ],
)
def test_email_rejects_over_long_addresses(value: str) -> None:
    assert len(value.strip()) > MAX_EMAIL_LENGTH
    with pytest.raises(ValidationError) as exc:
        normalize_email(value)
    assert error_code(exc) == "invalid_email"


@pytest.mark.parametrize(
    "value",
    [
        "an.nguyen@example.com\r\nBcc: x@evil.example",
        "an.nguyen@example.com\nBcc: x@evil.example",
        "an.nguyen\r@example.com",
        "an.nguyen@exa\nmple.com",
        "an.nguyen@example.com\x00x@evil.example",
        "an.nguyen\x00@example.com",
        '"an\x01nguyen"@example.com',
        "an.nguyen@exa\u200bmple.com",  # zero-width space
        "an.nguyen@\u202eelpmaxe.com",  # right-to-left override
    ],
)
def test_email_rejects_header_injection_and_invisible_characters(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_email(value)
    assert error_code(exc) == "invalid_email"


@pytest.mark.parametrize(
    "value",
    [
        "an.nguyen.example.com",
        "",
        "@",
        "an.nguyen@",
        "@example.com",
        "an.nguyen@example",
        "an nguyen@example.com",
        "an.nguyen@@example.com",
    ],
)
def test_email_rejects_missing_at_and_malformed_addresses(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_email(value)
    assert error_code(exc) == "invalid_email"


@pytest.mark.parametrize(
    "value",
    [
        "a@example.com,b@example.com",
        "a@example.com, b@example.com",
        "a@example.com;b@example.com",
        "<a@example.com>, b@example.com",
        "An <a@example.com>",
        '"a@example.com,b"@evil.example',
        "['a@example.com', 'b@example.com']",
    ],
)
def test_email_rejects_list_like_strings(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_email(value)
    assert error_code(exc) == "invalid_email"


@pytest.mark.parametrize("value", ["an.nguyen@localhost", "an.nguyen@[127.0.0.1]", "a@[IPv6:::1]"])
def test_email_rejects_localhost_and_ip_literal_domains(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        normalize_email(value)
    assert error_code(exc) == "invalid_email"


mixed_case_emails = st.builds(
    lambda email, flips, before, after: (
        before
        + "".join(ch.upper() if flip else ch for ch, flip in zip(email, flips, strict=False))
        + email[len(flips) :]
        + after
    ),
    st.emails(),
    st.lists(st.booleans(), max_size=80),
    st.text(" \t\n", max_size=2),
    st.text(" \t\n", max_size=2),
)


@FAST
@given(value=st.one_of(st.emails(), mixed_case_emails, st.text(max_size=40)))
def test_email_normalisation_is_idempotent(value: str) -> None:
    try:
        once = normalize_email(value)
    except ValidationError as exc:
        assert exc.code == "invalid_email"
        return
    assert normalize_email(once) == once


@FAST
@given(email=st.emails())
def test_email_accepts_rfc_addresses_keeping_local_part_and_lower_casing_domain(email: str) -> None:
    local, _, domain = email.rpartition("@")
    assert normalize_email(f" {local}@{domain.upper()} ") == f"{local}@{domain.lower()}"


# --- Masking ------------------------------------------------------------------------------


def test_mask_middle_shows_only_the_documented_ends() -> None:
    assert mask_middle("001090012345") == "00********45"
    assert mask_middle("001090012345", keep_start=3, keep_end=3) == "001******345"
    assert mask_middle("0123") == "****"
    assert mask_middle("") == ""


def test_mask_middle_with_keep_end_zero_reveals_nothing_at_the_end() -> None:
    assert mask_middle("0123456789", keep_start=2, keep_end=0) == "01********"
    assert mask_middle("0123456789", keep_start=0, keep_end=0) == "**********"


@FAST
@given(value=st.text(max_size=30), keep_start=st.integers(0, 6), keep_end=st.integers(0, 6))
def test_mask_middle_output_has_input_length_and_reveals_only_the_ends(
    value: str, keep_start: int, keep_end: int
) -> None:
    masked = mask_middle(value, keep_start=keep_start, keep_end=keep_end)
    assert len(masked) == len(value)
    if len(value) <= keep_start + keep_end:
        assert masked == "*" * len(value)
        return
    end = len(value) - keep_end
    assert masked[:keep_start] == value[:keep_start]
    assert masked[end:] == value[end:]
    assert masked[keep_start:end] == "*" * (end - keep_start)


def test_mask_email_shows_first_letter_and_domain() -> None:
    assert mask_email("an.nguyen@example.com") == "a********@example.com"
    assert mask_email("a@example.com") == "a***@example.com"


@FAST
@given(email=st.emails())
def test_mask_email_reveals_at_most_the_first_character_of_the_local_part(email: str) -> None:
    local, _, domain = email.rpartition("@")
    masked = mask_email(email)
    masked_local, _, masked_domain = masked.rpartition("@")
    assert masked_domain == domain
    assert masked_local[:1] == local[:1]
    assert set(masked_local[1:]) == {"*"}
    assert len(masked_local) >= 4  # never tells how short the local part is


def test_mask_phone_shows_three_digits_at_each_end() -> None:
    assert mask_phone("0912345678") == "091****678"


@FAST
@given(second=st.sampled_from("35789"), rest=digits(8))
def test_mask_phone_hides_the_middle_four_digits(second: str, rest: str) -> None:
    number = f"0{second}{rest}"
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-3:]


# --- Identifier kind ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0123456789", "bhxh"),
        ("001090012345", "cccd"),
        ("canbo1", "staff"),
        ("nguyen.van-an_2", "staff"),
        ("012345678", None),
        ("01234567890", None),
        ("0123456789012", None),
        (ARABIC_INDIC_DIGITS, None),
        ("٠٠١٠٩٠٠١٢٣٤٥", None),
        (FULL_WIDTH_DIGITS, None),
        ("0123456789\n", None),
        ("Canbo1", None),
        ("ab", None),
        ("1canbo", None),
        ("canbo1' OR '1'='1", None),
        ("", None),
    ],
)
def test_identifier_kind_classifies_bhxh_cccd_staff_or_none(value: str, kind: str | None) -> None:
    assert identifier_kind(value) == kind


@FAST
@given(code=digits(10))
def test_identifier_kind_every_ten_ascii_digits_is_bhxh(code: str) -> None:
    assert identifier_kind(code) == "bhxh"


@FAST
@given(code=digits(12))
def test_identifier_kind_every_twelve_ascii_digits_is_cccd(code: str) -> None:
    assert identifier_kind(code) == "cccd"


@FAST
@given(value=st.one_of(with_one_non_ascii_digit(10), with_one_non_ascii_digit(12)))
def test_identifier_kind_non_ascii_digits_name_nobody(value: str) -> None:
    assert identifier_kind(value) is None
