"""More properties of the report parsers (issue 7), beside ``test_parsing.py``: months, hostile
text in every field of a line, and CSV read the same however its bytes are cut into chunks
and whatever its line endings. Every outcome is a value, a dict of documented field error
codes or ``CsvFormatError`` with a documented code: never another exception."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.contributions.months import format_month, parse_month
from ansinh.contributions.parsing import (
    FIELDS,
    CsvFormatError,
    ParsedLine,
    csv_rows,
    parse_line,
)

from .test_parsing import PERIOD, valid_lines

PROPERTY = settings(max_examples=150, deadline=None)

# The codes docs/contributions.md lists for a line and for a whole CSV.
LINE_CODES = {
    "unknown_field",
    "required",
    "must_be_text",
    "must_be_list",
    "must_be_integer",
    "invalid_bhxh_code",
    "invalid_type",
    "invalid_month",
    "month_too_early",
    "after_report_period",
    "invalid_salary",
    "too_long",
    "invalid_characters",
    "invalid_schemes",
    "before_from_month",
    "only_for_corrections",
    "not_for_leave",
    "invalid_date",
    "only_for_hires",
}
CSV_CODES = {
    "invalid_encoding",
    "invalid_csv",
    "empty_csv",
    "unknown_columns",
    "repeated_columns",
    "missing_columns",
}
HOSTILE = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from("0123456789-١٢٣٤٥٠０１２３\x00\r\n\t \u3000"), max_size=16),
    st.text(st.characters(categories=["Cs", "Nd"]), max_size=12),  # lone surrogates, digits
    st.text(min_size=101, max_size=300),
)


@PROPERTY
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_month_round_trips_through_its_text(day: dt.date) -> None:
    month = day.replace(day=1)

    assert parse_month(format_month(month)) == month


@PROPERTY
@given(value=HOSTILE)
def test_a_month_is_yyyy_mm_in_ascii_digits_or_a_value_error(value: str) -> None:
    try:
        month = parse_month(value)
    except ValueError:
        return
    assert format_month(month) == value  # no stripping, no other spelling


@PROPERTY
@given(
    line=valid_lines(),
    field=st.sampled_from(FIELDS),
    value=HOSTILE,
    as_csv=st.booleans(),
)
def test_hostile_text_in_any_field_gives_a_line_or_documented_codes(
    line: dict[str, object], field: str, value: str, as_csv: bool
) -> None:
    raw = dict(line, **{field: value})
    if as_csv:
        raw = {k: "|".join(v) if isinstance(v, list) else str(v) for k, v in raw.items()}

    result = parse_line(raw, line_no=3, period=PERIOD, csv_row=as_csv)

    if isinstance(result, dict):
        assert result and set(result.values()) <= LINE_CODES, result
    else:
        assert isinstance(result, ParsedLine)
        assert result.bhxh_code.isascii() and result.bhxh_code.isdigit()
        assert "\x00" not in result.job_title
        result.job_title.encode("utf-8")  # storable: no lone surrogate


def _csv_bytes(lines: list[dict[str, object]], newline: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(FIELDS)
    for line in lines:
        writer.writerow(
            ["|".join(v) if isinstance(v := line.get(f, ""), list) else str(v) for f in FIELDS]
        )
    return buffer.getvalue().encode("utf-8")


@PROPERTY
@given(
    lines=st.lists(valid_lines(), min_size=1, max_size=4),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=6),
)
def test_csv_rows_are_the_same_however_the_bytes_arrive(
    lines: list[dict[str, object]], newline: str, bom: bool, cuts: list[int]
) -> None:
    data = ("\ufeff".encode() if bom else b"") + _csv_bytes(lines, newline)
    # Cut anywhere, even inside a multi-byte UTF-8 character or between CR and LF.
    points = sorted({c % len(data) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in zip(points, points[1:], strict=False)]

    whole = list(csv_rows([data]))
    assert list(csv_rows(chunks)) == whole
    assert len(whole) == len(lines)
    parsed = [
        parse_line(row, line_no=n, period=PERIOD, csv_row=True) for n, row in enumerate(whole)
    ]
    expected = [parse_line(line, line_no=n, period=PERIOD) for n, line in enumerate(lines)]
    assert parsed == expected


@PROPERTY
@given(
    header=st.lists(st.sampled_from([*FIELDS, "extra", " bhxh_code ", ""]), max_size=8),
    body=st.binary(max_size=300),
)
def test_any_csv_gives_rows_or_a_documented_format_error(header: list[str], body: bytes) -> None:
    data = ",".join(header).encode() + b"\r\n" + body
    try:
        for row in csv_rows([data]):
            result = parse_line(row, line_no=1, period=PERIOD, csv_row=True)
            assert isinstance(result, ParsedLine | dict)
    except CsvFormatError as exc:
        assert exc.code in CSV_CODES


def test_a_csv_field_of_spaces_is_required_not_a_crash() -> None:
    row = {"bhxh_code": "  ", "type": " ", "from_month": "\t", "salary": "5"}

    assert parse_line(row, line_no=1, period=PERIOD, csv_row=True) == {
        "bhxh_code": "required",
        "type": "required",
        "from_month": "required",
    }
