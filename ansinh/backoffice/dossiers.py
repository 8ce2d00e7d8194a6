"""The back office's dossier pages: the office's queue (to-do first, search, filters, counts,
pages; overdue and disputed rows stand out; who holds each), claiming a dossier, a dossier with its old → new diff and per-field decisions, counter intake of
02/SĐ-GD and disputed email changes (the API-key pages are in ``keys.py``). Parse → services → render; every page that shows a person's data logs it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.accounts.access import is_approver, require_staff
from ansinh.dossiers import access, claims, email_dispute, services, worklist
from ansinh.dossiers.errors import DossierError, Invalid
from ansinh.dossiers.forms import (
    ClaimForm,
    CounterIntakeForm,
    DecisionForm,
    DisputeForm,
    PersonLookupForm,
    QueueFilterForm,
)
from ansinh.dossiers.models import ChangeStatus
from ansinh.dossiers.web import add_errors, file_response
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import mask_email, mask_middle, mask_phone
from ansinh.lib.middleware import page_status

from .views import staff_actor, staff_page


def _actor(request: HttpRequest) -> Actor:
    """The acting staff member (``staff_page`` let them in; ``StaffOnly`` otherwise)."""
    actor = staff_actor(request)
    require_staff(actor)
    return actor


@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    """The office queue: to-do first, search, filters, counts, pages (``worklist``)."""
    actor = _actor(request)
    office = access.staff_office(actor)
    form = QueueFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    elif form.is_bound:
        status = 400
    found = worklist.worklist(actor, **filters)
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "backoffice/dossiers/queue.html",
        {"form": form, "office": office, "found": found, "query": kept.urlencode()},
        status=status,
    )


@require_POST
@staff_page
def claim(request: HttpRequest, dossier_id: str) -> HttpResponse:
    """Nhận xử lý, take over, let go, assign (``claims``); then back to the dossier (or the
    queue, for letting go). A refusal is its own page with the reason and the status."""
    actor = _actor(request)
    found = access.get_dossier_for_staff(actor, dossier_id)
    form = ClaimForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid("invalid_input", _("Choose what to do with this dossier."))
        action = form.cleaned_data["action"]
        if action == "claim":
            claims.claim(dossier=found, actor=actor)
        elif action == "take_over":
            claims.take_over(dossier=found, actor=actor)
        elif action == "assign":
            claims.assign(dossier=found, actor=actor, to=form.cleaned_data["assignee"])
        else:
            claims.release(dossier=found, actor=actor)
            return redirect("backoffice:queue")
    except DossierError as exc:
        return render(
            request,
            "backoffice/dossiers/claim_refused.html",
            {"dossier_id": found.public_id, "error": exc},
            status=page_status(exc),
        )
    return redirect("backoffice:dossier", dossier_id=found.public_id)


@staff_page
def dossier(request: HttpRequest, dossier_id: str) -> HttpResponse:
    actor = _actor(request)
    found = access.get_dossier_for_staff(actor, dossier_id)
    open_fields = [
        (c.field, c)
        for c in found.changes.all()
        if c.status in (ChangeStatus.PENDING, ChangeStatus.AWAITING_SECOND)
    ]
    data = access.staff_detail(actor, found)
    labels = {c["field"]: c["label"] for c in data["changes"]}
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        fields=[(name, labels[name]) for name, _c in open_fields],
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.decide_dossier(
                    dossier=found,
                    actor=actor,
                    decisions=form.decisions(),
                    reasons=form.reasons(),
                    note=form.cleaned_data["note"],
                )
            except DossierError as exc:
                for field, message in exc.fields.items():
                    name = (
                        f"reason_{field}" if exc.code == "reason_required" else f"decision_{field}"
                    )
                    if name in form.fields:
                        form.add_error(name, message)
                form.add_error(None, exc.message)
                status = page_status(exc)
            else:
                messages.success(request, _("Your decision was recorded."))
                return redirect("backoffice:dossier", dossier_id=found.public_id)
        else:
            status = 400
    mine = access.fields_decided_by(found, actor)
    rows = []
    for change in data["changes"]:
        field = change["field"]
        rows.append(
            {
                **change,
                "decision_field": form[f"decision_{field}"]
                if f"decision_{field}" in form.fields
                else None,
                "reason_field": form[f"reason_{field}"]
                if f"reason_{field}" in form.fields
                else None,
                "decided_by_me": field in mine,
            }
        )
    claims.touch(dossier=found, actor=actor)
    return render(
        request,
        "backoffice/dossiers/detail.html",
        {
            "claim": claims.claim_panel(found, actor),
            "dossier": data,
            "rows": rows,
            "form": form,
            "dispute_form": DisputeForm() if email_dispute.disputed_change(found) else None,
            "can_resolve": is_approver(actor),
        },
        status=status,
    )


@require_POST
@staff_page
def resolve_dispute(request: HttpRequest, dossier_id: str) -> HttpResponse:
    actor = _actor(request)
    found = access.get_dossier_for_staff(actor, dossier_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason."))
        return redirect("backoffice:dossier", dossier_id=found.public_id)
    try:
        email_dispute.resolve_dispute(
            dossier=found,
            actor=actor,
            release=form.cleaned_data["action"] == "release",
            reason=form.cleaned_data["reason"],
        )
    except DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your decision was recorded."))
    return redirect("backoffice:dossier", dossier_id=found.public_id)


@require_POST
@staff_page
def identity_check(request: HttpRequest, dossier_id: str) -> HttpResponse:
    """The clerk saw the person's CCCD card at the counter (lets a unit's recent-hire email or
    phone change be approved)."""
    actor = _actor(request)
    found = access.get_dossier_for_staff(actor, dossier_id)
    try:
        services.record_identity_check(dossier=found, actor=actor)
    except DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The identity check was recorded."))
    return redirect("backoffice:dossier", dossier_id=found.public_id)


@staff_page
def attachment(request: HttpRequest, dossier_id: str, attachment_id: str) -> HttpResponseBase:
    actor = _actor(request)
    found = access.get_dossier_for_staff(actor, dossier_id)
    item = access.get_attachment(found, attachment_id)
    access.log_staff_read(actor, found, what="attachment")
    return file_response(item)


# --- Counter intake (02/SĐ-GD) ------------------------------------------------------------------


@staff_page
def intake(request: HttpRequest) -> HttpResponse:
    """Step 1: the BHXH code or CCCD the person gives at the counter (POST: no identifier in
    a URL)."""
    actor = _actor(request)
    access.staff_office(actor)
    form = PersonLookupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            person = access.find_person_for_staff(actor, form.cleaned_data["identifier"])
            if person is not None:
                return redirect("backoffice:intake_person", person_id=str(person.public_id))
            form.add_error("identifier", _("Nobody in the registry has this BHXH code or CCCD."))
            status = 404
    return render(request, "backoffice/dossiers/intake.html", {"form": form}, status=status)


@staff_page
def intake_person(request: HttpRequest, person_id: str) -> HttpResponse:
    """Step 2: the person's record (logged), the CCCD check and the new email / phone."""
    actor = _actor(request)
    person = access.get_person_for_staff(actor, person_id)
    form = CounterIntakeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = services.submit_counter_dossier(
                    actor=actor,
                    person=person,
                    changes=form.changes(),
                    identity_checked=form.cleaned_data["identity_checked"],
                    note=form.cleaned_data["note"],
                )
            except DossierError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Dossier %(dossier_id)s was filed.") % {"dossier_id": created.public_id},
                )
                return redirect("backoffice:dossier", dossier_id=created.public_id)
    access.log_person_read(actor, person, what="profile")
    return render(
        request,
        "backoffice/dossiers/intake_person.html",
        {
            "form": form,
            "person": person,
            # The clerk compares the card with these; email and phone only masked.
            "email_masked": mask_email(person.email) if person.email else "",
            "phone_masked": mask_phone(person.phone) if person.phone else "",
            "cccd": person.cccd or "",
            "cccd_masked": mask_middle(person.cccd or "", keep_start=3, keep_end=3),
            "has_account": hasattr(person, "account"),
        },
        status=status,
    )
