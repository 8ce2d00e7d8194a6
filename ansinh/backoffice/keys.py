"""The back office's API-key pages: the keys of the office's units and collection
organisations (never the keys themselves); approvers issue (shown once) and revoke.
Parse → ``accounts.keys`` → render; the office scope and the approver rule live there."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ansinh.accounts import keys
from ansinh.accounts.access import is_approver, require_staff_office
from ansinh.dossiers.forms import KeyIssueForm

from .views import staff_actor, staff_page


@staff_page
def api_keys(request: HttpRequest) -> HttpResponse:
    actor = staff_actor(request)
    _user, office = require_staff_office(actor)
    owners = keys.owners_for_office(office.pk)
    form = KeyIssueForm(request.POST if request.method == "POST" else None, owners=owners)
    issued = ""
    status = 200
    if request.method == "POST":
        if not is_approver(actor):
            raise Http404
        if form.is_valid():
            try:
                issued = keys.issue_key_for_office(
                    actor=actor, owner=form.cleaned_data["owner"], label=form.cleaned_data["label"]
                ).raw
            except keys.KeyNotFound:
                raise Http404 from None
            form = KeyIssueForm(owners=owners)
        else:
            status = 400
    return render(
        request,
        "backoffice/keys.html",
        {
            "keys": keys.keys_for_office(office.pk),
            "form": form,
            "issued": issued,
            "can_manage": is_approver(actor),
        },
        status=status,
    )


@require_POST
@staff_page
def revoke_key(request: HttpRequest, key_id: str) -> HttpResponse:
    try:
        revoked = keys.revoke_key_for_office(actor=staff_actor(request), key_id=key_id)
    except keys.KeyNotFound:
        raise Http404 from None
    if revoked:
        messages.success(request, _("The key was revoked."))
    return redirect("backoffice:api_keys")
