"""What the stable error codes of reports and bank files say to a clerk (issue 14): the back
office shows "Mã số BHXH: phải gồm đúng 10 chữ số", never ``bhxh_code = invalid_bhxh_code``.
The API keeps its codes (docs/contributions.md); this is only how pages word them. A code or
field without a wording here is shown by a generic sentence, never raw."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_LABELS: dict[str, Promise] = {
    "bhxh_code": gettext_lazy("BHXH code"),
    "type": gettext_lazy("Change type"),
    "from_month": gettext_lazy("From month"),
    "to_month": gettext_lazy("To month"),
    "salary": gettext_lazy("Salary"),
    "job_title": gettext_lazy("Job title"),
    "schemes": gettext_lazy("Schemes"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "reference": gettext_lazy("Report reference"),
    "period": gettext_lazy("Period"),
    "lines": gettext_lazy("Lines"),
    "line": gettext_lazy("Line"),
    "csv": gettext_lazy("CSV file"),
    "file": gettext_lazy("File"),
    "header": gettext_lazy("Header row"),
    "bank_reference": gettext_lazy("Bank reference"),
    "unit_code": gettext_lazy("Unit code"),
    "amount": gettext_lazy("Amount"),
    "paid_on": gettext_lazy("Paid on"),
}

MESSAGES: dict[str, Promise] = {
    "required": gettext_lazy("missing"),
    "unknown_field": gettext_lazy("not a column of the report"),
    "must_be_text": gettext_lazy("must be text"),
    "must_be_integer": gettext_lazy("must be a whole number"),
    "must_be_list": gettext_lazy("must be a list"),
    "must_be_object": gettext_lazy("must be a line with named fields"),
    "invalid_bhxh_code": gettext_lazy("must be exactly 10 digits"),
    "invalid_type": gettext_lazy(
        "not a known change type: use hire, leave, adjust_salary or correct_period"
    ),
    "invalid_month": gettext_lazy("not a month written YYYY-MM"),
    "month_too_early": gettext_lazy("before 01/1995"),
    "after_report_period": gettext_lazy("after the report's period"),
    "future_period": gettext_lazy("a month that has not begun yet"),
    "invalid_salary": gettext_lazy("must be a whole number of đồng from 1"),
    "too_long": gettext_lazy("too long"),
    "invalid_characters": gettext_lazy("has characters that cannot be printed"),
    "invalid_schemes": gettext_lazy("use BHXH, BHYT, BHTN or BHTNLD_BNN, separated by |"),
    "before_from_month": gettext_lazy("before the from month"),
    "only_for_corrections": gettext_lazy("only on a correct_period line"),
    "not_for_leave": gettext_lazy("not on a leave line"),
    "only_for_hires": gettext_lazy("only on a hire line"),
    "no_rates_for_month": gettext_lazy("no contribution rates are known for this month"),
    "wrong_number_of_columns": gettext_lazy("does not have as many columns as the header"),
    "invalid_date": gettext_lazy("not a date written YYYY-MM-DD"),
    "person_not_matched": gettext_lazy(
        "this BHXH code and date of birth do not name a person in the registry"
    ),
    "already_employed": gettext_lazy("the unit already employs this person"),
    "overlaps_previous_employment": gettext_lazy(
        "starts inside the unit's previous employment of this person"
    ),
    "not_employed": gettext_lazy("the unit does not employ this person"),
    "not_after_start": gettext_lazy("must be after the month the employment started"),
    "before_start": gettext_lazy("before the month the employment started"),
    "invalid_reference": gettext_lazy("letters, digits and . _ / - only, at most 64"),
    "empty_report": gettext_lazy("the report has no lines"),
    "too_many_lines": gettext_lazy("the report has too many lines"),
    "unknown_columns": gettext_lazy("the header names a column the report does not have"),
    "missing_columns": gettext_lazy("the header lacks a required column"),
    "repeated_columns": gettext_lazy("the header names a column twice"),
    "invalid_csv": gettext_lazy("not a readable CSV file"),
    "empty_csv": gettext_lazy("the file is empty"),
    "invalid_encoding": gettext_lazy("the file must be UTF-8 text"),
    "invalid_header": gettext_lazy(
        "the first row must be bank_reference, unit_code, amount, paid_on"
    ),
    "invalid_bank_reference": gettext_lazy("missing or too long"),
    "unknown_unit": gettext_lazy("no unit with this code in your office"),
    "invalid_amount": gettext_lazy("must be a whole number of đồng greater than 0"),
    "amount_over_limit": gettext_lazy("over the largest payment allowed"),
}


def field_label(name: str) -> str:
    """A column's name as the clerk reads it; a column the file named itself stays as typed."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def problem(name: str, code: str) -> str:
    """``("bhxh_code", "invalid_bhxh_code")`` → "Mã số BHXH: phải gồm đúng 10 chữ số"."""
    message = MESSAGES.get(code)
    text = str(message) if message is not None else _("not valid")
    return _("%(field)s: %(problem)s") % {"field": field_label(name), "problem": text}


def problems(fields: dict[str, str]) -> list[str]:
    """Every problem of one line (or of the file), in the order they were found."""
    return [problem(name, code) for name, code in fields.items()]
