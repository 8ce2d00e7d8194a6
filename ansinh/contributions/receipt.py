"""What a report answers once its lines are valid: the audit event of a stored report, and the
stored report again when the same one arrives twice (docs/contributions.md).

A report is stored once per (unit, reference). Its digest (``canonical_line`` of every line,
in order; the PostgreSQL path builds the same bytes in SQL) tells a replay of the same body,
answered with the stored report (``replay``), from another body under a stored reference
(``ReportConflict``). ``record_received`` is the audit event, and the notices to the people
the report hired, of a report both ingest paths stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ansinh.audit.services import record
from ansinh.people.models import Unit

from .models import Report
from .months import format_month
from .parsing import ParsedLine

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor


class ReportConflict(Exception):  # noqa: N818 - a domain outcome (409)
    """The unit already sent another report with this reference."""


@dataclass
class IngestResult:
    report: Report
    created: bool  # False: the same report had been stored before (idempotent replay)


def canonical_line(line: ParsedLine) -> bytes:
    """A line's bytes in the report's digest."""
    to_month = format_month(line.to_month) if line.to_month else ""
    return (
        f"{line.line_no}\x1f{line.bhxh_code}\x1f{line.type}\x1f{format_month(line.from_month)}"
        f"\x1f{to_month}\x1f{line.salary or ''}\x1f{line.job_title}\x1f{line.schemes}\n"
    ).encode()


def replay(existing: Report, digest: str, period: dt.date) -> IngestResult:
    """The answer to a report whose reference the unit used before: the stored report when
    the body (digest) and period are the same, else ``ReportConflict``."""
    if existing.digest != digest or existing.period != period:
        raise ReportConflict(existing.reference)
    return IngestResult(report=existing, created=False)


def record_received(report: Report, *, unit: Unit, reference: str, actor: Actor) -> None:
    """The audit event of a stored report (both ingest paths), by ``actor`` (who sent it, from
    which address), and the notices to the people it hired once it commits
    (``hires.announce_hires``)."""
    from .hires import schedule_hire_notices

    schedule_hire_notices(report)
    record(
        "report.received",
        by=actor,
        details={
            "report": str(report.public_id),
            "unit": unit.code,
            "reference": reference,
            "period": format_month(report.period),
            "lines": report.line_count,
        },
    )
