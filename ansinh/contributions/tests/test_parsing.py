"""The report line parser (JSON objects and CSV rows), property-based: valid lines round-trip
through both formats to the same values; anything else is a dict of field errors, never an
exception."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.contributions.models import ALL_SCHEMES, SCHEME_BITS
from ansinh.contributions.parsing import FIELDS, ParsedLine, csv_rows, parse_line

PERIOD = dt.date(2026, 10, 1)
months = st.dates(min_value=dt.date(1995, 1, 1), max_value=PERIOD).map(lambda d: d.replace(day=1))
scheme_sets = st.lists(st.sampled_from(sorted(SCHEME_BITS)), min_size=1, max_size=4, unique=True)
titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x7f"),
    max_size=100,
).map(str.strip)


@st.composite
def valid_lines(draw):
    kind = draw(st.sampled_from(["hire", "leave", "adjust_salary", "correct_period"]))
    start = draw(months)
    line = {
        "bhxh_code": draw(st.from_regex(r"\A[0-9]{10}\Z")),
        "type": kind,
        "from_month": f"{start:%Y-%m}",
    }
    if kind != "leave":
        line["salary"] = draw(st.integers(min_value=1, max_value=10**12))
        line["job_title"] = draw(titles)
        if draw(st.booleans()):
            line["schemes"] = draw(scheme_sets)
    if kind == "hire":
        born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31)))
        line["date_of_birth"] = born.isoformat()
    if kind == "correct_period":
        end = draw(months.filter(lambda m: m >= start))
        line["to_month"] = f"{end:%Y-%m}"
    return line


def _as_csv_row(line: dict) -> dict[str, str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    writer.writerow(
        [
            "|".join(line[f]) if f == "schemes" and f in line else str(line.get(f, ""))
            for f in FIELDS
        ]
    )
    return next(csv_rows([buffer.getvalue().encode()]))


@settings(max_examples=300, deadline=None)
@given(valid_lines())
def test_valid_lines_parse_the_same_from_json_and_csv(line):
    from_json = parse_line(line, line_no=1, period=PERIOD)
    from_csv = parse_line(_as_csv_row(line), line_no=1, period=PERIOD, csv_row=True)

    assert isinstance(from_json, ParsedLine), from_json
    # CSV fields are stripped; JSON text is taken as sent (already stripped here).
    assert from_csv == from_json
    assert from_json.bhxh_code == line["bhxh_code"]
    assert from_json.salary == line.get("salary")
    assert from_json.date_of_birth == (
        dt.date.fromisoformat(line["date_of_birth"]) if "date_of_birth" in line else None
    )
    expected = ALL_SCHEMES
    if "schemes" in line:
        expected = sum(SCHEME_BITS[name] for name in line["schemes"])
    assert from_json.schemes == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*FIELDS, "extra", ""]) | st.text(max_size=8), json_values, max_size=9
    ),
    st.booleans(),
)
def test_any_json_object_or_csv_row_gives_a_line_or_field_errors_never_an_exception(raw, as_csv):
    if as_csv:
        raw = {k: v if isinstance(v, str) else str(v) for k, v in raw.items()}
    result = parse_line(raw, line_no=7, period=PERIOD, csv_row=as_csv)

    if isinstance(result, dict):
        assert result and all(isinstance(code, str) and code for code in result.values())
    else:
        assert isinstance(result, ParsedLine)
        assert result.from_month <= PERIOD


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_csv_give_rows_or_a_format_error(data):
    from ansinh.contributions.parsing import CsvFormatError

    try:
        for row in csv_rows([b"bhxh_code,type,from_month\n" + data]):
            parse_line(row, line_no=1, period=PERIOD, csv_row=True)
    except CsvFormatError as exc:
        assert exc.code in {"invalid_encoding", "invalid_csv"}
