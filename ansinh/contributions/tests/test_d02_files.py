"""D02-LT as a unit's HR clerk keeps it (issue 14): Excel workbooks read as a stream, the
Vietnamese column headers and change-type words, every problem of a line in one sentence
numbered as in the file, and files that are not a report refused with a stable code."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from ansinh.contributions.d02names import COLUMN_TITLES, TYPE_WORDS
from ansinh.contributions.d02template import GUIDE_TITLE, template_csv, template_xlsx
from ansinh.contributions.linemessages import describe, report_messages
from ansinh.contributions.parsing import ParsedLine, csv_text_rows, parse_line
from ansinh.contributions.validation import LineErrors, ReportRejected, parse_lines
from ansinh.contributions.xlsx import XlsxFormatError, XlsxRows

PERIOD = dt.date(2026, 11, 1)


def workbook(rows: list[list[Any]], *, header: list[str] | None = None) -> io.BytesIO:
    """The template with ``rows`` typed in from row 2, as a clerk fills it in."""
    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet = book.worksheets[0]
    if header is not None:
        for column, title in enumerate(header, start=1):
            sheet.cell(row=1, column=column, value=title)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def rejected_lines(rows: Any) -> tuple[ReportRejected, Any]:
    errors = LineErrors(limit=100)
    list(parse_lines(rows, period=PERIOD, csv_rows=True, errors=errors, counter=[0]))
    return ReportRejected(lines=errors.lines, error_count=errors.count), rows.row_map


# --- Vietnamese headers and words ---------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("tăng", "hire"),
        ("Tang", "hire"),
        ("GIẢM", "leave"),
        ("giam", "leave"),
        ("Điều chỉnh lương", "adjust_salary"),
        ("dieu chinh  luong", "adjust_salary"),
        ("Truy thu", "correct_period"),
        ("TRUY THU", "correct_period"),
        ("correct_period", "correct_period"),
    ],
)
def test_a_csv_takes_the_vietnamese_headers_and_change_words(word, kind):
    header = ",".join(COLUMN_TITLES.values())
    row = {
        "hire": f"0123456789,Nguyễn Văn An,{word},2026-09,,8000000,Kế toán,,1990-05-17",
        "leave": f"0123456789,,{word},2026-09,,,,,",
        "adjust_salary": f"0123456789,Nguyễn Văn An,{word},2026-09,,8000000,Kế toán,,",
        "correct_period": f"0123456789,,{word},2026-09,2026-10,8000000,Kế toán,,",
    }[kind]
    [raw] = list(csv_text_rows(f"{header}\n{row}\n"))

    parsed = parse_line(raw, line_no=1, period=PERIOD, csv_row=True)

    assert isinstance(parsed, ParsedLine), parsed
    assert parsed.type == kind


def test_headers_are_matched_without_diacritics_or_case():
    rows = csv_text_rows("MA SO BHXH,loai bien dong,Từ Tháng\n0123456790,giảm,2026-10\n")

    assert list(rows) == [{"bhxh_code": "0123456790", "type": "giảm", "from_month": "2026-10"}]


def test_the_json_api_keeps_its_codes_only():
    line = {"bhxh_code": "0123456790", "type": "giảm", "from_month": "2026-10"}
    named = {"bhxh_code": "0123456790", "type": "leave", "from_month": "2026-10",
             "full_name": "Trần Thị Bình"}  # fmt: skip

    assert parse_line(line, line_no=1, period=PERIOD) == {"type": "invalid_type"}
    assert parse_line(named, line_no=1, period=PERIOD) == {"full_name": "unknown_field"}
    assert isinstance(parse_line(named, line_no=1, period=PERIOD, csv_row=True), ParsedLine)


# --- Excel --------------------------------------------------------------------------------


def test_the_template_names_every_column_and_explains_every_change_type():
    book = load_workbook(io.BytesIO(template_xlsx()))

    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == list(COLUMN_TITLES.values())
    assert header[:4] == ["Mã số BHXH", "Họ và tên", "Loại biến động", "Từ tháng"]
    guide = book[GUIDE_TITLE]
    words = {row[0] for row in guide.iter_rows(values_only=True)}
    assert set(COLUMN_TITLES.values()) <= words
    assert set(TYPE_WORDS.values()) == {"tăng", "giảm", "điều chỉnh lương", "truy thu"} <= words
    assert template_csv().decode("utf-8-sig").splitlines() == [",".join(header)]


def test_a_workbook_made_from_the_template_reads_as_the_clerk_typed_it():
    rows = XlsxRows(
        workbook(
            [
                # Excel keeps a number (the code lost its 0) and a date (a typed "2026-11").
                [123456789, "Nguyễn Văn An", "Tăng", dt.date(2026, 11, 1), None, 8_000_000,
                 "Kế toán", None,
                 dt.date(1990, 5, 17)],
                [],
                ["0123456790", None, "điều chỉnh lương", "2026-10", None, 9_500_000.0],
            ]
        )
    )  # fmt: skip

    lines = list(rows)

    assert lines == [
        {"bhxh_code": "0123456789", "full_name": "Nguyễn Văn An", "type": "Tăng",
         "from_month": "2026-11", "to_month": "",
         "salary": "8000000", "job_title": "Kế toán", "schemes": "",
         "date_of_birth": "1990-05-17"},
        {"bhxh_code": "0123456790", "full_name": "", "type": "điều chỉnh lương",
         "from_month": "2026-10",
         "to_month": "", "salary": "9500000", "job_title": "", "schemes": "",
         "date_of_birth": ""},
    ]  # fmt: skip
    assert [rows.row_map.row(n) for n in (1, 2)] == [2, 4]  # the blank row 3 counts
    parsed = [parse_line(line, line_no=1, period=PERIOD, csv_row=True) for line in lines]
    assert [p.type for p in parsed if isinstance(p, ParsedLine)] == ["hire", "adjust_salary"]


def test_every_problem_of_a_line_is_one_sentence_numbered_as_in_excel():
    rows = XlsxRows(
        workbook(
            [
                ["0123456789", None, "tăng", "2026-11", None, 8_000_000, None, None, "1990-05-17"],
                ["9999999999", "Trần Văn Ba", "increase", "2026-11", None, "abc"],
                [None, None, "giảm", "2026-13"],
            ]
        )
    )
    rejected, row_map = rejected_lines(rows)

    with translation.override("vi"):
        described = describe(rejected, row_map)
    with translation.override("en"):
        english = describe(rejected, row_map)

    assert [(d["line"], d["row"], d["fields"]) for d in described] == [
        (2, 3, {"type": "invalid_type", "salary": "invalid_salary"}),
        (3, 4, {"bhxh_code": "required", "from_month": "invalid_month"}),
    ]
    assert described[0]["message"] == (
        "Dòng 3 (mã số BHXH 9999999999): loại biến động 'increase' không hợp lệ — dùng một "
        "trong: tăng, giảm, điều chỉnh lương, truy thu; mức lương 'abc' không phải số (số "
        "nguyên đồng, chỉ gồm chữ số)"
    )
    assert described[1]["message"] == (
        "Dòng 4: thiếu mã số BHXH; từ tháng '2026-13' không phải tháng dạng YYYY-MM"
    )
    assert english[0]["message"].startswith(
        "Row 3 (BHXH code 9999999999): change type 'increase' is not valid — use one of: "
        "hire, leave, adjust_salary, correct_period (tăng, giảm, điều chỉnh lương, truy thu); "
    )
    assert "values" not in described[0]


def test_a_csv_numbers_its_rows_as_a_spreadsheet_shows_them():
    rows = csv_text_rows(
        "bhxh_code,type,from_month,salary\n\n0123456789,hire,2026-1,\n\n\n012345678,leave,2026-10,\n"
    )
    rejected, row_map = rejected_lines(rows)

    with translation.override("vi"):
        described = describe(rejected, row_map)

    assert [(d["line"], d["row"]) for d in described] == [(1, 3), (2, 6)]
    assert described[1]["message"].startswith("Dòng 6 (mã số BHXH 012345678): mã số BHXH")


def test_a_row_with_cells_beyond_the_header_is_a_line_error():
    rows = XlsxRows(workbook([["0123456790", None, "giảm", "2026-10", None, None, None, None,
                               None, "thừa"]]))  # fmt: skip

    assert list(rows) == [{"\x00wrong_width": "10"}]


# --- Files that are not a report ----------------------------------------------------------


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def _refusal(file: io.BytesIO) -> str:
    with pytest.raises(XlsxFormatError) as caught:
        list(XlsxRows(file))
    return caught.value.code


def test_garbage_an_old_xls_and_a_workbook_with_macros_are_refused_with_their_codes():
    with_macros = io.BytesIO(workbook([]).getvalue())
    book = zipfile.ZipFile(with_macros, "a")
    book.writestr("xl/vbaProject.bin", b"\x00" * 64)
    book.close()
    with_macros.seek(0)

    assert _refusal(io.BytesIO(b"%PDF-1.7 not a workbook")) == "not_a_workbook"
    assert _refusal(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)) == (
        "xls_not_supported"
    )
    assert _refusal(with_macros) == "macros_not_allowed"
    assert _refusal(_zip({"hello.txt": b"hi"})) == "not_a_workbook"
    assert _refusal(_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<broken"})) == (
        "not_a_workbook"
    )
    assert _refusal(io.BytesIO(workbook([]).getvalue()[:2000])) == "not_a_workbook"


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_parsed(settings):
    empty = Workbook()
    empty.active.append(["Mã số BHXH", "Loại biến động", "Từ tháng"])
    bomb = io.BytesIO()
    empty.save(bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b" " * 5_000_000)  # compresses to a few KiB
    bomb.seek(0)
    settings.REPORT_MAX_XLSX_UNPACKED = 4_000_000

    assert len(bomb.getvalue()) < 100_000
    assert _refusal(bomb) == "workbook_too_large"


def test_a_sheet_without_a_usable_header_is_refused_like_a_csv():
    unknown = _refusal(workbook([], header=["Mã số BHXH", "Họ và tên", "Số tiền"]))
    empty = Workbook()
    empty_file = io.BytesIO()
    empty.save(empty_file)
    empty_file.seek(0)

    assert unknown == "unknown_columns"
    assert _refusal(empty_file) == "empty_csv"
    rejected = ReportRejected(fields={"xlsx": "unknown_columns"}, detail="Số tiền")
    with translation.override("vi"):
        assert report_messages(rejected)["xlsx"].startswith(
            "Dòng tiêu đề có cột không thuộc báo cáo: Số tiền. Dùng các cột của mẫu: Mã số BHXH"
        )
