"""A report (D02-LT) sent as a file through ``POST /unit/reports``: a CSV body (``text/csv``),
an Excel workbook body (``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``),
or either as the file ``file`` of a ``multipart/form-data`` form (told apart by its first
bytes); and a rejected report's errors with their texts (docs/contributions.md).

Reading only: the lines go to ``contributions.services.ingest_report`` like a JSON report's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ansinh.contributions.linemessages import describe, report_messages
from ansinh.contributions.parsing import CsvFormatError, CsvRows, RowMap, csv_rows
from ansinh.contributions.validation import ReportRejected
from ansinh.contributions.xlsx import XLSX_MEDIA_TYPE, XlsxRows, is_workbook, uploaded_rows

from .errors import ApiError

FILE_MEDIA_TYPES = ("text/csv", XLSX_MEDIA_TYPE, "multipart/form-data")


def too_large() -> ApiError:
    return ApiError(413, "body_too_large", _("The report is too large."))


def invalid(fields: dict[str, str]) -> ApiError:
    return ApiError(400, "invalid_input", _("Some fields are missing or invalid."), fields=fields)


def body_chunks(request: HttpRequest, limit: int | None = None) -> Iterator[bytes]:
    """The request body in chunks, at most ``limit`` (``REPORT_MAX_BYTES``) bytes (413
    beyond)."""
    limit = settings.REPORT_MAX_BYTES if limit is None else limit
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > limit:
        raise too_large()
    seen = 0
    while chunk := request.read(1 << 16):
        seen += len(chunk)
        if seen > limit:
            raise too_large()
        yield chunk


@contextmanager
def file_report(request: HttpRequest, content_type: str) -> Iterator[tuple[Any, Any, Any]]:
    """(reference, period, rows) of a report sent as a file; ``rows`` (``CsvRows`` or
    ``XlsxRows``) has the ``row_map`` of the file's rows."""
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # an .xlsx body: zip needs seeking
    try:
        rows: CsvRows | XlsxRows
        if content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise invalid({"file": "required"})
            if upload.size is not None and upload.size > settings.REPORT_MAX_BYTES:
                raise too_large()
            head = upload.read(8)
            upload.seek(0)
            if is_workbook(head) and (upload.size or 0) > settings.REPORT_MAX_XLSX_BYTES:
                raise too_large()
            reference, period = request.POST.get("reference"), request.POST.get("period")
            rows = uploaded_rows(upload)
        else:
            reference, period = request.GET.get("reference"), request.GET.get("period")
            if content_type == "text/csv":
                rows = csv_rows(body_chunks(request))
            else:
                for chunk in body_chunks(request, settings.REPORT_MAX_XLSX_BYTES):
                    spool.write(chunk)
                rows = XlsxRows(spool)
        if reference is None or period is None:
            missing = (("reference", reference), ("period", period))
            raise invalid({name: "required" for name, value in missing if value is None})
        yield reference, period, rows
    finally:
        spool.close()


def rejected(exc: ReportRejected, row_map: RowMap | None) -> ApiError:
    """422 ``invalid_report``: the codes as before (``error.fields``, ``error.lines[].line``
    and ``.fields``), beside them each line's ``row`` in the file, its ``bhxh_code``, its
    ``messages`` ({field: text}) and ``message`` (every problem in one sentence), and
    ``error.messages`` for the report's own errors."""
    return ApiError(
        422,
        "invalid_report",
        _("The report was rejected; nothing was stored."),
        fields=exc.fields,
        extra={
            "lines": describe(exc, row_map),
            "error_count": exc.error_count or len(exc.fields),
            "messages": report_messages(exc),
        },
    )


def format_error(exc: CsvFormatError) -> ApiError:
    """A file that cannot be read as a report: 422 ``invalid_report`` with
    ``error.fields["csv"]`` (or ``["xlsx"]``), ``detail``, and the problem as ``message``."""
    error = rejected(ReportRejected(fields={exc.field: exc.code}, detail=exc.detail), None)
    error.message = error.extra["messages"][exc.field]  # what is wrong with the file
    error.extra.update({"lines": [], "error_count": 1, "detail": exc.detail})
    return error
