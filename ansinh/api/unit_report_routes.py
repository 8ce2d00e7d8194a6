"""The unit API for contributions (DESIGN §3.5, §4), authenticated with the unit's API key:

* ``POST /unit/reports``: a report (like D02-LT) as JSON ``{reference, period, lines: […]}``,
  or a file (``report_files``): a CSV or Excel (.xlsx) body with
  ``?reference=…&period=YYYY-MM``, or ``multipart/form-data`` with the fields ``reference``,
  ``period`` and the file ``file``;
* ``GET /unit/reports/{report_id}``: a stored report's summary.

The monthly statement (``GET /unit/statements/{YYYY-MM}``) is in ``statement_routes.py``.

A unit only ever reports for and reads its own data: the unit is the key's, never a
parameter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ansinh.contributions.access import NotAUnit, get_report_for_unit, unit_of_key
from ansinh.contributions.hirebudget import TooManyUnmatchedPeople
from ansinh.contributions.models import SCHEME_BITS, LineType, Report
from ansinh.contributions.months import format_month
from ansinh.contributions.parsing import MAX_JOB_TITLE, MAX_SALARY, CsvFormatError, read_chunks
from ansinh.contributions.receipt import ReportConflict
from ansinh.contributions.services import ingest_report
from ansinh.contributions.validation import ReportRejected
from ansinh.contributions.xlsx import XLSX_MEDIA_TYPE
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.replicas import reads_from_replica
from ansinh.people.models import Unit

from .auth import current_org_key, org_key_auth
from .errors import ApiError
from .operation_ids import operation_id
from .parser import JsonBodyError, JsonObjectStream
from .report_files import FILE_MEDIA_TYPES, body_chunks, file_report, format_error, invalid
from .report_files import rejected as rejected_error
from .schemas import ErrorOut

reports_router = Router(tags=["unit"], auth=org_key_auth)


class ReportCountsOut(Schema):
    lines: int
    hire: int
    leave: int
    adjust_salary: int
    correct_period: int


class ReportOut(Schema):
    report_id: str
    reference: str
    period: str
    received_at: str
    counts: ReportCountsOut
    replayed: bool = False


def _unit(request: HttpRequest) -> Unit:
    try:
        return unit_of_key(current_org_key(request))
    except NotAUnit:
        raise ApiError(403, "not_a_unit", _("Only an employer unit's key can do this.")) from None


def _report_out(report: Report, *, replayed: bool = False) -> dict[str, Any]:
    return {
        "report_id": str(report.public_id),
        "reference": report.reference,
        "period": format_month(report.period),
        "received_at": report.received_at.isoformat(),
        "counts": {"lines": report.line_count, **report.counts},
        "replayed": replayed,
    }


class _JsonReport:
    """A JSON report ``{reference, period, lines: […]}`` read as it arrives (DESIGN §4).

    ``header`` holds the members other than ``lines``, checked (unknown fields, types) before
    any line is read; ``lines()`` yields the lines one by one from the stream, so memory stays
    at one chunk plus one line whatever the report's size (issue 11, defect h). A body that
    sends its lines before ``reference`` and ``period`` is read twice: the first pass checks
    the JSON and counts the lines (the line limit stops it), the body waits in a temporary file
    (in memory up to 1 MiB), and the second pass hands out the lines."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # closed in __exit__
        self._keep = True
        try:
            self._stream = JsonObjectStream(self._tee(chunks), key="lines")
            # True: the body has a "lines" list and the stream stands at its first line.
            self._listed = self._stream.head() is not None
            self.header = dict(self._stream.members)
            _check_unknown(self.header)
            if self._listed and not {"reference", "period"} <= self.header.keys():
                self._count_lines_then_rewind()
            else:
                self._keep = False
                self._spool.close()
            bad = {
                name: "required" if self.header.get(name) is None else "must_be_text"
                for name in ("reference", "period")
                if not isinstance(self.header.get(name), str)
            }
            if not self._listed:
                bad["lines"] = "must_be_list"
            if bad:
                raise invalid(bad)
        except BaseException:
            self._spool.close()
            raise

    def _tee(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if self._keep:
                self._spool.write(chunk)
            yield chunk

    def _count_lines_then_rewind(self) -> None:
        limit = settings.REPORT_MAX_LINES
        for count, _line in enumerate(self._stream.items(), start=1):
            if count > limit:
                raise ReportRejected(fields={"lines": "too_many_lines"})
        _check_unknown(self._stream.tail)
        self.header.update(self._stream.tail)
        self._keep = False
        self._spool.seek(0)
        self._stream = JsonObjectStream(read_chunks(self._spool), key="lines")
        self._stream.head()

    def lines(self) -> Iterator[Any]:
        """The lines as they arrive; after the last, the members that follow the list."""
        yield from self._stream.items()
        _check_unknown(self._stream.tail)

    def __enter__(self) -> _JsonReport:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._spool.close()


def _check_unknown(members: dict[str, Any]) -> None:
    unknown = {k: "unknown_field" for k in members if k not in ("reference", "period", "lines")}
    if unknown:
        raise invalid(unknown)


def _json_error(exc: JsonBodyError) -> ApiError:
    if exc.code == "value_too_large":
        return ApiError(413, "line_too_large", exc.message)
    return ApiError(400, "invalid_json", exc.message)


_MONTH = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"}
_REFERENCE = {
    "type": "string",
    "pattern": "^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
    "description": "The unit's own reference; one report per reference",
}
_LINE = {
    "type": "object",
    "required": ["bhxh_code", "type", "from_month"],
    "properties": {
        "bhxh_code": {"type": "string", "pattern": "^[0-9]{10}$"},
        "type": {"type": "string", "enum": sorted(LineType.values)},
        "from_month": _MONTH,
        "to_month": _MONTH,
        "salary": {"type": "integer", "minimum": 1, "maximum": MAX_SALARY},
        "job_title": {"type": "string", "maxLength": MAX_JOB_TITLE},
        "schemes": {
            "type": "array",
            "items": {"type": "string", "enum": sorted(SCHEME_BITS)},
            "uniqueItems": True,
        },
        "date_of_birth": {
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "The person's date of birth (YYYY-MM-DD): required for a hire, "
            "refused on other lines. A hire whose code and date of birth name no one answers "
            "person_not_matched (an unknown code the same way)",
        },
    },
}
# The body is read by hand (three media types, streamed with a size cap), so ninja cannot
# derive it; without this the OpenAPI document showed no body at all.
REPORT_BODY = {
    "parameters": [
        {"in": "query", "name": name, "required": False, "schema": schema}
        for name, schema in (("reference", _REFERENCE), ("period", _MONTH))
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["reference", "period", "lines"],
                    "properties": {
                        "reference": _REFERENCE,
                        "period": _MONTH,
                        "lines": {"type": "array", "items": _LINE},
                    },
                }
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "A header line of column names (those of a JSON line, "
                    "date_of_birth included when the report hires; schemes joined by |; or "
                    "the Vietnamese titles of the template, GET /unit/reports/template.csv), "
                    "then one line per row; reference and period as query parameters",
                }
            },
            XLSX_MEDIA_TYPE: {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": "An Excel workbook (.xlsx, no macros) whose first sheet "
                    "has the CSV's header and lines (GET /unit/reports/template.xlsx); "
                    "reference and period as query parameters",
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["reference", "period", "file"],
                    "properties": {
                        "reference": _REFERENCE,
                        "period": _MONTH,
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A CSV or an Excel workbook (.xlsx)",
                        },
                    },
                }
            },
        },
    },
}


@reports_router.post(
    "",
    response={
        200: ReportOut,
        201: ReportOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra={
        **REPORT_BODY,
        "responses": {
            status: {
                "links": {
                    "get_report": {
                        "operationId": operation_id(__name__, "get_report"),
                        "parameters": {"report_id": "$response.body#/report_id"},
                    }
                }
            }
            for status in (200, 201)
        },
    },
)
def submit_report(request: HttpRequest) -> Any:
    """Store a report once per reference, validated whole: 201 on first receipt, 200 with the
    same ``report_id`` when the same report is sent again, 409 ``reference_conflict`` for a
    different body under a used reference, 422 ``invalid_report`` with ``error.fields``
    (report-level errors) and ``error.lines`` (``[{"line": n, "fields": {field: code}}]``,
    every bad line up to ``REPORT_MAX_LINE_ERRORS``, ``error.error_count`` counts them all;
    beside the codes each line has ``row``, its row in the file as a spreadsheet shows it with
    the header as row 1, ``bhxh_code`` as sent, ``messages`` {field: text} and ``message``,
    every problem of the line in one sentence in the reader's language),
    429 ``too_many_unmatched_people`` (with ``Retry-After``, no line errors) once the key's
    daily budget of hire lines that name no one is spent."""
    unit = _unit(request)
    actor = Actor.from_request(request, Channel.API, key=current_org_key(request))
    content_type = request.content_type or ""
    row_map = None
    try:
        if content_type == "application/json":
            with _JsonReport(body_chunks(request)) as report:
                result = ingest_report(
                    unit=unit,
                    reference=report.header["reference"],
                    period=report.header["period"],
                    lines=report.lines(),
                    actor=actor,
                )
        elif content_type in FILE_MEDIA_TYPES:
            with file_report(request, content_type) as (reference, period, rows):
                row_map = rows.row_map
                result = ingest_report(
                    unit=unit,
                    reference=reference,
                    period=period,
                    lines=rows,
                    csv_rows=True,
                    actor=actor,
                )
        else:
            raise ApiError(
                415,
                "unsupported_media_type",
                _(
                    "Send the report as application/json, text/csv, an Excel workbook (.xlsx) "
                    "or multipart/form-data."
                ),
            )
    except CsvFormatError as exc:
        raise format_error(exc) from None
    except JsonBodyError as exc:
        raise _json_error(exc) from None
    except TooManyUnmatchedPeople as exc:
        raise ApiError(
            429,
            "too_many_unmatched_people",
            _(
                "Too many hire lines today named no one (BHXH code and date of birth); "
                "nothing was stored. Check the lines and send the report again later."
            ),
            fields=exc.fields,
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except ReportRejected as exc:
        raise rejected_error(exc, row_map) from None
    except ReportConflict:
        raise ApiError(
            409,
            "reference_conflict",
            _("Another report with this reference was already received."),
            fields={"reference": "reference_conflict"},
        ) from None
    status = 201 if result.created else 200
    return Status(status, _report_out(result.report, replayed=not result.created))


@reports_router.get(
    "/{report_id}", response={200: ReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
@reads_from_replica
def get_report(request: HttpRequest, report_id: str) -> Any:
    """A report this unit sent, by its ``report_id``."""
    unit = _unit(request)
    report = get_report_for_unit(unit, report_id)
    if report is None:
        raise ApiError(404, "not_found", _("Not found."))
    return Status(200, _report_out(report))
