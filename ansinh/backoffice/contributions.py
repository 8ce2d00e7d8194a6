"""Back-office pages of contributions: upload a unit's report, record payments, import bank
transfers, look up a unit's statement. Parse → service → render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ansinh.accounts import web
from ansinh.accounts.models import User
from ansinh.contributions.forms import (
    BankImportForm,
    PaymentForm,
    ReportUploadForm,
    StatementLookupForm,
)
from ansinh.contributions.models import Channel
from ansinh.contributions.months import parse_month
from ansinh.contributions.parsing import CsvFormatError, csv_rows
from ansinh.contributions.services import (
    ReportConflict,
    ReportRejected,
    current_month,
    ingest_report,
)
from ansinh.contributions.statements import import_bank_transfers, record_payment, statement_of

from .views import staff_required


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - staff_required
    return user


@never_cache
@staff_required
@web.protect
def reports(request: HttpRequest) -> HttpResponse:
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    rejected: ReportRejected | None = None
    if request.method == "POST" and form.is_valid():
        try:
            result = ingest_report(
                unit=form.cleaned_data["unit"],
                reference=form.cleaned_data["reference"],
                period=form.cleaned_data["period"],
                lines=csv_rows(form.cleaned_data["file"].chunks()),
                csv_rows=True,
                channel=Channel.BACKOFFICE,
                staff=_staff(request),
            )
        except CsvFormatError as exc:
            rejected = ReportRejected(fields={"csv": exc.code})
        except ReportRejected as exc:
            rejected = exc
        except ReportConflict:
            form.add_error(
                "reference", _("Another report with this reference was already received.")
            )
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
    return render(
        request, "backoffice/contribution_reports.html", {"form": form, "rejected": rejected}
    )


@never_cache
@staff_required
@web.protect
def payments(request: HttpRequest) -> HttpResponse:
    payment_form = PaymentForm(request.POST if request.POST.get("action") == "record" else None)
    import_form = BankImportForm(
        request.POST if request.POST.get("action") == "import" else None,
        request.FILES if request.POST.get("action") == "import" else None,
    )
    import_errors: list[dict[str, object]] = []
    if request.method == "POST" and request.POST.get("action") == "record":
        if payment_form.is_valid():
            data = payment_form.cleaned_data
            record_payment(
                unit=data["unit"],
                amount=data["amount"],
                paid_on=data["paid_on"],
                note=data["note"],
                actor=_staff(request),
            )
            messages.success(request, _("Payment recorded."))
            return redirect("backoffice:contribution_payments")
    elif request.method == "POST" and request.POST.get("action") == "import":
        if import_form.is_valid():
            try:
                text = import_form.cleaned_data["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                import_errors = [{"line": 0, "fields": {"file": "invalid_encoding"}}]
            else:
                result = import_bank_transfers(text=text, actor=_staff(request))
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
        {"payment_form": payment_form, "import_form": import_form, "import_errors": import_errors},
    )


@never_cache
@staff_required
def statement(request: HttpRequest) -> HttpResponse:
    form = StatementLookupForm(request.GET or None)
    figures = None
    if form.is_valid():
        try:
            month = parse_month(form.cleaned_data["month"])
        except ValueError:
            form.add_error("month", _("A month is written YYYY-MM."))
        else:
            if month > current_month():
                form.add_error("month", _("There is no statement for a future month."))
            else:
                figures = statement_of(unit=form.cleaned_data["unit"], month=month).as_dict()
    return render(
        request, "backoffice/contribution_statement.html", {"form": form, "figures": figures}
    )
