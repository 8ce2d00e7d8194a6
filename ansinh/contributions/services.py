"""Units' reports of employment changes (like D02-LT): validate whole, store once, apply.

``ingest_report`` is the one entry point of the unit API, the back-office upload and the
commands. A report is checked whole before anything is written: every line's form
(``parsing.parse_line``), then, against the registry and the unit's employments, whether each
person exists and, for ``leave`` and ``adjust_salary``, is employed by the unit (earlier lines
of the same report count). One bad line rejects the report with every bad line's errors and
stores nothing. A report is stored once per (unit, reference): the same body again answers
the stored report, another body with that reference is a conflict.

Then, in the same transaction, the lines are applied to the projections: employments, month
rows (``ContributionMonth``), the unit's statements of the months touched, which months are
paid, and the persons' participation snapshots are dropped. See docs/contributions.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ansinh.audit.services import record
from ansinh.people.models import Person, Unit

from . import bulk
from .models import (
    Channel,
    ContributionMonth,
    Employment,
    LineType,
    ParticipationSnapshot,
    Report,
    ReportLine,
)
from .months import add_months, format_month, iter_months, month_of
from .parsing import ParsedLine, parse_line
from .rates import first_covered_month

if TYPE_CHECKING:
    from ansinh.accounts.models import OrganisationKey, User

REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}", re.ASCII)
LOOKUP_CHUNK = 5000


class ReportRejected(Exception):  # noqa: N818 - a domain outcome (422)
    """The report is invalid as a whole. ``lines`` lists ``{"line": n, "fields": {field:
    code}}`` for the first ``REPORT_MAX_LINE_ERRORS`` bad lines; ``error_count`` counts them
    all. ``fields`` holds errors of the report itself (reference, period, format)."""

    def __init__(
        self,
        *,
        fields: dict[str, str] | None = None,
        lines: list[dict[str, Any]] | None = None,
        error_count: int = 0,
    ) -> None:
        super().__init__("report_rejected")
        self.fields = fields or {}
        self.lines = lines or []
        self.error_count = error_count


class ReportConflict(Exception):  # noqa: N818 - a domain outcome (409)
    """The unit already sent another report with this reference."""


@dataclass
class IngestResult:
    report: Report
    created: bool  # False: the same report had been stored before (idempotent replay)


@dataclass
class _Errors:
    limit: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, line_no: int, fields: dict[str, str]) -> None:
        self.count += 1
        if len(self.lines) < self.limit:
            self.lines.append({"line": line_no, "fields": fields})


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


def _canonical(line: ParsedLine) -> bytes:
    to_month = format_month(line.to_month) if line.to_month else ""
    return (
        f"{line.line_no}\x1f{line.bhxh_code}\x1f{line.type}\x1f{format_month(line.from_month)}"
        f"\x1f{to_month}\x1f{line.salary or ''}\x1f{line.job_title}\x1f{line.schemes}\n"
    ).encode()


def _chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(slots=True)
class _State:
    """A person's employment at the reporting unit while the report's lines are checked."""

    open_since: dt.date | None  # first month of the open employment, or None
    last_ended: dt.date | None  # last month of the latest closed employment


def _load_states(unit: Unit, person_ids: list[int]) -> dict[int, _State]:
    states: dict[int, _State] = {}
    for chunk in _chunks(person_ids):
        rows = Employment.objects.filter(unit=unit, person_id__in=chunk).values_list(
            "person_id", "started", "ended"
        )
        for person_id, started, ended in rows:
            state = states.setdefault(person_id, _State(None, None))
            if ended is None:
                state.open_since = started
            elif state.last_ended is None or ended > state.last_ended:
                state.last_ended = ended
    return states


def check_employment(state: _State, kind: str, from_month: dt.date) -> dict[str, str] | None:
    """Check one line of a person against the person's employment at the unit, and advance
    ``state`` when the line is valid; the error ``{field: code}`` or None.

    A correction needs an employment at the unit at some time (before or earlier in the
    report): like a leave or a salary change of someone the unit does not employ, it answers
    ``not_employed``, the same code an unknown BHXH code gets (``UNKNOWN_PERSON_ERROR``), so
    a report cannot tell a unit which codes exist (issue 11 c)."""
    if kind == LineType.CORRECT_PERIOD:
        if state.open_since is None and state.last_ended is None:
            return {"bhxh_code": "not_employed"}
        return None
    if kind == LineType.HIRE:
        if state.open_since is not None:
            return {"bhxh_code": "already_employed"}
        if state.last_ended is not None and from_month <= state.last_ended:
            return {"from_month": "overlaps_previous_employment"}
        state.open_since = from_month
    elif state.open_since is None:
        return {"bhxh_code": "not_employed"}
    elif kind == LineType.LEAVE:
        if from_month <= state.open_since:
            return {"from_month": "not_after_start"}
        state.last_ended = add_months(from_month, -1)
        state.open_since = None
    elif from_month < state.open_since:  # adjust_salary
        return {"from_month": "before_start"}
    return None


def unknown_person_error(kind: str) -> dict[str, str]:
    """The error of a line whose BHXH code is in no one's record. For anything but a hire it is
    exactly the error of a person the unit does not employ (``not_employed``): a rejected
    report must not tell a unit which codes exist. A hire of an unknown code cannot be told
    apart that way (a hire of a real person succeeds); it answers ``unknown_person``, and every
    hire that succeeds is announced to the person (``contributions.hires``)."""
    if kind == LineType.HIRE:
        return {"bhxh_code": "unknown_person"}
    return {"bhxh_code": "not_employed"}


def _check_against_records(unit: Unit, lines: list[ParsedLine], errors: _Errors) -> dict[str, int]:
    """Check persons and employments; return BHXH code → person id for the valid lines."""
    codes = sorted({line.bhxh_code for line in lines})
    person_ids: dict[str, int] = {}
    for chunk in _chunks(codes):
        person_ids.update(Person.objects.filter(bhxh_code__in=chunk).values_list("bhxh_code", "pk"))
    touched = sorted({person_ids[line.bhxh_code] for line in lines if line.bhxh_code in person_ids})
    states = _load_states(unit, touched)
    for line in lines:
        person_id = person_ids.get(line.bhxh_code)
        if person_id is None:
            errors.add(line.line_no, unknown_person_error(line.type))
            continue
        problem = check_employment(
            states.setdefault(person_id, _State(None, None)), line.type, line.from_month
        )
        if problem:
            errors.add(line.line_no, problem)
    return person_ids


def parse_lines(
    lines: Iterable[Any],
    *,
    period: dt.date,
    csv_rows: bool,
    errors: _Errors,
    counter: list[int],
    first_line_no: int = 1,
) -> Iterator[ParsedLine]:
    """The lines whose form is right, in order; the others' errors go to ``errors``.
    ``counter[0]`` is the number of the last line read. Raises ``too_many_lines``."""
    max_lines = settings.REPORT_MAX_LINES
    for line_no, raw in enumerate(lines, start=first_line_no):
        counter[0] = line_no
        if line_no > max_lines:
            raise ReportRejected(fields={"lines": "too_many_lines"})
        if not isinstance(raw, Mapping):
            errors.add(line_no, {"line": "must_be_object"})
            continue
        if "\x00wrong_width" in raw:
            errors.add(line_no, {"line": "wrong_number_of_columns"})
            continue
        result = parse_line(raw, line_no=line_no, period=period, csv_row=csv_rows)
        if isinstance(result, dict):
            errors.add(line_no, result)
            continue
        yield result


def ingest_report(
    *,
    unit: Unit,
    reference: Any,
    period: Any,
    lines: Iterable[Mapping[str, Any]],
    csv_rows: bool = False,
    channel: str = Channel.API,
    key: OrganisationKey | None = None,
    staff: User | None = None,
) -> IngestResult:
    """Validate, store and apply one report of ``unit`` (docs/contributions.md).

    ``lines`` are JSON objects or CSV rows (``csv_rows``), consumed once, as they arrive.
    Raises ``ReportRejected`` (nothing stored) or ``ReportConflict``.
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

    if settings.REPORT_INGEST_SQL and connection.vendor == "postgresql":
        from .pgingest import ingest_sql

        return ingest_sql(
            unit=unit,
            reference=reference,
            period=period_month,
            lines=lines,
            csv_rows=csv_rows,
            channel=channel,
            key=key,
            staff=staff,
        )

    errors = _Errors(limit=settings.REPORT_MAX_LINE_ERRORS)
    parsed: list[ParsedLine] = []
    digest = hashlib.sha256()
    counter = [0]
    for result in parse_lines(
        lines, period=period_month, csv_rows=csv_rows, errors=errors, counter=counter
    ):
        parsed.append(result)
        digest.update(_canonical(result))
    line_no = counter[0]
    if line_no == 0:
        raise ReportRejected(fields={"lines": "empty_report"})
    covered = first_covered_month()
    for line in parsed:
        if line.from_month < covered:
            errors.add(line.line_no, {"from_month": "no_rates_for_month"})
    if not errors.count:
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is not None:
            return _replay(existing, digest.hexdigest(), period_month)

    # Every line's errors at once: the lines whose form is right are checked against the
    # registry and the unit's employments even when other lines are malformed.
    person_ids = _check_against_records(unit, parsed, errors)
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
                channel=channel,
                key=key,
                staff=staff,
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
            _apply(unit, period_month, parsed, person_ids)
            record_received(report, unit=unit, reference=reference, staff=staff, channel=channel)
    except IntegrityError:
        # A concurrent request stored the same reference first.
        existing = Report.objects.filter(unit=unit, reference=reference).first()
        if existing is None:
            raise
        return _replay(existing, digest.hexdigest(), period_month)
    return IngestResult(report=report, created=True)


def record_received(
    report: Report, *, unit: Unit, reference: str, staff: Any, channel: str
) -> None:
    """The audit event of a stored report (both ingest paths), and the notices to the people
    it hired once it commits (``hires.announce_hires``)."""
    from .hires import schedule_hire_notices

    schedule_hire_notices(report)
    record(
        "report.received",
        actor=staff,
        channel=channel,
        details={
            "report": str(report.public_id),
            "unit": unit.code,
            "reference": reference,
            "period": format_month(report.period),
            "lines": report.line_count,
        },
    )


def _replay(existing: Report, digest: str, period: dt.date) -> IngestResult:
    if existing.digest != digest or existing.period != period:
        raise ReportConflict(existing.reference)
    return IngestResult(report=existing, created=False)


# --- Applying a report to the projections -------------------------------------------------------

MONTH_COLUMNS = ("person_id", "unit_id", "month", "salary", "job_title", "schemes", "paid")


def _apply(
    unit: Unit, period: dt.date, lines: list[ParsedLine], person_ids: dict[str, int]
) -> None:
    """Apply validated lines in order. Runs of consecutive lines of one type are applied
    together (a hire run as bulk inserts), which keeps the order of every person's lines."""
    # Employments the unit did not mention run on to the report's month first, so that a
    # leave or a change applies to months that exist.
    from .statements import first_gap, refresh_statements, settle

    earliest = first_gap(unit, period)
    extend_open_employments(unit=unit, to_month=period)
    earliest = min(earliest, min((ln.from_month for ln in lines), default=earliest))
    apply_lines(unit, period, lines, person_ids)
    touched = {person_ids[ln.bhxh_code] for ln in lines}
    refresh_statements(unit=unit, first=earliest, last=max(period, _last_month(unit)))
    settle(unit=unit)
    drop_snapshots(person_ids=list(touched))
    sync_registry_employments(unit=unit, person_ids=touched)


def apply_lines(
    unit: Unit, period: dt.date, lines: list[ParsedLine], person_ids: Mapping[str, int]
) -> None:
    """Apply validated lines in order: runs of consecutive lines of one type together (a hire
    run as bulk inserts), which keeps the order of every person's lines."""
    for kind, run_iter in groupby(lines, key=lambda ln: ln.type):
        run = list(run_iter)
        if kind == LineType.HIRE:
            _apply_hires(unit, period, run, person_ids)
            continue
        for line in run:
            person_id = person_ids[line.bhxh_code]
            if kind == LineType.LEAVE:
                _apply_leave(unit, person_id, line)
            elif kind == LineType.ADJUST_SALARY:
                _apply_adjustment(unit, person_id, line)
            else:
                _apply_correction(unit, person_id, line)


def sync_registry_employments(*, unit: Unit, person_ids: Iterable[int]) -> None:
    """Mirror the reported employments of ``person_ids`` at ``unit`` into the registry's
    ``people.Employment`` (month granularity), which decides whom a unit may file dossiers
    for (docs/dossiers.md). The reports are the source of truth; this keeps one answer to
    "does this unit employ this person now?"."""
    from ansinh.people.models import Employment as RegistryEmployment

    for chunk in _chunks(sorted(person_ids)):
        RegistryEmployment.objects.filter(unit=unit, person_id__in=chunk).delete()
        RegistryEmployment.objects.bulk_create(
            RegistryEmployment(
                person_id=person_id,
                unit=unit,
                start_month=format_month(started),
                end_month=format_month(ended) if ended else "",
            )
            for person_id, started, ended in Employment.objects.filter(
                unit=unit, person_id__in=chunk
            ).values_list("person_id", "started", "ended")
        )


def _last_month(unit: Unit) -> dt.date:
    last = (
        ContributionMonth.objects.filter(unit=unit)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return last or dt.date(1995, 1, 1)


def _apply_hires(
    unit: Unit, period: dt.date, run: list[ParsedLine], person_ids: Mapping[str, int]
) -> None:
    bulk.insert_rows(
        Employment,
        (
            "person_id",
            "unit_id",
            "started",
            "ended",
            "salary",
            "job_title",
            "schemes",
            "covered_to",
        ),
        (
            (
                person_ids[ln.bhxh_code],
                unit.pk,
                ln.from_month,
                None,
                ln.salary,
                ln.job_title,
                ln.schemes,
                period,
            )  # fmt: skip
            for ln in run
        ),
    )
    bulk.insert_rows(
        ContributionMonth,
        MONTH_COLUMNS,
        (
            (person_ids[ln.bhxh_code], unit.pk, month, ln.salary, ln.job_title, ln.schemes, False)
            for ln in run
            for month in iter_months(ln.from_month, period)
        ),
    )


def _open_employment(unit: Unit, person_id: int) -> Employment:
    return Employment.objects.select_for_update().get(
        unit=unit, person_id=person_id, ended__isnull=True
    )


def _apply_leave(unit: Unit, person_id: int, line: ParsedLine) -> None:
    employment = _open_employment(unit, person_id)
    employment.ended = add_months(line.from_month, -1)
    employment.covered_to = min(employment.covered_to, employment.ended)
    employment.save(update_fields=["ended", "covered_to"])
    ContributionMonth.objects.filter(
        unit=unit, person_id=person_id, month__gte=line.from_month
    ).delete()


def _apply_adjustment(unit: Unit, person_id: int, line: ParsedLine) -> None:
    employment = _open_employment(unit, person_id)
    assert line.salary is not None  # noqa: S101 - parse_line requires it
    changes: dict[str, Any] = {"salary": line.salary, "schemes": line.schemes}
    if line.job_title:
        changes["job_title"] = line.job_title
    for name, value in changes.items():
        setattr(employment, name, value)
    employment.save(update_fields=list(changes))
    ContributionMonth.objects.filter(
        unit=unit, person_id=person_id, month__gte=line.from_month
    ).update(**changes)


def _apply_correction(unit: Unit, person_id: int, line: ParsedLine) -> None:
    """Months ``from_month``–``to_month`` at this unit become exactly what the line says;
    months missing there are added (a period the unit forgot to report)."""
    assert line.salary is not None and line.to_month is not None  # noqa: S101
    rows = ContributionMonth.objects.filter(
        unit=unit, person_id=person_id, month__gte=line.from_month, month__lte=line.to_month
    )
    present = set(rows.values_list("month", flat=True))
    rows.update(salary=line.salary, job_title=line.job_title, schemes=line.schemes)
    bulk.insert_rows(
        ContributionMonth,
        MONTH_COLUMNS,
        [
            (person_id, unit.pk, month, line.salary, line.job_title, line.schemes, False)
            for month in iter_months(line.from_month, line.to_month)
            if month not in present
        ],
    )


def extend_open_employments(*, unit: Unit | None, to_month: dt.date) -> set[int]:
    """Add the month rows of every open employment (of ``unit``, or of all units) up to
    ``to_month``; returns the ids of the units that got rows."""
    employments = Employment.objects.filter(ended__isnull=True, covered_to__lt=to_month)
    if unit is not None:
        employments = employments.filter(unit=unit)
    units: set[int] = set()
    by_gap: dict[dt.date, list[int]] = defaultdict(list)
    rows = employments.values_list(
        "pk", "person_id", "unit_id", "covered_to", "salary", "job_title", "schemes"
    ).iterator(chunk_size=LOOKUP_CHUNK)

    def month_rows() -> Iterator[tuple[Any, ...]]:
        for pk, person_id, unit_id, covered_to, salary, job_title, schemes in rows:
            units.add(unit_id)
            by_gap[covered_to].append(pk)
            for month in iter_months(add_months(covered_to, 1), to_month):
                yield (person_id, unit_id, month, salary, job_title, schemes, False)

    bulk.insert_rows(ContributionMonth, MONTH_COLUMNS, list(month_rows()))
    for pks in by_gap.values():
        for chunk in _chunks(pks):
            Employment.objects.filter(pk__in=chunk).update(covered_to=to_month)
    if units:
        drop_snapshots_of_units(unit_ids=sorted(units))
    return units


def drop_snapshots(*, person_ids: list[int]) -> None:
    for chunk in _chunks(person_ids):
        ParticipationSnapshot.objects.filter(person_id__in=chunk).delete()


def drop_snapshots_of_units(*, unit_ids: list[int]) -> None:
    ParticipationSnapshot.objects.filter(
        person_id__in=ContributionMonth.objects.filter(unit_id__in=unit_ids).values("person_id")
    ).delete()
