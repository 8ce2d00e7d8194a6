"""Units' reports of employment changes (like D02-LT): validate whole, store once, apply.

``ingest_report`` is the one entry point of the unit API, the back-office upload and the
commands. A report is checked whole before anything is written: every line's form
(``parsing.parse_line``), then, against the registry and the unit's employments, whether each
person exists (a ``hire`` names the person by code and date of birth), and, for ``leave`` and
``adjust_salary``, is employed by the unit (earlier lines of the same report count). One bad line rejects the report with every bad line's errors and
stores nothing. A report is stored once per (unit, reference): the same body again answers
the stored report, another body with that reference is a conflict.

Then, in the same transaction, the lines are applied to the projections: employments, month
rows (``ContributionMonth``), the unit's statements of the months touched, which months are
paid, and the persons' participation snapshots are dropped. See docs/contributions.md.

The flows of an ingest live in their own modules: ``validation`` (reading and checking the
lines, ``ReportRejected``), ``receipt`` (the digest, replay and ``ReportConflict``, the audit
event), ``employments`` (applying the lines), and ``pgingest`` (the same, set-based in SQL, on
PostgreSQL). This module holds the entry point and the generic path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ansinh.people.models import Unit

from . import bulk, hirebudget
from .employments import apply_report
from .models import LineType, Report, ReportLine
from .months import month_of
from .parsing import ParsedLine
from .rates import first_covered_month
from .receipt import IngestResult, canonical_line, record_received, replay
from .validation import LineErrors, ReportRejected, check_against_records, parse_lines

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor

REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}", re.ASCII)

# The columns of a stored report line, in the order the generic path writes them.
REPORT_LINE_COLUMNS = (
    "report_id",
    "line_no",
    "person_id",
    "bhxh_code",
    "type",
    "from_month",
    "to_month",
    "salary",
    "job_title",
    "schemes",
)


def validate_reference(reference: Any) -> str:
    if not isinstance(reference, str) or not REFERENCE_RE.fullmatch(reference):
        raise ReportRejected(fields={"reference": "invalid_reference"})
    return reference


def current_month() -> dt.date:
    return month_of(timezone.localdate())


def ingest_report(
    *,
    unit: Unit,
    reference: Any,
    period: Any,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool = False,
    actor: Actor,
) -> IngestResult:
    """Validate, store and apply one report of ``unit`` (docs/contributions.md).

    ``actor`` sends it: a unit's key through the API, a staff member in the back office, or
    ``Actor.command()`` (commands, the demo loader). The report keeps its channel, key and
    staff member; the ``report.received`` audit event its client address.

    ``lines`` are JSON objects or CSV rows (``csv_rows``), consumed once, as they arrive.
    Raises ``ReportRejected`` (nothing stored; ``hirebudget.TooManyUnmatchedPeople`` when the
    key's budget of unmatched hire lines is spent) or ``ReportConflict``.
    """
    from .months import parse_month

    reference = validate_reference(reference)
    try:
        if not isinstance(period, str):
            raise ValueError(period)
        period_month = parse_month(period)
    except ValueError:
        raise ReportRejected(fields={"period": "invalid_month"}) from None
    if period_month > current_month():
        raise ReportRejected(fields={"period": "future_period"})

    try:
        if settings.REPORT_INGEST_SQL and connection.vendor == "postgresql":
            from .pgingest import ingest_sql

            return ingest_sql(
                unit=unit,
                reference=reference,
                period=period_month,
                lines=lines,
                csv_rows=csv_rows,
                actor=actor,
            )
        return _ingest(unit, reference, period_month, lines, csv_rows, actor)
    except hirebudget.TooManyUnmatchedPeople:
        hirebudget.record_refusal(unit=unit, actor=actor, reference=reference)
        raise


def _ingest(
    unit: Unit,
    reference: str,
    period_month: dt.date,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool,
    actor: Actor,
) -> IngestResult:
    """The generic path of ``ingest_report`` (reference and period already checked)."""
    errors = LineErrors(limit=settings.REPORT_MAX_LINE_ERRORS)
    parsed: list[ParsedLine] = []
    digest = hashlib.sha256()
    counter = [0]
    for result in parse_lines(
        lines, period=period_month, csv_rows=csv_rows, errors=errors, counter=counter
    ):
        parsed.append(result)
        digest.update(canonical_line(result))
    line_no = counter[0]
    if line_no == 0:
        raise ReportRejected(fields={"lines": "empty_report"})
    covered = first_covered_month()
    for line in parsed:
        if line.from_month < covered:
            errors.add_checked(line, {"from_month": "no_rates_for_month"})
    if not errors.count:
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is not None:
            return replay(existing, digest.hexdigest(), period_month)

    # Every line's errors at once: the lines whose form is right are checked against the
    # registry and the unit's employments even when other lines are malformed.
    person_ids = check_against_records(unit, parsed, errors)
    hirebudget.charge(actor=actor, hires=errors.hires, unmatched=errors.unmatched_hires)
    if errors.count:
        errors.lines.sort(key=lambda item: item["line"])
        raise ReportRejected(lines=errors.lines, error_count=errors.count)

    counts = {kind: 0 for kind in LineType.values}
    for line in parsed:
        counts[line.type] += 1
    try:
        with transaction.atomic():
            report = Report.objects.create(
                unit=unit,
                reference=reference,
                period=period_month,
                digest=digest.hexdigest(),
                received_at=timezone.now(),
                channel=actor.channel,
                key=actor.key,
                staff=actor.user,
                line_count=len(parsed),
                counts=counts,
            )
            bulk.insert_rows(
                ReportLine,
                REPORT_LINE_COLUMNS,
                (
                    (
                        report.pk,
                        ln.line_no,
                        person_ids[ln.bhxh_code],
                        ln.bhxh_code,
                        ln.type,
                        ln.from_month,
                        ln.to_month,
                        ln.salary,
                        ln.job_title,
                        ln.schemes,
                    )  # fmt: skip
                    for ln in parsed
                ),
            )
            apply_report(unit, period_month, parsed, person_ids)
            record_received(report, unit=unit, reference=reference, actor=actor)
    except IntegrityError:
        # A concurrent request stored the same reference first.
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is None:
            raise
        return replay(existing, digest.hexdigest(), period_month)
    return IngestResult(report=report, created=True)
