"""The citizen's correction cases on the portal (issue 15 §2): parse → ``dossiers.cases`` →
render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from ansinh.dossiers import cases
from ansinh.dossiers.case_forms import CaseForm
from ansinh.lib.errors import Invalid

from .views import citizen_actor, citizen_page


@citizen_page
def my_cases(request: HttpRequest) -> HttpResponse:
    items = [cases.present(c) for c in cases.cases_for_citizen(citizen_actor(request))]
    return render(request, "portal/cases/list.html", {"cases": items})


@citizen_page
def new_case(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, "portal/cases/new.html", {"form": CaseForm()})
    form = CaseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            case = cases.file_case(
                actor=citizen_actor(request),
                data=form.data_for_service(),
                files=form.cleaned_data["evidence"],
            )
        except Invalid as exc:
            form.show_refusal(exc.fields, exc.message)
        else:
            return redirect("portal:case", case_id=case.public_id)
    return render(request, "portal/cases/new.html", {"form": form}, status=400)


@citizen_page
def my_case(request: HttpRequest, case_id: str) -> HttpResponse:
    case = cases.get_case_for_citizen(citizen_actor(request), case_id)
    return render(request, "portal/cases/detail.html", {"case": cases.present(case)})
