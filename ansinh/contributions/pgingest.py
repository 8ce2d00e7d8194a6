# ruff: noqa: S608 - the SQL here is built from our own constants only; values are parameters
"""Report ingest on PostgreSQL: stream the lines into a staging table, check and apply them
set-based in SQL (docs/contributions.md, "The PostgreSQL path").

The results are those of the generic path in ``services`` (the same rows, the same errors in
the same order, the same digest); ``tests/test_pgingest.py`` ingests the same reports through
both and compares. Everything happens in one transaction: a rejected or failed report leaves
no rows, and the staging tables (``ON COMMIT DROP``) go with it.

1. **Stage.** A CSV body is decoded and matched block by block (64 KiB) against one compiled
   regular expression of a plain line in the header's column order; a block whose every line
   matches goes unchanged into ``COPY … (FORMAT csv)`` of ``ingest_raw`` (text columns, the line
   number from an identity column). Other lines (quoted fields, blank lines, odd spacing, …) go
   through the csv module and ``parse_line``: a valid one is written back in plain form, a bad
   one becomes a placeholder row (its number kept) and its errors are kept. JSON lines are
   parsed by ``parse_line`` and copied in plain form with their numbers.
2. **Type.** One ``INSERT … SELECT`` turns the raw rows that pass the remaining form checks
   (months within 1995-01 … the period, what each type needs and refuses, schemes) into typed
   rows of ``ingest_lines``, joined to the registry (``person_id``). The rows it leaves out
   are parsed again by ``parse_line`` for their exact errors.
3. **Check.** ``no_rates_for_month``, ``unknown_person`` and the employment checks are queries;
   persons with one line are checked in SQL, persons with several lines (order matters) by the
   same state machine as the generic path (``services.check_employment``).
4. **Apply.** Persons with one line: one statement per line type (hires: ``INSERT … SELECT``
   of employments and ``generate_series`` month rows; leaves, salary changes: ``UPDATE … FROM``
   / ``DELETE … USING``; corrections: ``UPDATE`` plus ``INSERT … ON CONFLICT DO NOTHING``).
   Persons with several lines: the generic per-line functions, in line order. Then the
   statements, payments, snapshots and registry employments as in the generic path.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, permutations
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ansinh.people.models import Unit

from .models import ALL_SCHEMES, SCHEME_BITS, LineType, Report
from .months import format_month
from .parsing import (
    FIELDS,
    CsvFormatError,
    CsvRows,
    ParsedLine,
    check_header,
    parse_line,
    split_lines,
    text_blocks,
)
from .rates import first_covered_month
from .services import (
    IngestResult,
    ReportRejected,
    _Errors,
    _last_month,
    _replay,
    _State,
    apply_lines,
    check_employment,
    extend_open_employments,
    parse_lines,
    record_received,
    unknown_person_error,
)

if TYPE_CHECKING:
    from ansinh.accounts.models import OrganisationKey, User

logger = logging.getLogger(__name__)


class _Clock:
    """Seconds per step of one ingest, logged at DEBUG (``bench/contributions.py --profile``)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []
        self.last = time.perf_counter()

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        self.steps.append((label, now - self.last))
        self.last = now

    def log(self) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            total = sum(seconds for _, seconds in self.steps)
            logger.debug(
                "ingest steps (%.2f s): %s",
                total,
                ", ".join(f"{label} {seconds:.2f}" for label, seconds in self.steps),
            )


# --- The plain form of a line: what the regular expression accepts ----------------------------

_MONTH = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
# No surrounding white space (``parse_line`` strips it), no control characters, ≤ 100 characters.
_TITLE_END = r'[^\s,"\x00-\x1f\x7f]'
_FIELD_RE = {
    "bhxh_code": r"[0-9]{10}",
    "type": "|".join(sorted(LineType.values, key=len, reverse=True)),
    "from_month": _MONTH,
    "to_month": f"(?:{_MONTH})?",
    "salary": r"(?:[1-9][0-9]{0,11})?",
    "job_title": rf'(?:{_TITLE_END}(?:[^,"\x00-\x1f\x7f]{{0,98}}{_TITLE_END})?)?',
    "schemes": r"[A-Z_|]*",
}
SCHEME_NAMES = list(SCHEME_BITS)
BULK_LINES = 20_000  # from this many lines, join by hash (see ``_ingest``)
_RESTORE_NESTLOOP = "SELECT set_config('enable_nestloop', %s, true)"


def _scheme_text(bits: int) -> str:
    return "|".join(name for name in SCHEME_NAMES if SCHEME_BITS[name] & bits)


def _scheme_map() -> list[tuple[str, int]]:
    """Every way of writing a valid set of schemes without spaces, and ``""`` (all four)."""
    rows = [("", ALL_SCHEMES)]
    for size in range(1, len(SCHEME_NAMES) + 1):
        for names in permutations(SCHEME_NAMES, size):
            rows.append(("|".join(names), sum(SCHEME_BITS[name] for name in names)))
    return rows


class _Patterns:
    def __init__(self, columns: list[str]) -> None:
        line = ",".join(f"(?:{_FIELD_RE[name]})" for name in columns) + r"\n"
        self.line = re.compile(line)
        self.block = re.compile(f"(?:{line})*")


# --- Staging --------------------------------------------------------------------------------

_RAW_COLUMNS = ", ".join(f"{name} text" for name in FIELDS)
_STAGING = f"""
DROP TABLE IF EXISTS pg_temp.ingest_raw, pg_temp.ingest_lines, pg_temp.ingest_seq,
    pg_temp.ingest_schemes;
CREATE TEMP TABLE ingest_raw (
    line_no integer GENERATED BY DEFAULT AS IDENTITY, {_RAW_COLUMNS}
) ON COMMIT DROP;
CREATE TEMP TABLE ingest_lines (
    line_no integer NOT NULL, person_id bigint, bhxh_code text NOT NULL, type text NOT NULL,
    from_month date NOT NULL, to_month date, salary bigint, job_title text NOT NULL,
    schemes smallint NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE ingest_schemes (name text PRIMARY KEY, bits smallint NOT NULL) ON COMMIT DROP;
"""


def _plain_csv(line: ParsedLine, columns: list[str]) -> str:
    values = _plain_values(line)
    return ",".join(_quote(values[name]) for name in columns) + "\n"


def _plain_values(line: ParsedLine) -> dict[str, str]:
    return {
        "bhxh_code": line.bhxh_code,
        "type": line.type,
        "from_month": format_month(line.from_month),
        "to_month": format_month(line.to_month) if line.to_month else "",
        "salary": str(line.salary) if line.salary is not None else "",
        "job_title": line.job_title,
        "schemes": _scheme_text(line.schemes) if line.schemes != ALL_SCHEMES else "",
    }


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if value else ""


class _CsvStager:
    """Streams a CSV body into ``ingest_raw``; keeps the errors of the lines it parsed."""

    def __init__(self, source: CsvRows, period: dt.date, errors: dict[int, dict[str, str]]):
        self.source = source
        self.period = period
        self.errors = errors  # line number → field errors, for lines parsed here
        self.line_no = 0
        self.columns: list[str] = list(FIELDS)
        self.max_lines = settings.REPORT_MAX_LINES

    def _count(self, lines: int) -> None:
        self.line_no += lines
        if self.line_no > self.max_lines:
            raise ReportRejected(fields={"lines": "too_many_lines"})

    def stage(self, cursor: Any) -> None:
        blocks = text_blocks(self.source.chunks)
        pending: deque[str] = deque()

        def lines() -> Iterator[str]:
            while True:
                while pending:
                    yield pending.popleft()
                block = next(blocks, None)
                if block is None:
                    return
                pending.extend(split_lines(block))

        try:
            columns = check_header(next(csv.reader(lines(), strict=True), None))
        except csv.Error as exc:
            raise CsvFormatError("invalid_csv", str(exc)[:200]) from exc
        self.columns = columns
        if pending:  # the rest of the first block: matched whole like the others
            blocks = chain(["".join(pending)], blocks)
            pending.clear()
        patterns = _Patterns(columns)
        placeholder = "!" + "," * (len(columns) - 1) + "\n"
        names = ", ".join(columns)
        with cursor.copy(f"COPY ingest_raw ({names}) FROM STDIN (FORMAT csv)") as copy:
            while True:
                if not pending:
                    block = next(blocks, None)
                    if block is None:
                        break
                    if not block.endswith("\n"):
                        block += "\n"
                    if patterns.block.fullmatch(block):
                        self._count(block.count("\n"))
                        copy.write(block)
                        continue
                    pending.extend(split_lines(block))
                line = pending.popleft()
                if not line.endswith("\n"):
                    line += "\n"
                if patterns.line.fullmatch(line):
                    self._count(1)
                    copy.write(line)
                    continue
                try:
                    row = next(csv.reader(chain([line], lines()), strict=True))
                except csv.Error as exc:
                    raise CsvFormatError("invalid_csv", str(exc)[:200]) from exc
                copy.write(self._parse(row, columns, placeholder))

    def _parse(self, row: list[str], columns: list[str], placeholder: str) -> str:
        if not row or (len(row) == 1 and not row[0].strip()):
            return ""  # a blank line: no line number, as in ``parsing.csv_rows``
        self._count(1)
        if len(row) != len(columns):
            self.errors[self.line_no] = {"line": "wrong_number_of_columns"}
            return placeholder
        result = parse_line(
            dict(zip(columns, row, strict=True)),
            line_no=self.line_no,
            period=self.period,
            csv_row=True,
        )
        if isinstance(result, dict):
            self.errors[self.line_no] = result
            return placeholder
        return _plain_csv(result, columns)


def _stage_objects(
    cursor: Any, lines: Iterable[Any], period: dt.date, csv_rows: bool, errors: _Errors
) -> int:
    """JSON objects (or CSV rows already split): parsed here, copied in plain form."""
    counter = [0]
    columns = ("line_no", *FIELDS)
    with cursor.copy(f"COPY ingest_raw ({', '.join(columns)}) FROM STDIN") as copy:
        for line in parse_lines(
            lines, period=period, csv_rows=csv_rows, errors=errors, counter=counter
        ):
            values = _plain_values(line)
            copy.write_row((line.line_no, *(values[name] for name in FIELDS)))
    return counter[0]


# --- Typing and checking --------------------------------------------------------------------

_SELECT_PERSON = "(SELECT p.id FROM people_person p WHERE p.bhxh_code = %s)"

_TYPE_LINES = """
INSERT INTO ingest_lines
SELECT r.line_no, p.id, r.bhxh_code, r.type, make_date(left(r.from_month, 4)::int,
       right(r.from_month, 2)::int, 1),
       CASE WHEN coalesce(r.to_month, '') <> '' THEN make_date(left(r.to_month, 4)::int,
            right(r.to_month, 2)::int, 1) END,
       nullif(r.salary, '')::bigint, coalesce(r.job_title, ''), s.bits
FROM ingest_raw r
JOIN ingest_schemes s ON s.name = coalesce(r.schemes, '')
LEFT JOIN people_person p ON p.bhxh_code = r.bhxh_code
WHERE r.from_month COLLATE "C" BETWEEN '1995-01' AND %(period)s
  AND (coalesce(r.to_month, '') = '' OR r.to_month COLLATE "C" BETWEEN '1995-01' AND %(period)s)
  AND CASE r.type
      WHEN 'hire' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') = ''
      WHEN 'adjust_salary' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') = ''
      WHEN 'leave' THEN coalesce(r.salary, '') = '' AND coalesce(r.to_month, '') = ''
           AND coalesce(r.job_title, '') = '' AND coalesce(r.schemes, '') = ''
      WHEN 'correct_period' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') <> ''
           AND r.to_month COLLATE "C" >= r.from_month
      ELSE false END
"""

# The employment of each person of the report at the unit before the report.
_STATES = """
SELECT person_id, max(started) FILTER (WHERE ended IS NULL) AS open_since,
       max(ended) AS last_ended
FROM contributions_employment
WHERE unit_id = %(unit)s AND person_id IN (SELECT person_id FROM ingest_lines)
GROUP BY person_id
"""

# Persons with one line: the checks of ``services.check_employment`` as one query.
_SINGLE_CHECKS = f"""
SELECT line_no, split_part(problem, ':', 1), split_part(problem, ':', 2) FROM (
    SELECT l.line_no, CASE
        WHEN l.type = 'hire' THEN CASE
            WHEN s.open_since IS NOT NULL THEN 'bhxh_code:already_employed'
            WHEN l.from_month <= s.last_ended THEN 'from_month:overlaps_previous_employment'
            END
        WHEN l.type = 'correct_period' THEN CASE
            WHEN s.open_since IS NULL AND s.last_ended IS NULL THEN 'bhxh_code:not_employed'
            END
        WHEN s.open_since IS NULL THEN 'bhxh_code:not_employed'
        WHEN l.type = 'leave' AND l.from_month <= s.open_since THEN 'from_month:not_after_start'
        WHEN l.type = 'adjust_salary' AND l.from_month < s.open_since
            THEN 'from_month:before_start'
        END AS problem
    FROM ingest_lines l
    LEFT JOIN ({_STATES}) s USING (person_id)
    WHERE l.person_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM ingest_seq q WHERE q.person_id = l.person_id)
) checked
WHERE problem IS NOT NULL
"""


def _form_errors(
    cursor: Any, columns: list[str], errors: dict[int, dict[str, str]], period: dt.date
) -> None:
    """Raw rows the typing query left out: their exact errors from ``parse_line`` (or, if
    ``parse_line`` accepts one after all, its typed row)."""
    cursor.execute(
        f"SELECT r.line_no, {', '.join('r.' + c for c in FIELDS)} FROM ingest_raw r "
        "WHERE NOT EXISTS (SELECT 1 FROM ingest_lines l WHERE l.line_no = r.line_no) "
        "ORDER BY r.line_no"
    )
    for line_no, *values in cursor.fetchall():
        if line_no in errors:
            continue
        raw = {name: value or "" for name, value in zip(FIELDS, values, strict=True)}
        raw = {name: raw[name] for name in columns}
        result = parse_line(raw, line_no=line_no, period=period, csv_row=True)
        if isinstance(result, dict):
            errors[line_no] = result
            continue
        cursor.execute(
            f"INSERT INTO ingest_lines VALUES (%s, {_SELECT_PERSON}, %s, %s, %s, %s, %s, %s, %s)",
            (
                result.line_no,
                result.bhxh_code,
                result.bhxh_code,
                result.type,
                result.from_month,
                result.to_month,
                result.salary,
                result.job_title,
                result.schemes,
            ),
        )


def _digest(cursor: Any) -> str:
    """The generic path's digest (``services._canonical`` of every line), built in SQL in
    slices of 100,000 lines."""
    digest = hashlib.sha256()
    cursor.execute(
        r"""
        SELECT string_agg(concat_ws(chr(31), line_no, bhxh_code, type,
                   to_char(from_month, 'YYYY-MM'), coalesce(to_char(to_month, 'YYYY-MM'), ''),
                   coalesce(salary::text, ''), job_title, schemes) || chr(10), '' ORDER BY line_no)
        FROM ingest_lines GROUP BY line_no / 100000 ORDER BY line_no / 100000
        """
    )
    for (text,) in cursor:
        digest.update(text.encode())
    return digest.hexdigest()


def _record_errors(cursor: Any, unit: Unit) -> list[tuple[int, dict[str, str]]]:
    """Unknown codes (``unknown_person_error``) and the employment checks, in line order."""
    found: list[tuple[int, dict[str, str]]] = []
    cursor.execute("SELECT line_no, type FROM ingest_lines WHERE person_id IS NULL")
    found.extend((line_no, unknown_person_error(kind)) for line_no, kind in cursor.fetchall())
    params = {"unit": unit.pk}
    cursor.execute(_SINGLE_CHECKS, params)
    found.extend((line_no, {field: code}) for line_no, field, code in cursor.fetchall())
    # Persons with several lines: in order, through the generic state machine.
    cursor.execute(
        f"""SELECT l.line_no, l.person_id, l.type, l.from_month, s.open_since, s.last_ended
        FROM ingest_lines l JOIN ingest_seq q USING (person_id)
        LEFT JOIN ({_STATES}) s USING (person_id)
        ORDER BY l.line_no""",
        params,
    )
    states: dict[int, _State] = {}
    for line_no, person_id, kind, from_month, open_since, last_ended in cursor.fetchall():
        state = states.setdefault(person_id, _State(open_since, last_ended))
        problem = check_employment(state, kind, from_month)
        if problem:
            found.append((line_no, problem))
    found.sort(key=lambda item: item[0])
    return found


# --- Applying -------------------------------------------------------------------------------

_SINGLE = "NOT EXISTS (SELECT 1 FROM ingest_seq q WHERE q.person_id = l.person_id)"
_MONTH_COLUMNS = "person_id, unit_id, month, salary, job_title, schemes, paid"
_APPLY_SINGLE: list[tuple[str, str, str]] = [
    (
        LineType.HIRE,
        "hires: employments",
        f"""INSERT INTO contributions_employment
        (person_id, unit_id, started, ended, salary, job_title, schemes, covered_to)
    SELECT person_id, %(unit)s, from_month, NULL, salary, job_title, schemes, %(period)s
    FROM ingest_lines l WHERE type = 'hire' AND {_SINGLE}""",
    ),
    (
        LineType.HIRE,
        "hires: month rows",
        f"""INSERT INTO contributions_contributionmonth ({_MONTH_COLUMNS})
    SELECT person_id, %(unit)s, m::date, salary, job_title, schemes, false
    FROM ingest_lines l, generate_series(l.from_month, %(period)s::date, interval '1 month') m
    WHERE type = 'hire' AND {_SINGLE}""",
    ),
    (
        LineType.LEAVE,
        "leaves: employments",
        f"""UPDATE contributions_employment e
    SET ended = (l.from_month - interval '1 month')::date,
        covered_to = least(e.covered_to, (l.from_month - interval '1 month')::date)
    FROM ingest_lines l
    WHERE l.type = 'leave' AND {_SINGLE} AND e.unit_id = %(unit)s
      AND e.person_id = l.person_id AND e.ended IS NULL""",
    ),
    (
        LineType.LEAVE,
        "leaves: month rows",
        f"""DELETE FROM contributions_contributionmonth c USING ingest_lines l
    WHERE l.type = 'leave' AND {_SINGLE} AND c.unit_id = %(unit)s
      AND c.person_id = l.person_id AND c.month >= l.from_month""",
    ),
    (
        LineType.ADJUST_SALARY,
        "salary changes: employments",
        f"""UPDATE contributions_employment e
    SET salary = l.salary, schemes = l.schemes,
        job_title = CASE WHEN l.job_title <> '' THEN l.job_title ELSE e.job_title END
    FROM ingest_lines l
    WHERE l.type = 'adjust_salary' AND {_SINGLE} AND e.unit_id = %(unit)s
      AND e.person_id = l.person_id AND e.ended IS NULL""",
    ),
    (
        LineType.ADJUST_SALARY,
        "salary changes: month rows",
        f"""UPDATE contributions_contributionmonth c
    SET salary = l.salary, schemes = l.schemes,
        job_title = CASE WHEN l.job_title <> '' THEN l.job_title ELSE c.job_title END
    FROM ingest_lines l
    WHERE l.type = 'adjust_salary' AND {_SINGLE} AND c.unit_id = %(unit)s
      AND c.person_id = l.person_id AND c.month >= l.from_month""",
    ),
    (
        LineType.CORRECT_PERIOD,
        "corrections: update",
        f"""UPDATE contributions_contributionmonth c
    SET salary = l.salary, schemes = l.schemes, job_title = l.job_title
    FROM ingest_lines l
    WHERE l.type = 'correct_period' AND {_SINGLE} AND c.unit_id = %(unit)s
      AND c.person_id = l.person_id AND c.month BETWEEN l.from_month AND l.to_month""",
    ),
    (
        LineType.CORRECT_PERIOD,
        "corrections: insert",
        f"""INSERT INTO contributions_contributionmonth ({_MONTH_COLUMNS})
    SELECT person_id, %(unit)s, m::date, salary, job_title, schemes, false
    FROM ingest_lines l, generate_series(l.from_month, l.to_month, interval '1 month') m
    WHERE type = 'correct_period' AND {_SINGLE}
    ON CONFLICT ON CONSTRAINT contrib_month_unique DO NOTHING""",
    ),
]

_SYNC_REGISTRY = [
    """DELETE FROM people_employment
    WHERE unit_id = %(unit)s AND person_id IN (SELECT person_id FROM ingest_lines)""",
    """INSERT INTO people_employment (person_id, unit_id, start_month, end_month)
    SELECT person_id, unit_id, to_char(started, 'YYYY-MM'), coalesce(to_char(ended, 'YYYY-MM'), '')
    FROM contributions_employment
    WHERE unit_id = %(unit)s AND person_id IN (SELECT person_id FROM ingest_lines)""",
    """DELETE FROM contributions_participationsnapshot
    WHERE person_id IN (SELECT person_id FROM ingest_lines)""",
]


def _apply(cursor: Any, unit: Unit, period: dt.date, counts: dict[str, int], clock: _Clock) -> None:
    from .statements import first_gap, refresh_statements, settle

    earliest = first_gap(unit, period)
    extend_open_employments(unit=unit, to_month=period)
    clock.lap("extend open employments")
    params = {"unit": unit.pk, "period": period}
    for kind, label, statement in _APPLY_SINGLE:
        if counts[kind]:
            cursor.execute(statement, params)
            clock.lap(label)
    cursor.execute(
        "SELECT l.line_no, l.person_id, l.bhxh_code, l.type, l.from_month, l.to_month, "
        "l.salary, l.job_title, l.schemes FROM ingest_lines l JOIN ingest_seq q USING (person_id) "
        "ORDER BY l.line_no"
    )
    person_ids: dict[str, int] = {}
    lines: list[ParsedLine] = []
    for line_no, person_id, code, kind, from_month, to_month, salary, title, schemes in cursor:
        person_ids[code] = person_id
        lines.append(ParsedLine(line_no, code, kind, from_month, to_month, salary, title, schemes))
    apply_lines(unit, period, lines, person_ids)
    clock.lap("persons with several lines")
    cursor.execute("SELECT min(from_month) FROM ingest_lines")
    first_line = cursor.fetchone()[0]
    earliest = min(earliest, first_line) if first_line else earliest
    refresh_statements(unit=unit, first=earliest, last=max(period, _last_month(unit)))
    clock.lap("statements")
    settle(unit=unit)
    clock.lap("settle")
    for statement in _SYNC_REGISTRY:
        cursor.execute(statement, params)
    clock.lap("registry and snapshots")


# --- The entry point ------------------------------------------------------------------------


def ingest_sql(
    *,
    unit: Unit,
    reference: str,
    period: dt.date,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool,
    channel: str,
    key: OrganisationKey | None,
    staff: User | None,
) -> IngestResult:
    """``services.ingest_report`` on PostgreSQL (reference and period already checked)."""
    digest: list[str] = []  # set once the lines are valid, for the replay below
    clock = _Clock()
    try:
        with transaction.atomic():
            result = _ingest(
                unit, reference, period, lines, csv_rows, channel, key, staff, digest, clock
            )
        clock.lap("commit")
        clock.log()
        return result
    except IntegrityError:
        # A concurrent request stored the same reference first.
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is None or not digest:
            raise
        return _replay(existing, digest[0], period)


def _ingest(
    unit: Unit,
    reference: str,
    period: dt.date,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool,
    channel: str,
    key: OrganisationKey | None,
    staff: User | None,
    digest_out: list[str],
    clock: _Clock,
) -> IngestResult:
    limit = settings.REPORT_MAX_LINE_ERRORS
    form_errors = _Errors(limit=limit)
    parsed_errors: dict[int, dict[str, str]] = {}
    with connection.cursor() as django_cursor:
        cursor: Any = django_cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        # Bulk statements over staging tables: compiling them (JIT) costs more than it saves.
        cursor.execute("SELECT current_setting('enable_nestloop')")
        nestloop = cursor.fetchone()[0]
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_STAGING)
        with cursor.copy("COPY ingest_schemes FROM STDIN") as copy:
            for row in _scheme_map():
                copy.write_row(row)
        if isinstance(lines, CsvRows) and not lines.started:
            stager = _CsvStager(lines, period, parsed_errors)
            stager.stage(cursor)
            line_count, columns = stager.line_no, stager.columns
        else:
            line_count = _stage_objects(cursor, lines, period, csv_rows, form_errors)
            columns = list(FIELDS)
        if line_count == 0:
            raise ReportRejected(fields={"lines": "empty_report"})
        clock.lap("parse and COPY to staging")
        cursor.execute("ANALYZE ingest_raw")
        # The planner cannot estimate the form checks and expects a few rows: for a large
        # report, join by hash (the registry, the unit's employments and months), not one
        # index probe per line.
        # The same holds for the projections just written, whose statistics are stale: a
        # nested loop over rows thought to be few is quadratic when they are many.
        if line_count >= BULK_LINES:
            cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        cursor.execute(_TYPE_LINES, {"period": format_month(period)})
        typed = cursor.rowcount
        clock.lap("typed lines")
        if typed + len(parsed_errors) + form_errors.count != line_count:
            _form_errors(cursor, columns, parsed_errors, period)
        for line_no in sorted(parsed_errors):
            form_errors.add(line_no, parsed_errors[line_no])
        cursor.execute(
            "SELECT line_no FROM ingest_lines WHERE from_month < %s ORDER BY line_no",
            (first_covered_month(),),
        )
        for (line_no,) in cursor.fetchall():
            form_errors.add(line_no, {"from_month": "no_rates_for_month"})
        clock.lap("form errors")
        digest = ""
        if not form_errors.count:
            digest = _digest(cursor)
            digest_out.append(digest)
            clock.lap("digest")
            existing = Report.objects.filter(unit=unit, reference=reference).first()
            if existing is not None:
                cursor.execute(_RESTORE_NESTLOOP, (nestloop,))
                return _replay(existing, digest, period)

        cursor.execute("ANALYZE ingest_lines")
        cursor.execute(
            "CREATE TEMP TABLE ingest_seq ON COMMIT DROP AS SELECT person_id FROM ingest_lines "
            "WHERE person_id IS NOT NULL GROUP BY person_id HAVING count(*) > 1"
        )
        for line_no, fields in _record_errors(cursor, unit):
            form_errors.add(line_no, fields)
        clock.lap("registry and employment checks")
        if form_errors.count:
            form_errors.lines.sort(key=lambda item: item["line"])
            raise ReportRejected(lines=form_errors.lines, error_count=form_errors.count)

        cursor.execute("SELECT type, count(*) FROM ingest_lines GROUP BY type")
        counts = {kind: 0 for kind in LineType.values}
        counts.update(dict(cursor.fetchall()))
        report = Report.objects.create(
            unit=unit,
            reference=reference,
            period=period,
            digest=digest,
            received_at=timezone.now(),
            channel=channel,
            key=key,
            staff=staff,
            line_count=sum(counts.values()),
            counts=counts,
        )
        cursor.execute(
            "INSERT INTO contributions_reportline (report_id, line_no, person_id, bhxh_code, "
            "type, from_month, to_month, salary, job_title, schemes) SELECT %s, line_no, "
            "person_id, bhxh_code, type, from_month, to_month, salary, job_title, schemes "
            "FROM ingest_lines",
            (report.pk,),
        )
        clock.lap("report lines")
        _apply(cursor, unit, period, counts, clock)
        cursor.execute(_RESTORE_NESTLOOP, (nestloop,))
    record_received(report, unit=unit, reference=reference, staff=staff, channel=channel)
    return IngestResult(report=report, created=True)
