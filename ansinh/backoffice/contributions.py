"""Back-office pages of contributions: upload a unit's report, record payments, import bank
transfers, look up a unit's statement, print it (one A4 page) or download it as PDF or XLSX.
Parse → access helper / service → render.

Who may do what is decided by ``contributions.access`` and the services, never here: a unit of
another office answers exactly like an unknown unit (404, the same page), money actions without
the approver role 403, bad input 400 (422 for a rejected report). See docs/contributions.md."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ansinh.accounts import web
from ansinh.contributions import access
from ansinh.contributions.access import ContributionAccessError, UnitNotFound
from ansinh.contributions.d02template import CSV_NAME, XLSX_NAME, template_csv, template_xlsx
from ansinh.contributions.forms import (
    BankImportForm,
    PaymentForm,
    ReportUploadForm,
    StatementLookupForm,
)
from ansinh.contributions.linemessages import describe, report_messages
from ansinh.contributions.parsing import CsvFormatError, RowMap
from ansinh.contributions.payments import import_bank_transfers, record_payment
from ansinh.contributions.receipt import ReportConflict
from ansinh.contributions.services import ingest_report
from ansinh.contributions.statement_doc import (
    StatementDocument,
    document_for_staff,
    document_of,
)
from ansinh.contributions.statement_files import (
    PDF_TYPE,
    XLSX_TYPE,
    statement_pdf,
    statement_xlsx,
)
from ansinh.contributions.statements import statement_for_staff
from ansinh.contributions.validation import ReportRejected
from ansinh.contributions.xlsx import XLSX_MEDIA_TYPE, uploaded_rows
from ansinh.lib.middleware import page_status

from .views import staff_actor, staff_required


def _refused(form: forms.Form, exc: ContributionAccessError) -> int:
    """Show a refusal on ``form``; the status to answer with. An unknown unit and another
    office's unit get the same error on the same field, hence the same page."""
    form.add_error("unit" if isinstance(exc, UnitNotFound) else None, str(exc.message))
    return page_status(exc)


@never_cache
@staff_required
@web.protect
def reports(request: HttpRequest) -> HttpResponse:
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    rejected: ReportRejected | None = None
    row_map: RowMap | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            actor = staff_actor(request)
            try:
                unit = access.get_unit_for_staff(actor, form.cleaned_data["unit"])
                rows = uploaded_rows(form.cleaned_data["file"])
                row_map = rows.row_map
                result = ingest_report(
                    unit=unit,
                    reference=form.cleaned_data["reference"],
                    period=form.cleaned_data["period"],
                    lines=rows,
                    csv_rows=True,
                    actor=actor,
                )
            except ContributionAccessError as exc:
                status = _refused(form, exc)
            except CsvFormatError as exc:
                fields = {exc.field: exc.code}
                rejected, status = ReportRejected(fields=fields, detail=exc.detail), 422
            except ReportRejected as exc:
                rejected, status = exc, 422
            except ReportConflict:
                form.add_error(
                    "reference", _("Another report with this reference was already received.")
                )
                status = 409
            else:
                report = result.report
                if result.created:
                    messages.success(
                        request,
                        _("Report %(reference)s stored: %(count)s line(s).")
                        % {"reference": report.reference, "count": report.line_count},
                    )
                else:
                    messages.info(
                        request,
                        _("Report %(reference)s had already been received; nothing changed.")
                        % {"reference": report.reference},
                    )
                return redirect("backoffice:contribution_reports")
    context: dict[str, Any] = {"form": form, "rejected": rejected}
    if rejected is not None:
        texts = report_messages(rejected)
        context["report_problems"] = [
            {"field": field, "code": code, "message": texts[field]}
            for field, code in rejected.fields.items()
        ]
        context["line_problems"] = describe(rejected, row_map, by_line=True)
    return render(request, "backoffice/contribution_reports.html", context, status=status)


@never_cache
@staff_required
def report_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The D02-LT template a unit fills in (the same as ``GET /api/v1/unit/reports/template.*``)."""
    if kind == "xlsx":
        content, media_type, name = template_xlsx(), XLSX_MEDIA_TYPE, XLSX_NAME
    else:
        content, media_type, name = template_csv(), "text/csv; charset=utf-8", CSV_NAME
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@staff_required
@web.protect
def payments(request: HttpRequest) -> HttpResponse:
    actor = staff_actor(request)
    action = request.POST.get("action") if request.method == "POST" else None
    payment_form = PaymentForm(request.POST if action == "record" else None)
    import_form = BankImportForm(
        request.POST if action == "import" else None,
        request.FILES if action == "import" else None,
    )
    import_errors: list[dict[str, Any]] = []
    status = 400 if request.method == "POST" else 200
    if action == "record" and payment_form.is_valid():
        data = payment_form.cleaned_data
        try:
            record_payment(
                actor=actor,
                unit_code=data["unit"],
                amount=data["amount"],
                paid_on=data["paid_on"],
                note=data["note"],
            )
        except ContributionAccessError as exc:
            status = _refused(payment_form, exc)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("backoffice:contribution_payments")
    elif action == "import" and import_form.is_valid():
        try:
            text = import_form.cleaned_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            import_errors = [{"line": 0, "fields": {"file": "invalid_encoding"}}]
        else:
            try:
                result = import_bank_transfers(text=text, actor=actor)
            except ContributionAccessError as exc:
                status = _refused(import_form, exc)
            else:
                import_errors = result.errors
                if not result.errors:
                    messages.success(
                        request,
                        _("%(recorded)s transfer(s) recorded, %(duplicates)s already known.")
                        % {"recorded": result.recorded, "duplicates": result.duplicates},
                    )
                    return redirect("backoffice:contribution_payments")
    return render(
        request,
        "backoffice/contribution_payments.html",
        {
            "payment_form": payment_form,
            "import_form": import_form,
            "import_errors": import_errors,
            "may_move_money": access.may_move_money(actor),
            "payment_limit": settings.PAYMENT_MAX_AMOUNT,
        },
        status=status,
    )


@never_cache
@staff_required
def statement(request: HttpRequest) -> HttpResponse:
    form = StatementLookupForm(request.GET or None)
    found = None
    status = 200
    if request.GET:
        status = 400
        if form.is_valid():
            try:
                found = statement_for_staff(
                    actor=staff_actor(request),
                    unit_code=form.cleaned_data["unit"],
                    month=form.cleaned_data["month"],
                    page=form.cleaned_data["page"] or 1,
                )
            except ContributionAccessError as exc:
                status = _refused(form, exc)
            else:
                status = 200
    return render(
        request,
        "backoffice/contribution_statement.html",
        {
            "form": form,
            "figures": found.figures.as_dict() if found else None,
            "document": document_of(found.figures) if found else None,
            "found": found,
        },
        status=status,
    )


def _document(request: HttpRequest) -> tuple[StatementLookupForm, StatementDocument | None, int]:
    """The statement the query names (``?unit=…&month=YYYY-MM``), or the lookup form with its
    errors and the status to answer with (400, or 404 for a unit not of the clerk's office)."""
    form = StatementLookupForm(request.GET)
    if not form.is_valid():
        return form, None, 400
    try:
        document = document_for_staff(
            actor=staff_actor(request),
            unit_code=form.cleaned_data["unit"],
            month=form.cleaned_data["month"],
        )
    except ContributionAccessError as exc:
        return form, None, _refused(form, exc)
    return form, document, 200


def _lookup_again(request: HttpRequest, form: StatementLookupForm, status: int) -> HttpResponse:
    return render(
        request,
        "backoffice/contribution_statement.html",
        {"form": form, "figures": None, "document": None, "found": None},
        status=status,
    )


@never_cache
@staff_required
def statement_print(request: HttpRequest) -> HttpResponse:
    """The C12-TS statement alone, laid out for one A4 page (the print stylesheet hides the
    navigation), with its PDF and XLSX links."""
    form, document, status = _document(request)
    if document is None:
        return _lookup_again(request, form, status)
    return render(
        request,
        "backoffice/contribution_statement_print.html",
        {"document": document},
    )


FILES = {"pdf": (statement_pdf, PDF_TYPE), "xlsx": (statement_xlsx, XLSX_TYPE)}


@never_cache
@staff_required
def statement_file(request: HttpRequest, kind: str) -> HttpResponse:
    """The statement as a file to hand to the unit: ``pdf`` or ``xlsx``."""
    if kind not in FILES:
        raise Http404
    form, document, status = _document(request)
    if document is None:
        return _lookup_again(request, form, status)
    draw, content_type = FILES[kind]
    response = HttpResponse(draw(document), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.file_name(kind)}"'
    return response
