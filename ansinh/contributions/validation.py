"""Validation of a report's lines: their form as they are read, then the registry and the
unit's employments (docs/contributions.md).

A report is checked whole before anything is written. ``parse_lines`` reads the lines once, as
they arrive, and keeps each malformed line's errors (``parsing.parse_line``) in a
``LineErrors``; ``check_against_records`` then checks the well-formed lines: whether each
person exists and, in line order, whether the unit's employment of the person allows the line
(``check_employment``, the state machine the PostgreSQL path uses too). Any error rejects the
whole report (``ReportRejected``), with every bad line's errors.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from ansinh.people.models import Person, Unit

from .bulk import chunks
from .models import Employment, LineType
from .months import add_months, format_month
from .parsing import ParsedLine, parse_line

SHOWN_MAX = 40  # characters of a value shown back in an error
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class ReportRejected(Exception):  # noqa: N818 - a domain outcome (422)
    """The report is invalid as a whole. ``lines`` lists ``{"line": n, "fields": {field:
    code}, "values": {field: text}}`` for the first ``REPORT_MAX_LINE_ERRORS`` bad lines
    (``values``: what the line said in its BHXH code and in each field in error, for the
    messages of ``linemessages``); ``error_count`` counts them all. ``fields`` holds errors
    of the report itself (reference, period, format), ``detail`` what they name."""

    def __init__(
        self,
        *,
        fields: dict[str, str] | None = None,
        lines: list[dict[str, Any]] | None = None,
        error_count: int = 0,
        detail: str = "",
    ) -> None:
        super().__init__("report_rejected")
        self.fields = fields or {}
        self.lines = lines or []
        self.error_count = error_count
        self.detail = detail


def shown_value(value: Any) -> str:
    """A value of a line as text to show back to its sender: stripped, printable, cut."""
    if isinstance(value, str):
        text = value.strip()
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    # A lone surrogate (JSON "\ud800") cannot be written out as UTF-8: show it escaped.
    text = _UNPRINTABLE.sub(" ", text.encode("utf-8", "backslashreplace").decode("utf-8"))
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def shown_values(raw: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, str]:
    """What a malformed line said in its BHXH code and in each field in error."""
    return {
        name: shown_value(raw[name])
        for name in ("bhxh_code", *fields)
        if name in raw and raw[name] not in (None, "")
    }


def checked_values(bhxh_code: str, from_month: dt.date, fields: Mapping[str, str]) -> dict:
    """What a well-formed line that failed a check said (its BHXH code and first month)."""
    values = {"bhxh_code": bhxh_code}
    if "from_month" in fields:
        values["from_month"] = format_month(from_month)
    return values


@dataclass
class LineErrors:
    """The errors of a report's lines: the first ``limit`` kept, all of them counted."""

    limit: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    # Hire lines checked against the registry, and those naming no one (``hire_matches``):
    # charged to the key's daily budget before any error is shown (``hirebudget``).
    hires: int = 0
    unmatched_hires: int = 0

    def add(self, line_no: int, fields: dict[str, str], values: dict[str, str]) -> None:
        self.count += 1
        if len(self.lines) < self.limit:
            self.lines.append({"line": line_no, "fields": fields, "values": values})

    def add_checked(self, line: ParsedLine, fields: dict[str, str]) -> None:
        self.add(line.line_no, fields, checked_values(line.bhxh_code, line.from_month, fields))


@dataclass(slots=True)
class EmploymentState:
    """A person's employment at the reporting unit while the report's lines are checked."""

    open_since: dt.date | None  # first month of the open employment, or None
    last_ended: dt.date | None  # last month of the latest closed employment


def load_states(unit: Unit, person_ids: list[int]) -> dict[int, EmploymentState]:
    states: dict[int, EmploymentState] = {}
    for chunk in chunks(person_ids):
        rows = Employment.objects.filter(unit=unit, person_id__in=chunk).values_list(
            "person_id", "started", "ended"
        )
        for person_id, started, ended in rows:
            state = states.setdefault(person_id, EmploymentState(None, None))
            if ended is None:
                state.open_since = started
            elif state.last_ended is None or ended > state.last_ended:
                state.last_ended = ended
    return states


def check_employment(
    state: EmploymentState, kind: str, from_month: dt.date
) -> dict[str, str] | None:
    """Check one line of a person against the person's employment at the unit, and advance
    ``state`` when the line is valid; the error ``{field: code}`` or None.

    A correction needs an employment at the unit at some time (before or earlier in the
    report): like a leave or a salary change of someone the unit does not employ, it answers
    ``not_employed``, the same code an unknown BHXH code gets (``unknown_person_error``), so
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


def hire_matches(line: ParsedLine, date_of_birth: dt.date | None) -> bool:
    """Whether a hire line names a person of the registry: the BHXH code is someone's
    (``date_of_birth`` is that person's, None for an unknown code) and the line's date of birth
    is theirs. The PostgreSQL path applies the same rule in its join (``pgcheck``)."""
    return date_of_birth is not None and line.date_of_birth == date_of_birth


def unknown_person_error(kind: str) -> dict[str, str]:
    """The error of a line whose BHXH code is in no one's record, or of a hire whose date of
    birth is not the person's (``hire_matches``). For anything but a hire it is exactly the
    error of a person the unit does not employ (``not_employed``): a rejected report must not
    tell a unit which codes exist. A hire answers ``person_not_matched`` whether the code is
    unknown or the date of birth wrong, so a hire line tells only what its sender knew already
    (code and date of birth together); guesses are bounded per key and day (``hirebudget``),
    and every hire that succeeds is announced to the person (``contributions.hires``)."""
    if kind == LineType.HIRE:
        return {"bhxh_code": "person_not_matched"}
    return {"bhxh_code": "not_employed"}


def check_against_records(
    unit: Unit, lines: list[ParsedLine], errors: LineErrors
) -> dict[str, int]:
    """Check persons and employments; return BHXH code → person id for the valid lines."""
    codes = sorted({line.bhxh_code for line in lines})
    person_ids: dict[str, int] = {}
    births: dict[str, dt.date] = {}
    for chunk in chunks(codes):
        rows = Person.objects.filter(bhxh_code__in=chunk).values_list(
            "bhxh_code", "pk", "date_of_birth"
        )
        for bhxh_code, pk, born in rows:
            person_ids[bhxh_code], births[bhxh_code] = pk, born
    touched = sorted({person_ids[line.bhxh_code] for line in lines if line.bhxh_code in person_ids})
    states = load_states(unit, touched)
    for line in lines:
        person_id = person_ids.get(line.bhxh_code)
        if line.type == LineType.HIRE:
            errors.hires += 1
            if not hire_matches(line, births.get(line.bhxh_code)):
                errors.unmatched_hires += 1
                person_id = None  # answered exactly as an unknown code
        if person_id is None:
            errors.add_checked(line, unknown_person_error(line.type))
            continue
        problem = check_employment(
            states.setdefault(person_id, EmploymentState(None, None)), line.type, line.from_month
        )
        if problem:
            errors.add_checked(line, problem)
    return person_ids


def parse_lines(
    lines: Iterable[Any],
    *,
    period: dt.date,
    csv_rows: bool,
    errors: LineErrors,
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
            errors.add(line_no, {"line": "must_be_object"}, {})
            continue
        if "\x00wrong_width" in raw:
            errors.add(line_no, {"line": "wrong_number_of_columns"}, {})
            continue
        result = parse_line(raw, line_no=line_no, period=period, csv_row=csv_rows)
        if isinstance(result, dict):
            errors.add(line_no, result, shown_values(raw, result))
            continue
        yield result
