"""The citizen's dossier pages on the portal: "Hồ sơ của tôi" (list, timeline, new change
request with documents, withdraw) and confirming a new email by code. Parse →
``ansinh.dossiers`` services → render. The notification list and "Ai đã xem hồ sơ của tôi" are
in ``notifications.py``, "this wasn't me" in ``email_dispute.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from ansinh.accounts import codes
from ansinh.accounts.access import require_citizen
from ansinh.dossiers import access, email_change, services
from ansinh.dossiers.errors import DossierError
from ansinh.dossiers.forms import ChangeRequestForm, CodeForm
from ansinh.dossiers.present import detail, summary
from ansinh.dossiers.uploads import UploadRejected, check_files
from ansinh.dossiers.web import add_errors, file_response, install_upload_limits
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import mask_email
from ansinh.lib.middleware import page_status

from .views import citizen_actor, citizen_page, wants_reveal


def _actor(request: HttpRequest) -> Actor:
    """The acting citizen (``citizen_page`` let them in; ``CitizensOnly`` otherwise)."""
    actor = citizen_actor(request)
    require_citizen(actor)
    return actor


@citizen_page
def my_dossiers(request: HttpRequest) -> HttpResponse:
    dossiers = access.dossiers_for_citizen(_actor(request))[:200]
    return render(
        request,
        "portal/dossiers/list.html",
        {"dossiers": [summary(d, staff=False) for d in dossiers]},
    )


@citizen_page
def my_dossier(request: HttpRequest, dossier_id: str) -> HttpResponse:
    actor = _actor(request)
    dossier = access.get_dossier_for_citizen(actor, dossier_id)
    reveal = wants_reveal(request)
    return render(
        request,
        "portal/dossiers/detail.html",
        {
            "dossier": detail(dossier, staff=False, reveal=reveal),
            "revealed": reveal,
            "can_withdraw": services.may_withdraw(dossier=dossier, actor=actor),
        },
    )


@require_POST
@citizen_page
@csrf_protect
def confirm(request: HttpRequest, dossier_id: str) -> HttpResponse:
    """The person confirms a change their new employer filed (``awaits_person``)."""
    actor = _actor(request)
    dossier = access.get_dossier_for_citizen(actor, dossier_id)
    try:
        services.confirm_dossier_as_person(dossier=dossier, actor=actor)
    except DossierError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You confirmed this dossier. BHXH staff will now decide it."))
    return redirect("portal:dossier", dossier_id=dossier.public_id)


WITHDRAW_CONFIRMED = "yes"  # the value of ``confirm`` that the confirmation page posts


@require_http_methods(["GET", "POST"])
@citizen_page
@csrf_protect
def withdraw(request: HttpRequest, dossier_id: str) -> HttpResponse:
    """ "Rút hồ sơ" in two steps that work without JavaScript: the confirmation page (for a GET,
    and for a POST without ``confirm=yes``, which changes nothing), then its "Rút hồ sơ" button
    withdraws the dossier."""
    actor = _actor(request)
    dossier = access.get_dossier_for_citizen(actor, dossier_id)
    if request.method == "POST" and request.POST.get("confirm") == WITHDRAW_CONFIRMED:
        try:
            services.withdraw_dossier(dossier=dossier, actor=actor)
        except DossierError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The dossier was withdrawn."))
        return redirect("portal:dossier", dossier_id=dossier.public_id)
    if not services.may_withdraw(dossier=dossier, actor=actor):
        messages.error(request, _("This dossier can no longer be withdrawn."))
        return redirect("portal:dossier", dossier_id=dossier.public_id)
    return render(
        request,
        "portal/dossiers/withdraw.html",
        {"dossier": detail(dossier, staff=False), "confirmed": WITHDRAW_CONFIRMED},
    )


@citizen_page
def attachment(request: HttpRequest, dossier_id: str, attachment_id: str) -> HttpResponseBase:
    dossier = access.get_dossier_for_citizen(_actor(request), dossier_id)
    return file_response(access.get_attachment(dossier, attachment_id))


# The upload limits must be in place before anything reads request.POST, and Django's CSRF
# check reads it: so the view is exempt outside and protected inside (Django's docs,
# "Modifying upload handlers on the fly"). A body refused while it streams in is answered
# with the empty form and the reason; that changes nothing, so it needs no CSRF token.
@csrf_exempt
def new_dossier(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        try:
            install_upload_limits(request)
            request.POST  # noqa: B018 - parse now, under the limits
        except UploadRejected as exc:
            return _upload_refused(request, exc.message)
        except (MultiPartParserError, RequestDataTooBig):
            return _upload_refused(request, _("The upload could not be read."))
    return _new_dossier(request)


@citizen_page
def _upload_refused(request: HttpRequest, message: str) -> HttpResponse:
    # Whatever was parsed of the refused body is dropped, never read again.
    request.POST = QueryDict()
    request._files = MultiValueDict()  # type: ignore[attr-defined]
    return render(
        request,
        "portal/dossiers/new.html",
        {"form": ChangeRequestForm(), "upload_error": message},
        status=400,
    )


@citizen_page
@csrf_protect
def _new_dossier(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method != "POST":
        return render(request, "portal/dossiers/new.html", {"form": ChangeRequestForm()})
    form = ChangeRequestForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            checked = check_files(request.FILES.getlist("documents"), required=True)
            dossier = services.submit_change_request(
                actor=actor,
                changes=form.changes(),
                office=form.cleaned_data["office"],
                files=checked,
                note=form.cleaned_data["note"],
            )
        except UploadRejected as exc:
            form.add_error("documents", exc.message)
        except DossierError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your dossier %(dossier_id)s was received.") % {"dossier_id": dossier.public_id},
            )
            return redirect("portal:dossier", dossier_id=dossier.public_id)
    return render(request, "portal/dossiers/new.html", {"form": form}, status=400)


@citizen_page
@csrf_protect
def confirm_email(request: HttpRequest) -> HttpResponse:
    """Enter the code sent to the new email address (or ask for a new one)."""
    actor = _actor(request)
    form = CodeForm(
        request.POST if request.method == "POST" and "resend" not in request.POST else None
    )
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        try:
            email_change.resend_email_code(actor=actor)
        except DossierError as exc:
            form.add_error(None, exc.message)
            status = page_status(exc)
        except codes.CodeThrottled:
            form.add_error(None, _("Too many requests. Try again later."))
            status = 429
        else:
            messages.success(request, _("A new code was sent. The previous one no longer works."))
            return redirect("portal:email_confirm")
    elif request.method == "POST":
        if form.is_valid():
            try:
                email_change.confirm_email_change(
                    code=form.cleaned_data["code"],
                    actor=actor,
                )
            except codes.CodeExpired:
                form.add_error(None, _("The code has expired. Ask for a new one."))
            except codes.InvalidCode as exc:
                form.add_error(
                    "code",
                    _("The code is incorrect. Attempts left: %(left)d.")
                    % {"left": exc.attempts_left},
                )
            except DossierError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your new email address is confirmed."))
                return redirect("portal:home")
        status = 400
    person = access.person_of_citizen(actor)
    pending = email_change.pending_change(person)
    # The person's own new address: masked, or in full when they ask ("Hiện").
    reveal = wants_reveal(request)
    shown = ""
    if pending and person.pending_email:
        shown = person.pending_email if reveal else mask_email(person.pending_email)
    return render(
        request,
        "portal/dossiers/confirm_email.html",
        {
            "form": form,
            "pending_email": shown,
            "revealed": reveal,
            "expires_at": pending.expires_at if pending else None,
        },
        status=status,
    )
