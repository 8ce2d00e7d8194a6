"""Parsing of report lines (DESIGN §4): a JSON object or a CSV row with the same column names.

``parse_line`` never raises on bad input: it returns either a ``ParsedLine`` or a dict of
field errors ``{field: code}`` with stable snake_case codes (docs/contributions.md lists them).
It checks the form of one line only; whether the person exists or is employed is decided
later, against the database, by ``services.ingest_report``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ansinh.lib.identifiers import BHXH_CODE_RE

from .d02names import column_of, line_type_of
from .models import ALL_SCHEMES, SCHEME_BITS, LineType
from .months import parse_month

FIELDS = (
    "bhxh_code",
    "type",
    "from_month",
    "to_month",
    "salary",
    "job_title",
    "schemes",
    "date_of_birth",
)
REQUIRED = ("bhxh_code", "type", "from_month")
# Columns a CSV or a workbook may carry for the clerk's eyes (the template has "Họ và tên"):
# read, never checked, stored or sent on. The JSON API does not take them.
FILE_ONLY = ("full_name",)
MAX_SALARY = 10**12  # đồng; far above any real salary, well inside a BIGINT
MAX_JOB_TITLE = 100
EARLIEST_MONTH = dt.date(1995, 1, 1)  # compulsory social insurance began in 1995
SALARY_RE = re.compile(r"[1-9][0-9]{0,12}", re.ASCII)
# Printable text only: no control characters (CR/LF, NUL, …) and no lone surrogates (a JSON
# "\ud800" is not encodable as UTF-8: it once answered 500, found by the API fuzzer).
JOB_TITLE_RE = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]*")
# A hire line's date of birth (ISO ``YYYY-MM-DD``): the employer knows the person it hires, as
# on a real D02-LT. Checked against the registry, never stored (``validation.hire_matches``).
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
EARLIEST_BIRTH_YEAR = 1900
CSV_SCHEME_SEPARATOR = "|"
LINE_TYPES = frozenset(LineType.values)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    line_no: int
    bhxh_code: str
    type: str
    from_month: dt.date
    to_month: dt.date | None
    salary: int | None
    job_title: str
    schemes: int
    date_of_birth: dt.date | None = None  # hire lines only


def _text(value: Any, *, csv_row: bool) -> str | None:
    """The field as text, ``None`` when absent or empty; raises ``TypeError`` for non-text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError
    value = value.strip() if csv_row else value
    return value or None


def _schemes(value: Any, *, csv_row: bool) -> int:
    """Bit set of schemes; raises ``ValueError`` for unknown or repeated names."""
    if value is None or value == "":
        return ALL_SCHEMES
    if csv_row:
        if not isinstance(value, str):
            raise TypeError
        names = [name.strip() for name in value.split(CSV_SCHEME_SEPARATOR)]
    else:
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            raise TypeError
        names = value
    bits = 0
    for name in names:
        bit = SCHEME_BITS.get(name)
        if bit is None or bits & bit:
            raise ValueError
        bits |= bit
    if bits == 0:
        raise ValueError
    return bits


def parse_line(
    raw: Mapping[str, Any], *, line_no: int, period: dt.date, csv_row: bool = False
) -> ParsedLine | dict[str, str]:
    """Parse and check the form of one line; ``period`` is the report's month (no line may
    start after it). JSON values must have their JSON types (``salary`` a number, ``schemes``
    a list of names); CSV values are text (``schemes`` joined by ``|``)."""
    errors: dict[str, str] = {}
    for name in raw:
        if name not in FIELDS and not (csv_row and name in FILE_ONLY):
            errors[str(name)[:40]] = "unknown_field"

    def text(name: str) -> str | None:
        try:
            return _text(raw.get(name), csv_row=csv_row)
        except TypeError:
            errors[name] = "must_be_text"
            return None

    for name in REQUIRED:
        value = raw.get(name)
        # A CSV field of spaces is empty once stripped (it used to slip past this check and
        # crash below; found by the parser's property tests).
        if (
            value is None
            or value == ""
            or (csv_row and isinstance(value, str) and not value.strip())
        ):
            errors[name] = "required"

    code = text("bhxh_code")
    if code is not None and not BHXH_CODE_RE.fullmatch(code):
        errors["bhxh_code"] = "invalid_bhxh_code"
    kind = text("type")
    if kind is not None and csv_row:
        # A file a clerk keeps may say "tăng", "Giam", "điều chỉnh lương" (d02names).
        kind = line_type_of(kind) or kind
    if kind is not None and kind not in LINE_TYPES:
        errors["type"] = "invalid_type"

    def month(name: str) -> dt.date | None:
        value = text(name)
        if value is None:
            return None
        try:
            parsed = parse_month(value)
        except ValueError:
            errors[name] = "invalid_month"
            return None
        if parsed < EARLIEST_MONTH:
            errors[name] = "month_too_early"
        elif parsed > period:
            errors[name] = "after_report_period"
        return parsed

    from_month, to_month = month("from_month"), month("to_month")

    salary: int | None = None
    raw_salary = raw.get("salary")
    if raw_salary is not None and raw_salary != "":
        if csv_row:
            if not isinstance(raw_salary, str) or not SALARY_RE.fullmatch(raw_salary.strip()):
                errors["salary"] = "invalid_salary"
            else:
                salary = int(raw_salary.strip())
        elif isinstance(raw_salary, bool) or not isinstance(raw_salary, int):
            errors["salary"] = "must_be_integer"
        elif raw_salary <= 0:
            errors["salary"] = "invalid_salary"
        else:
            salary = raw_salary
        if salary is not None and salary > MAX_SALARY:
            errors["salary"] = "invalid_salary"
            salary = None

    job_title = text("job_title") or ""
    if len(job_title) > MAX_JOB_TITLE:
        errors["job_title"] = "too_long"
    elif not JOB_TITLE_RE.fullmatch(job_title):
        errors["job_title"] = "invalid_characters"

    date_of_birth: dt.date | None = None
    birth = text("date_of_birth")
    if birth is not None:
        try:
            if not DATE_RE.fullmatch(birth):
                raise ValueError(birth)
            date_of_birth = dt.date.fromisoformat(birth)
        except ValueError:
            errors["date_of_birth"] = "invalid_date"
        else:
            if date_of_birth.year < EARLIEST_BIRTH_YEAR:
                errors["date_of_birth"] = "invalid_date"

    schemes = ALL_SCHEMES
    try:
        schemes = _schemes(raw.get("schemes"), csv_row=csv_row)
    except TypeError:
        errors["schemes"] = "must_be_list" if not csv_row else "must_be_text"
    except ValueError:
        errors["schemes"] = "invalid_schemes"

    # What each type needs and refuses.
    if kind in (LineType.HIRE, LineType.ADJUST_SALARY, LineType.CORRECT_PERIOD):
        if raw_salary is None or raw_salary == "":
            errors.setdefault("salary", "required")
    if kind == LineType.CORRECT_PERIOD:
        if raw.get("to_month") in (None, ""):
            errors.setdefault("to_month", "required")
        elif from_month and to_month and to_month < from_month:
            errors.setdefault("to_month", "before_from_month")
    elif kind is not None and raw.get("to_month") not in (None, ""):
        errors.setdefault("to_month", "only_for_corrections")
    # A hire names the person by code and date of birth; other lines refuse the date (it would
    # be checked against nothing, and a unit must not think it was).
    if kind == LineType.HIRE:
        if birth is None and "date_of_birth" not in errors:
            errors["date_of_birth"] = "required"
    elif kind is not None and (birth is not None or "date_of_birth" in errors):
        errors["date_of_birth"] = "only_for_hires"
    if kind == LineType.LEAVE:
        for name in ("salary", "job_title", "schemes"):
            if raw.get(name) not in (None, "", []):
                errors.setdefault(name, "not_for_leave")

    if errors:
        return errors
    assert code is not None and kind is not None and from_month is not None  # noqa: S101
    return ParsedLine(
        line_no=line_no,
        bhxh_code=code,
        type=kind,
        from_month=from_month,
        to_month=to_month,
        salary=salary,
        job_title=job_title,
        schemes=schemes,
        date_of_birth=date_of_birth,
    )


class CsvFormatError(ValueError):
    """The CSV as a whole is unusable (no header, unknown or repeated columns, bad encoding)."""

    field = "csv"  # where ``error.fields`` names it

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


def check_header(header: list[str] | None) -> list[str]:
    """The fields a CSV (or Excel) header row names, in its order: each header is a field's
    name or its Vietnamese title (``d02names.COLUMN_TITLES``); ``CsvFormatError`` when
    unusable."""
    if header is None:
        raise CsvFormatError("empty_csv")
    found = [(name.strip(), column_of(name)) for name in header]
    unknown = [name for name, column in found if column is None]
    if unknown:
        raise CsvFormatError("unknown_columns", ", ".join(unknown)[:200])
    columns = [column for _, column in found if column is not None]
    if len(set(columns)) != len(columns):
        raise CsvFormatError("repeated_columns")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise CsvFormatError("missing_columns", ", ".join(missing))
    return columns


def text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines (each with its ``\\n``, the last maybe without) of UTF-8 byte chunks (a BOM is
    allowed); ``CsvFormatError("invalid_encoding")`` for anything else."""
    for block in text_blocks(chunks):
        yield from split_lines(block)


def split_lines(block: str) -> list[str]:
    """``block`` cut after each ``\\n`` only (as the csv module expects its lines)."""
    lines = block.split("\n")
    last = lines.pop()
    out = [line + "\n" for line in lines]
    if last:
        out.append(last)
    return out


def text_blocks(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decoded text of byte chunks cut after the last ``\\n`` of each (so every block but the
    last is made of whole lines)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    try:
        for chunk in chunks:
            pending += decoder.decode(chunk)
            cut = pending.rfind("\n") + 1
            if cut:
                yield pending[:cut]
                pending = pending[cut:]
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise CsvFormatError("invalid_encoding", "the CSV must be UTF-8") from exc
    if pending:
        yield pending


class RowMap:
    """Where a report's lines are in the file the clerk opened: line ``n`` (the n-th line,
    blank rows not counted, as ``error.lines`` numbers them) is row ``header + n + blank rows
    before it`` as a spreadsheet shows the file (the header is row 1 in a CSV). Only the
    runs of blank rows are kept: at most one entry per line."""

    def __init__(self, header: int = 1) -> None:
        self.header = header
        self._from = array("q")  # the first line after a run of blank rows
        self._blanks = array("q")  # blank rows before that line, in all

    def blank(self, next_line: int) -> None:
        """A blank row before line ``next_line``."""
        if self._from and self._from[-1] == next_line:
            self._blanks[-1] += 1
        else:
            self._from.append(next_line)
            self._blanks.append((self._blanks[-1] if self._blanks else 0) + 1)

    def row(self, line_no: int) -> int:
        index = bisect_right(self._from, line_no) - 1
        return self.header + line_no + (self._blanks[index] if index >= 0 else 0)


class CsvRows:
    """Rows of a UTF-8 CSV (a BOM is allowed) with a header line of column names from
    ``FIELDS`` (or their Vietnamese titles), read from byte chunks as they arrive; blank lines
    are skipped (``row_map`` keeps where they were). An iterator of ``{column: text}``; a row
    of the wrong width is ``{"\\x00wrong_width": n}`` (the caller reports it with its line
    number). ``chunks`` stays available, unread, until iteration starts: the PostgreSQL ingest
    reads the raw text itself (``pgingest``)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.row_map = RowMap()
        self._rows: Iterator[dict[str, str]] | None = None

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> dict[str, str]:
        if self._rows is None:
            self._rows = _csv_rows(self.chunks, self.row_map)
        return next(self._rows)

    @property
    def started(self) -> bool:
        return self._rows is not None


def _csv_rows(chunks: Iterable[bytes], row_map: RowMap) -> Iterator[dict[str, str]]:
    reader = csv.reader(text_lines(chunks), strict=True)
    try:
        columns = check_header(next(reader, None))
        width = len(columns)
        lines = 0
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                row_map.blank(lines + 1)
                continue
            lines += 1
            if len(row) != width:
                # Reported by the caller as a line error, with its line number.
                yield {"\x00wrong_width": str(len(row))}
                continue
            yield dict(zip(columns, row, strict=True))
    except csv.Error as exc:
        raise CsvFormatError("invalid_csv", str(exc)[:200]) from exc


def csv_rows(chunks: Iterable[bytes]) -> CsvRows:
    return CsvRows(chunks)


def csv_text_rows(text: str) -> Iterator[dict[str, str]]:
    """``csv_rows`` over a string (tests, the back-office upload of a small file)."""
    return csv_rows([text.encode()])


def read_chunks(stream: io.RawIOBase | Any, size: int = 1 << 16) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
