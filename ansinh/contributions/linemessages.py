"""A rejected report's errors as a unit's HR clerk reads them (docs/contributions.md):

    Dòng 3 (mã số BHXH 9999999999): loại biến động 'increase' không hợp lệ — dùng một trong:
    tăng, giảm, điều chỉnh lương, truy thu; mức lương 'abc' không phải số

Every problem of a line in one sentence, the line numbered as in the file the clerk opened
(``parsing.RowMap``: the header is row 1, so a CSV's or a sheet's first line is "Dòng 2"), in
the reader's language. The codes stay beside the text: ``describe`` adds ``row``,
``bhxh_code``, ``messages`` ({field: text}) and ``message`` to each ``{"line", "fields"}`` of
``ReportRejected.lines`` and drops the values it used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from .d02names import COLUMN_TITLES, FIELD_LABELS, TYPE_LABELS, TYPE_WORDS
from .models import SCHEME_BITS
from .parsing import MAX_JOB_TITLE, RowMap
from .validation import ReportRejected


def _label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def _type_choices() -> str:
    """The change types in the reader's language, and the words a file may use."""
    labels = ", ".join(str(label) for label in TYPE_LABELS.values())
    words = ", ".join(TYPE_WORDS.values())
    return labels if labels == words else f"{labels} ({words})"


def _salary_problem(value: str) -> str:
    if value and value.isascii() and value.isdigit():
        return _("salary '%(value)s' is not between 1 and 1,000,000,000,000 đồng") % {
            "value": value
        }
    return _("salary '%(value)s' is not a number (whole đồng, digits only)") % {"value": value}


# code → the problem, from the field's label and the value the line had (maybe "").
_PROBLEMS: dict[str, Callable[[str, str], str]] = {
    "required": lambda f, v: _("%(field)s is missing") % {"field": f},
    "must_be_text": lambda f, v: _("%(field)s must be text") % {"field": f},
    "must_be_integer": lambda f, v: _("%(field)s must be a whole number") % {"field": f},
    "must_be_list": lambda f, v: _("%(field)s must be a list of names") % {"field": f},
    "invalid_bhxh_code": lambda f, v: _("BHXH code '%(value)s' is not 10 digits") % {"value": v},
    "invalid_type": lambda f, v: (
        _("change type '%(value)s' is not valid — use one of: %(choices)s")
        % {"value": v, "choices": _type_choices()}
    ),
    "invalid_month": lambda f, v: (
        _("%(field)s '%(value)s' is not a month written YYYY-MM") % {"field": f, "value": v}
    ),
    "month_too_early": lambda f, v: (
        _("%(field)s %(value)s is before 1995-01") % {"field": f, "value": v}
    ),
    "after_report_period": lambda f, v: (
        _("%(field)s %(value)s is after the report's period") % {"field": f, "value": v}
    ),
    "invalid_salary": lambda f, v: _salary_problem(v),
    "too_long": lambda f, v: (
        _("%(field)s is longer than %(max)s characters") % {"field": f, "max": MAX_JOB_TITLE}
    ),
    "invalid_characters": lambda f, v: (
        _("%(field)s has characters that cannot be printed") % {"field": f}
    ),
    "invalid_schemes": lambda f, v: (
        _("insurance schemes '%(value)s' are not valid — use %(names)s, joined by |")
        % {"value": v, "names": ", ".join(SCHEME_BITS)}
    ),
    "before_from_month": lambda f, v: (
        _("to month %(value)s is before the from month") % {"value": v}
    ),
    "only_for_corrections": lambda f, v: _("to month is only for a back payment line"),
    "not_for_leave": lambda f, v: _("%(field)s is not given on a leave line") % {"field": f},
    "no_rates_for_month": lambda f, v: (
        _("from month %(value)s is before the first month with contribution rates") % {"value": v}
    ),
    "invalid_date": lambda f, v: (
        _("date of birth '%(value)s' is not a date written YYYY-MM-DD") % {"value": v}
    ),
    "only_for_hires": lambda f, v: _("date of birth is only given on a hire line"),
    "person_not_matched": lambda f, v: _(
        "the BHXH code and the date of birth name no one in the registry"
    ),
    "already_employed": lambda f, v: _("the person already works for the unit"),
    "overlaps_previous_employment": lambda f, v: (
        _("from month %(value)s falls in the person's previous employment at the unit")
        % {"value": v}
    ),
    "not_employed": lambda f, v: _("the unit does not employ this person"),
    "not_after_start": lambda f, v: (
        _("from month %(value)s is not after the month the person started") % {"value": v}
    ),
    "before_start": lambda f, v: (
        _("from month %(value)s is before the month the person started") % {"value": v}
    ),
    "wrong_number_of_columns": lambda f, v: _(
        "the row has another number of cells than the header"
    ),
    "must_be_object": lambda f, v: _("the line is not an object"),
}


def problem(field: str, code: str, value: str = "") -> str:
    """One problem of a line, in the reader's language."""
    if code == "unknown_field":
        return _("'%(name)s' is not a column of the report (columns: %(columns)s)") % {
            "name": field,
            "columns": ", ".join(COLUMN_TITLES.values()),
        }
    text = _PROBLEMS.get(code)
    if text is None:
        return _("%(field)s is not valid") % {"field": _label(field)}
    return text(_label(field), value)


def line_message(row: int, bhxh_code: str, problems: list[str]) -> str:
    """ "Dòng 3 (mã số BHXH 9999999999): …; …"."""
    joined = "; ".join(problems)
    if bhxh_code:
        return _("Row %(row)s (BHXH code %(code)s): %(problems)s") % {
            "row": row,
            "code": bhxh_code,
            "problems": joined,
        }
    return _("Row %(row)s: %(problems)s") % {"row": row, "problems": joined}


def describe_line(entry: dict[str, Any], row_map: RowMap | None) -> dict[str, Any]:
    """A line error with its row and texts (``row_map``: None for JSON, where the row is the
    line's position in ``lines``)."""
    values: dict[str, str] = entry.get("values", {})
    row = row_map.row(entry["line"]) if row_map is not None else entry["line"]
    messages = {
        field: problem(field, code, values.get(field, ""))
        for field, code in entry["fields"].items()
    }
    out = {"line": entry["line"], "fields": entry["fields"], "row": row}
    code = values.get("bhxh_code", "")
    if code:
        out["bhxh_code"] = code
    out["messages"] = messages
    out["message"] = line_message(row, code, list(messages.values()))
    return out


# Errors of the report itself: ``error.fields`` → what it means.
_REPORT_PROBLEMS: dict[str, Callable[[str], str]] = {
    "invalid_reference": lambda d: _(
        "The report reference must be 1–64 letters, digits or . _ / - (starting with a "
        "letter or a digit)."
    ),
    "invalid_month": lambda d: _("The period must be a month written YYYY-MM."),
    "future_period": lambda d: _("The period is in the future."),
    "empty_report": lambda d: _("The report has no lines."),
    "too_many_lines": lambda d: _("The report has too many lines."),
    "empty_csv": lambda d: _("The file is empty: the first row must name the columns."),
    "unknown_columns": lambda d: (
        _(
            "The header names columns the report does not have: %(names)s. Use the template's "
            "columns: %(columns)s."
        )
        % {"names": d, "columns": ", ".join(COLUMN_TITLES.values())}
    ),
    "missing_columns": lambda d: (
        _("The header lacks required columns: %(names)s.")
        % {"names": ", ".join(COLUMN_TITLES.get(name, name) for name in d.split(", "))}
    ),
    "repeated_columns": lambda d: _("The header names a column twice."),
    "invalid_csv": lambda d: _("The file is not a readable CSV (%(detail)s).") % {"detail": d},
    "invalid_encoding": lambda d: _(
        "The CSV is not UTF-8: save it as 'CSV UTF-8', or send the Excel file (.xlsx)."
    ),
    "not_a_workbook": lambda d: _("The file is neither an Excel workbook (.xlsx) nor a CSV."),
    "xls_not_supported": lambda d: _(
        "This is an old Excel file (.xls): save it as an Excel workbook (.xlsx) and send that."
    ),
    "macros_not_allowed": lambda d: _(
        "The workbook contains macros (.xlsm): save it as an Excel workbook (.xlsx) without macros."
    ),
    "workbook_too_large": lambda d: (
        _("The workbook is too large once unpacked (%(detail)s).") % {"detail": d}
    ),
}


def report_messages(rejected: ReportRejected) -> dict[str, str]:
    """``error.fields`` of a rejected report as sentences: {field: text}."""
    out = {}
    for field, code in rejected.fields.items():
        text = _REPORT_PROBLEMS.get(code)
        out[field] = text(rejected.detail) if text else _("The report is not valid.")
    return out


def describe(
    rejected: ReportRejected, row_map: RowMap | None, *, by_line: bool = False
) -> list[dict[str, Any]]:
    """Every listed line error of ``rejected`` with its row and texts; ``by_line``: one entry
    per line (a line may fail a form check and a check against the records: the page shows
    both in one sentence, the API keeps its entries as they were)."""
    if not by_line:
        return [describe_line(entry, row_map) for entry in rejected.lines]
    lines: dict[int, dict[str, Any]] = {}
    for entry in rejected.lines:
        seen = lines.setdefault(entry["line"], {"line": entry["line"], "fields": {}, "values": {}})
        seen["fields"] = {**entry["fields"], **seen["fields"]}
        seen["values"] = {**entry.get("values", {}), **seen["values"]}
    return [describe_line(entry, row_map) for entry in lines.values()]
