# ruff: noqa: S608 - the SQL here is built from our own constants only; values are parameters
"""Report ingest on PostgreSQL, step 4: apply the checked lines set-based
(docs/contributions.md; ``pgingest``).

Persons with one line: one statement per line type (hires: ``INSERT … SELECT`` of employments
and ``generate_series`` month rows; leaves, salary changes: ``UPDATE … FROM`` / ``DELETE …
USING``; corrections: ``UPDATE`` plus ``INSERT … ON CONFLICT DO NOTHING``). Persons with several
lines: the generic per-line functions (``employments.apply_lines``), in line order. Then the
statements, payments, snapshots and registry employments as in the generic path.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ansinh.people.models import Unit

from .employments import apply_lines, extend_open_employments, last_month
from .models import LineType
from .parsing import ParsedLine

if TYPE_CHECKING:
    from .pgingest import Clock

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
]
# Run by ``pgingest`` once nested loops are allowed again: with them off (large reports) this
# semi-join is a hash join over the whole snapshot table, a full scan at national size; with
# them, one index probe per person of the report.
DROP_SNAPSHOTS = """DELETE FROM contributions_participationsnapshot
    WHERE person_id IN (SELECT person_id FROM ingest_lines)"""


def apply(cursor: Any, unit: Unit, period: dt.date, counts: dict[str, int], clock: Clock) -> None:
    """Apply the lines of ``ingest_lines`` (checked, all valid) to the projections."""
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
    refresh_statements(unit=unit, first=earliest, last=max(period, last_month(unit)))
    clock.lap("statements")
    settle(unit=unit)
    clock.lap("settle")
    for statement in _SYNC_REGISTRY:
        cursor.execute(statement, params)
    clock.lap("registry")
