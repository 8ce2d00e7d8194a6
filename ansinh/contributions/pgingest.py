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
3. **Check.** ``no_rates_for_month``, unknown codes and unmatched hires (a hire's date of birth
   is joined with the registry's: ``validation.hire_matches``) and the employment checks are
   queries; the hire lines are charged to the key's budget (``hirebudget``);
   persons with one line are checked in SQL, persons with several lines (order matters) by the
   same state machine as the generic path (``validation.check_employment``).
4. **Apply.** Persons with one line: one statement per line type (hires: ``INSERT … SELECT``
   of employments and ``generate_series`` month rows; leaves, salary changes: ``UPDATE … FROM``
   / ``DELETE … USING``; corrections: ``UPDATE`` plus ``INSERT … ON CONFLICT DO NOTHING``).
   Persons with several lines: the generic per-line functions, in line order. Then the
   statements, payments, snapshots and registry employments as in the generic path.

The steps live in their own modules: ``pgstage`` (1), ``pgcheck`` (2 and 3, and the digest),
``pgapply`` (4); this module runs them in order, in one transaction, and times them.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ansinh.people.models import Unit

from . import hirebudget, pgapply, pgcheck, pgstage
from .models import LineType, Report
from .parsing import FIELDS, CsvRows
from .rates import first_covered_month
from .receipt import IngestResult, record_received, replay
from .validation import LineErrors, ReportRejected, checked_values

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor

logger = logging.getLogger(__name__)

BULK_LINES = 20_000  # from this many lines, join by hash (see ``_ingest``)
_RESTORE_NESTLOOP = "SELECT set_config('enable_nestloop', %s, true)"


class Clock:
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


# --- The entry point ------------------------------------------------------------------------


def ingest_sql(
    *,
    unit: Unit,
    reference: str,
    period: dt.date,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool,
    actor: Actor,
) -> IngestResult:
    """``services.ingest_report`` on PostgreSQL (reference and period already checked)."""
    digest: list[str] = []  # set once the lines are valid, for the replay below
    clock = Clock()
    try:
        with transaction.atomic():
            result = _ingest(unit, reference, period, lines, csv_rows, actor, digest, clock)
        clock.lap("commit")
        clock.log()
        return result
    except IntegrityError:
        # A concurrent request stored the same reference first.
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is None or not digest:
            raise
        return replay(existing, digest[0], period)


def _ingest(
    unit: Unit,
    reference: str,
    period: dt.date,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool,
    actor: Actor,
    digest_out: list[str],
    clock: Clock,
) -> IngestResult:
    limit = settings.REPORT_MAX_LINE_ERRORS
    form_errors = LineErrors(limit=limit)
    # Line number → (field errors, values shown), for the lines parsed in Python.
    parsed_errors: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    with connection.cursor() as django_cursor:
        cursor: Any = django_cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        # Bulk statements over staging tables: compiling them (JIT) costs more than it saves.
        cursor.execute("SELECT current_setting('enable_nestloop')")
        nestloop = cursor.fetchone()[0]
        cursor.execute("SET LOCAL jit = off")
        # The hashes and sorts over the staged lines (typing, digest, checks) in memory, not
        # spilled to temporary files in batches: ≈ 100 MB per million lines, this transaction only.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        pgstage.create_staging(cursor)
        if isinstance(lines, CsvRows) and not lines.started:
            stager = pgstage.CsvStager(lines, period, parsed_errors)
            stager.stage(cursor)
            line_count, columns = stager.line_no, stager.columns
        else:
            line_count = pgstage.stage_objects(cursor, lines, period, csv_rows, form_errors)
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
        typed = pgcheck.type_lines(cursor, period)
        clock.lap("typed lines")
        if typed + len(parsed_errors) + form_errors.count != line_count:
            pgcheck.form_errors(cursor, columns, parsed_errors, period)
        for line_no in sorted(parsed_errors):
            form_errors.add(line_no, *parsed_errors[line_no])
        cursor.execute(
            "SELECT line_no, bhxh_code, from_month FROM ingest_lines WHERE from_month < %s "
            "ORDER BY line_no",
            (first_covered_month(),),
        )
        no_rates = {"from_month": "no_rates_for_month"}
        for line_no, bhxh_code, from_month in cursor.fetchall():
            form_errors.add(line_no, no_rates, checked_values(bhxh_code, from_month, no_rates))
        clock.lap("form errors")
        digest = ""
        if not form_errors.count:
            digest = pgcheck.digest(cursor)
            digest_out.append(digest)
            clock.lap("digest")
            existing = Report.objects.filter(unit=unit, reference=reference).first()
            if existing is not None:
                cursor.execute(_RESTORE_NESTLOOP, (nestloop,))
                return replay(existing, digest, period)

        cursor.execute("ANALYZE ingest_lines")
        cursor.execute(
            "CREATE TEMP TABLE ingest_seq ON COMMIT DROP AS SELECT person_id FROM ingest_lines "
            "WHERE person_id IS NOT NULL GROUP BY person_id HAVING count(*) > 1"
        )
        found = pgcheck.record_errors(cursor, unit, limit=limit)
        kept = found.lines()
        for line_no, fields, values in kept:
            form_errors.add(line_no, fields, values)
        form_errors.count += found.count - len(kept)  # counted, not kept
        hires, unmatched = pgcheck.hire_counts(cursor)
        hirebudget.charge(actor=actor, hires=hires, unmatched=unmatched)
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
            channel=actor.channel,
            key=actor.key,
            staff=actor.user,
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
        pgapply.apply(cursor, unit, period, counts, clock)
        cursor.execute(_RESTORE_NESTLOOP, (nestloop,))
        cursor.execute(pgapply.DROP_SNAPSHOTS)
        clock.lap("snapshots")
    record_received(report, unit=unit, reference=reference, actor=actor)
    return IngestResult(report=report, created=True)
