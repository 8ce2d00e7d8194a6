"""The office's correction cases (issue 15 §2): the list of the office's cases and one case
with the decision form. Parse → ``dossiers.cases`` → render; the scope (another office's
case is a 404) and the data-access log are the service's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ansinh.dossiers import cases
from ansinh.dossiers.case_forms import CaseDecisionForm
from ansinh.lib.errors import DomainError
from ansinh.lib.middleware import page_status

from .views import staff_actor, staff_page


@staff_page
def case_list(request: HttpRequest) -> HttpResponse:
    items = [cases.present(c) for c in cases.cases_for_office(staff_actor(request))]
    return render(request, "backoffice/cases/list.html", {"cases": items})


@staff_page
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    actor = staff_actor(request)
    form = CaseDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cases.decide(
                actor=actor,
                public_id=case_id,
                uphold=data["decision"] == "uphold",
                reason=data["reason"],
                salary=data["salary"],
            )
        except DomainError as exc:
            for field, code in exc.fields.items():
                form.add_error(field if field in form.fields else None, f"{exc.message} ({code})")
            if not exc.fields:
                form.add_error(None, str(exc.message))
            status = page_status(exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("backoffice:case", case_id=case_id)
    elif request.method == "POST":
        status = 400
    case = cases.get_case_for_staff(actor, case_id)
    context = {
        "case": cases.present(case),
        "form": form,
        "may_decide": case.status in cases.CASE_FOR_OFFICE,
    }
    return render(request, "backoffice/cases/detail.html", context, status=status)
