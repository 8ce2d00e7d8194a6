"""Employment changes: a valid report's lines applied to the projections (docs/contributions.md).

Employments (``Employment``), the month rows (``ContributionMonth``) they give, the unit's
statements of the months touched and which months are paid, the persons' participation
snapshots (dropped), and the registry's mirror of who employs whom (``people.Employment``).
``apply_report`` is the generic ingest path's step; the PostgreSQL path applies persons with
one line in SQL and the others through ``apply_lines``. ``extend_open_employments`` also runs
when statements are built for a month no report reached yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import Any

from ansinh.people.models import Unit

from . import bulk
from .bulk import LOOKUP_CHUNK, chunks
from .models import ContributionMonth, Employment, LineType, ParticipationSnapshot
from .months import add_months, format_month, iter_months
from .parsing import ParsedLine

MONTH_COLUMNS = ("person_id", "unit_id", "month", "salary", "job_title", "schemes", "paid")


def apply_report(
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
    refresh_statements(unit=unit, first=earliest, last=max(period, last_month(unit)))
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

    for chunk in chunks(sorted(person_ids)):
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


def last_month(unit: Unit) -> dt.date:
    """The unit's latest month with a month row (1995-01 when it has none)."""
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
        for chunk in chunks(pks):
            Employment.objects.filter(pk__in=chunk).update(covered_to=to_month)
    if units:
        drop_snapshots_of_units(unit_ids=sorted(units))
    return units


def drop_snapshots(*, person_ids: list[int]) -> None:
    for chunk in chunks(person_ids):
        ParticipationSnapshot.objects.filter(person_id__in=chunk).delete()


def drop_snapshots_of_units(*, unit_ids: list[int]) -> None:
    ParticipationSnapshot.objects.filter(
        person_id__in=ContributionMonth.objects.filter(unit_id__in=unit_ids).values("person_id")
    ).delete()
