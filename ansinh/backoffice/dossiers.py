"""The back office's dossier pages: the office's queue (filters, overdue and disputed rows
stand out), a dossier with its old → new diff and per-field decisions, counter intake of
02/SĐ-GD, disputed email changes, and the API keys of the office's units and collection
organisations. Parse → services → render; every page that shows a person's data logs it."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from ansinh.accounts import keys
from ansinh.accounts.models import Role, User
from ansinh.dossiers import access, email_change, services
from ansinh.dossiers.errors import DossierError
from ansinh.dossiers.forms import (
    CounterIntakeForm,
    DecisionForm,
    DisputeForm,
    KeyIssueForm,
    PersonLookupForm,
    QueueFilterForm,
)
from ansinh.dossiers.models import ChangeStatus, Channel
from ansinh.dossiers.present import summary
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import mask_email, mask_middle, mask_phone
from ansinh.people.models import CollectionOrganisation, Unit
from ansinh.portal.dossiers import add_errors, file_response

from .views import staff_required


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - staff_required guarantees it
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, Channel.BACKOFFICE, user=_staff(request))


def staff_page(view: Any) -> Any:
    """Staff only, never cached, CSRF-checked; staff without an office get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DossierError as exc:
            if exc.status != 403:
                raise
            return HttpResponseForbidden(exc.message)

    return never_cache(staff_required(csrf_protect(wrapper)))


@staff_page
def queue(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    office = access.staff_office(user)
    form = QueueFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    dossiers = access.dossiers_for_staff(user, **filters).prefetch_related("changes")[:500]
    return render(
        request,
        "backoffice/dossiers/queue.html",
        {"form": form, "office": office, "dossiers": [summary(d, staff=True) for d in dossiers]},
    )


@staff_page
def dossier(request: HttpRequest, dossier_id: str) -> HttpResponse:
    user = _staff(request)
    actor = _actor(request)
    found = access.get_dossier_for_staff(user, dossier_id)
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
                status = exc.status
            else:
                messages.success(request, _("Your decision was recorded."))
                return redirect("backoffice:dossier", dossier_id=found.public_id)
        else:
            status = 400
    mine = {c.field for c in found.changes.all() if c.decisions.filter(decided_by=user).exists()}
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
    return render(
        request,
        "backoffice/dossiers/detail.html",
        {
            "dossier": data,
            "rows": rows,
            "form": form,
            "dispute_form": DisputeForm() if email_change.disputed_change(found) else None,
            "can_resolve": user.role in (Role.APPROVER, Role.ADMIN),
        },
        status=status,
    )


@require_POST
@staff_page
def resolve_dispute(request: HttpRequest, dossier_id: str) -> HttpResponse:
    user = _staff(request)
    found = access.get_dossier_for_staff(user, dossier_id)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason."))
        return redirect("backoffice:dossier", dossier_id=found.public_id)
    try:
        email_change.resolve_dispute(
            dossier=found,
            actor=Actor.from_request(request, Channel.BACKOFFICE, user=user),
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
    found = access.get_dossier_for_staff(_staff(request), dossier_id)
    try:
        services.record_identity_check(dossier=found, actor=_actor(request))
    except DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The identity check was recorded."))
    return redirect("backoffice:dossier", dossier_id=found.public_id)


@staff_page
def attachment(request: HttpRequest, dossier_id: str, attachment_id: str) -> HttpResponseBase:
    user = _staff(request)
    found = access.get_dossier_for_staff(user, dossier_id)
    item = access.get_attachment(found, attachment_id)
    access.log_staff_read(_actor(request), found, what="attachment")
    return file_response(item)


# --- Counter intake (02/SĐ-GD) ------------------------------------------------------------------


@staff_page
def intake(request: HttpRequest) -> HttpResponse:
    """Step 1: the BHXH code or CCCD the person gives at the counter (POST: no identifier in
    a URL)."""
    user = _staff(request)
    access.staff_office(user)
    form = PersonLookupForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            person = access.find_person_for_staff(user, form.cleaned_data["identifier"])
            if person is not None:
                return redirect("backoffice:intake_person", person_id=str(person.public_id))
            form.add_error("identifier", _("Nobody in the registry has this BHXH code or CCCD."))
            status = 404
    return render(request, "backoffice/dossiers/intake.html", {"form": form}, status=status)


@staff_page
def intake_person(request: HttpRequest, person_id: str) -> HttpResponse:
    """Step 2: the person's record (logged), the CCCD check and the new email / phone."""
    user = _staff(request)
    person = access.get_person_for_staff(user, person_id)
    form = CounterIntakeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = services.submit_counter_dossier(
                    actor=_actor(request),
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
    access.log_person_read(_actor(request), person, what="profile")
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


# --- API keys of the office's units and collection organisations --------------------------------


def _owners(office_id: int) -> list[tuple[str, str]]:
    units = [
        (f"unit:{u.code}", f"{u.code} {u.name}") for u in Unit.objects.filter(office_id=office_id)
    ]
    orgs = [
        (f"org:{o.code}", f"{o.code} {o.name}")
        for o in CollectionOrganisation.objects.filter(office_id=office_id)
    ]
    return units + orgs


def _can_manage_keys(user: User) -> bool:
    return user.role in (Role.APPROVER, Role.ADMIN)


@staff_page
def api_keys(request: HttpRequest) -> HttpResponse:
    """List the keys (never the keys themselves); approvers issue (shown once) and revoke."""
    user = _staff(request)
    office = access.staff_office(user)
    form = KeyIssueForm(
        request.POST if request.method == "POST" else None, owners=_owners(office.pk)
    )
    issued = ""
    status = 200
    if request.method == "POST":
        if not _can_manage_keys(user):
            raise Http404
        if form.is_valid():
            kind, _sep, code = form.cleaned_data["owner"].partition(":")
            owner: dict[str, Any] = (
                {"unit": Unit.objects.get(code=code, office=office)}
                if kind == "unit"
                else {"organisation": CollectionOrganisation.objects.get(code=code, office=office)}
            )
            issued = keys.issue_key(actor=user, label=form.cleaned_data["label"], **owner).raw
            form = KeyIssueForm(owners=_owners(office.pk))
        else:
            status = 400
    return render(
        request,
        "backoffice/keys.html",
        {
            "keys": keys.keys_for_office(office.pk),
            "form": form,
            "issued": issued,
            "can_manage": _can_manage_keys(user),
        },
        status=status,
    )


@require_POST
@staff_page
def revoke_key(request: HttpRequest, key_id: str) -> HttpResponse:
    user = _staff(request)
    office = access.staff_office(user)
    key = keys.get_key_for_office(office.pk, key_id)
    if key is None or not _can_manage_keys(user):
        raise Http404
    if keys.revoke_key(key=key, actor=user):
        messages.success(request, _("The key was revoked."))
    return redirect("backoffice:api_keys")
