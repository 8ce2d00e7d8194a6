# ruff: noqa: S608 - the SQL here is built from our own constants only; values are parameters
"""Report ingest on PostgreSQL, steps 2 and 3: type the staged lines and check them in SQL,
with the results mapped back to the generic path's (docs/contributions.md; ``pgingest``).

``type_lines`` turns the raw rows that pass the form checks into typed rows of
``ingest_lines``, joined to the registry; ``form_errors`` gives the rows it leaves out their
exact errors from ``parse_line``. ``record_errors`` finds unknown codes and the employment
checks (persons with one line in one query, persons with several through the generic state
machine, ``validation.check_employment``), in line order. ``digest`` is the generic path's
digest (``receipt.canonical_line`` of every line), built in SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from typing import Any

from ansinh.people.models import Unit

from .months import format_month
from .parsing import FIELDS, parse_line
from .validation import (
    EmploymentState,
    check_employment,
    checked_values,
    shown_values,
    unknown_person_error,
)

# The person a line names (``validation.hire_matches``: a hire names its person by code and
# date of birth; an unmatched hire gets no person, exactly like an unknown code).
_SELECT_PERSON = (
    "(SELECT p.id FROM people_person p WHERE p.bhxh_code = %s "
    "AND (%s <> 'hire' OR p.date_of_birth = %s))"
)
# A date of birth as ``parsing.parse_line`` accepts it: ISO, a real date, the year from 1900
# (the CASE keeps ``make_date`` away from text that is not a date). A hire matched to a person
# born from 1900 has one (the join compares it with the registry's, formatted): the check is
# only made for the others, the few lines that name no one (issue 16: it was a fifth of the
# typing query).
_VALID_BIRTH = r"""CASE
    WHEN r.date_of_birth ~ '^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
    THEN to_char(make_date(left(r.date_of_birth, 4)::int, substr(r.date_of_birth, 6, 2)::int, 1)
                 + (right(r.date_of_birth, 2)::int - 1), 'YYYY-MM-DD') = r.date_of_birth
    ELSE false END"""

_TYPE_LINES = f"""
INSERT INTO ingest_lines
SELECT r.line_no, p.id, r.bhxh_code, r.type, make_date(left(r.from_month, 4)::int,
       right(r.from_month, 2)::int, 1),
       CASE WHEN coalesce(r.to_month, '') <> '' THEN make_date(left(r.to_month, 4)::int,
            right(r.to_month, 2)::int, 1) END,
       nullif(r.salary, '')::bigint, coalesce(r.job_title, ''), s.bits
FROM ingest_raw r
JOIN ingest_schemes s ON s.name = coalesce(r.schemes, '')
LEFT JOIN people_person p ON p.bhxh_code = r.bhxh_code
    AND (r.type <> 'hire' OR to_char(p.date_of_birth, 'YYYY-MM-DD') = r.date_of_birth)
WHERE r.from_month COLLATE "C" BETWEEN '1995-01' AND %(period)s
  AND (coalesce(r.to_month, '') = '' OR r.to_month COLLATE "C" BETWEEN '1995-01' AND %(period)s)
  AND CASE r.type
      WHEN 'hire' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') = ''
           AND (p.date_of_birth >= DATE '1900-01-01' OR {_VALID_BIRTH})
      WHEN 'adjust_salary' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') = ''
           AND coalesce(r.date_of_birth, '') = ''
      WHEN 'leave' THEN coalesce(r.salary, '') = '' AND coalesce(r.to_month, '') = ''
           AND coalesce(r.job_title, '') = '' AND coalesce(r.schemes, '') = ''
           AND coalesce(r.date_of_birth, '') = ''
      WHEN 'correct_period' THEN coalesce(r.salary, '') <> '' AND coalesce(r.to_month, '') <> ''
           AND r.to_month COLLATE "C" >= r.from_month AND coalesce(r.date_of_birth, '') = ''
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

# Persons with one line: the checks of ``validation.check_employment`` as one query.
_SINGLE_CHECKS = f"""
SELECT line_no, split_part(problem, ':', 1) AS field, split_part(problem, ':', 2) AS code,
       bhxh_code, from_month FROM (
    SELECT l.line_no, l.bhxh_code, l.from_month, CASE
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


def type_lines(cursor: Any, period: dt.date) -> int:
    """Type the raw rows that pass the form checks into ``ingest_lines``; how many."""
    cursor.execute(_TYPE_LINES, {"period": format_month(period)})
    return int(cursor.rowcount)


def form_errors(
    cursor: Any,
    columns: list[str],
    errors: dict[int, tuple[dict[str, str], dict[str, str]]],
    period: dt.date,
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
        raw = {name: raw[name] for name in columns if name in raw}  # not ``FILE_ONLY``
        result = parse_line(raw, line_no=line_no, period=period, csv_row=True)
        if isinstance(result, dict):
            errors[line_no] = (result, shown_values(raw, result))
            continue
        cursor.execute(
            f"INSERT INTO ingest_lines VALUES (%s, {_SELECT_PERSON}, %s, %s, %s, %s, %s, %s, %s)",
            (
                result.line_no,
                result.bhxh_code,
                result.type,
                result.date_of_birth,
                result.bhxh_code,
                result.type,
                result.from_month,
                result.to_month,
                result.salary,
                result.job_title,
                result.schemes,
            ),
        )


def digest(cursor: Any) -> str:
    """The generic path's digest (``receipt.canonical_line`` of every line), built in SQL in
    slices of 10,000 lines read one at a time through a server-side cursor: about 1 MB of
    text in memory at once, whatever the size of the report (issue 16, goal 5; all slices
    fetched at once were 47 MiB for 130,000 lines)."""
    digest = hashlib.sha256()
    with cursor.connection.cursor(name="ingest_digest") as slices:
        slices.itersize = 1
        slices.execute(
            r"""
            SELECT string_agg(concat_ws(chr(31), line_no, bhxh_code, type,
                       to_char(from_month, 'YYYY-MM'), coalesce(to_char(to_month, 'YYYY-MM'), ''),
                       coalesce(salary::text, ''), job_title, schemes) || chr(10), ''
                       ORDER BY line_no)
            FROM ingest_lines GROUP BY line_no / 10000 ORDER BY line_no / 10000
            """
        )
        for (text,) in slices:
            digest.update(text.encode())
    return digest.hexdigest()


def hire_counts(cursor: Any) -> tuple[int, int]:
    """The typed hire lines and those that name no one (``validation.hire_matches``), for the
    key's budget (``hirebudget.charge``)."""
    cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE person_id IS NULL) FROM ingest_lines "
        "WHERE type = 'hire'"
    )
    hires, unmatched = cursor.fetchone()
    return int(hires), int(unmatched)


class FirstErrors:
    """The first ``limit`` errors by line number, whatever order they are found in, and how
    many there are: a report of a million unknown persons keeps ``limit`` of them, not a
    million (issue 16, goal 5)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._kept: list[tuple[int, int, dict[str, str], str, dt.date]] = []  # max-heap

    def add(self, line_no: int, fields: dict[str, str], code: str, month: dt.date) -> None:
        self.count += 1
        item = (-line_no, -self.count, fields, code, month)
        if len(self._kept) < self.limit:
            heapq.heappush(self._kept, item)
        elif self._kept and line_no < -self._kept[0][0]:
            heapq.heapreplace(self._kept, item)

    def lines(self) -> list[tuple[int, dict[str, str], dict[str, str]]]:
        """The kept errors in line order, each with the values shown."""
        kept = sorted(self._kept, key=lambda item: (-item[0], -item[1]))
        return [
            (-line_no, fields, checked_values(code, month, fields))
            for line_no, _n, fields, code, month in kept
        ]


def record_errors(cursor: Any, unit: Unit, *, limit: int) -> FirstErrors:
    """Unknown codes and unmatched hires (``unknown_person_error``) and the employment checks:
    all counted, the first ``limit`` by line kept. The single-line checks count in SQL and
    fetch ``limit`` lines each; persons with several lines stream through the generic state
    machine from a server-side cursor."""
    found = FirstErrors(limit)
    # Each query runs once: its first ``limit`` lines, each with the count of all (a window).
    cursor.execute(
        "SELECT line_no, type, bhxh_code, from_month, count(*) OVER () FROM ingest_lines "
        "WHERE person_id IS NULL ORDER BY line_no LIMIT %s",
        (limit,),
    )
    rows = cursor.fetchall()
    for line_no, kind, code, month, _total in rows:
        found.add(line_no, unknown_person_error(kind), code, month)
    found.count += (rows[0][-1] - len(rows)) if rows else 0  # counted, not fetched
    params = {"unit": unit.pk, "limit": limit}
    cursor.execute(
        f"SELECT *, count(*) OVER () FROM ({_SINGLE_CHECKS}) single "
        "ORDER BY line_no LIMIT %(limit)s",
        params,
    )
    rows = cursor.fetchall()
    for line_no, field, problem, code, month, _total in rows:
        found.add(line_no, {field: problem}, code, month)
    found.count += (rows[0][-1] - len(rows)) if rows else 0
    # Persons with several lines: in order, through the generic state machine.
    with cursor.connection.cursor(name="ingest_sequences") as sequences:
        sequences.itersize = 2000
        sequences.execute(
            f"""SELECT l.line_no, l.person_id, l.type, l.from_month, s.open_since,
            s.last_ended, l.bhxh_code
            FROM ingest_lines l JOIN ingest_seq q USING (person_id)
            LEFT JOIN ({_STATES}) s USING (person_id)
            ORDER BY l.person_id, l.line_no""",
            params,
        )
        person: int | None = None
        state = EmploymentState(None, None)
        for line_no, person_id, kind, month, open_since, last_ended, code in sequences:
            if person_id != person:  # one person's lines at a time, in line order
                person, state = person_id, EmploymentState(open_since, last_ended)
            if problem := check_employment(state, kind, month):
                found.add(line_no, problem, code, month)
    return found
