""" "Đăng ký" (01/ĐK-GD) on the portal: parse → services → render.

Like recovery, the registration id lives in the session, never in a URL the page keeps; these
pages send no referrer and are never cached.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from ansinh.accounts import codes
from ansinh.dossiers import registration
from ansinh.dossiers.errors import DossierError
from ansinh.dossiers.forms import CodeForm, RegistrationForm
from ansinh.dossiers.uploads import UploadRejected
from ansinh.dossiers.web import add_errors, install_upload_limits
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.csrf import csrf_protect_no_referrer_page, no_referrer_page
from ansinh.lib.form_errors import add_missing_errors
from ansinh.lib.middleware import page_status

SESSION_REGISTRATION = "registration_id"
INPUT_FIELDS = (
    "identifier",
    "full_name",
    "phone",
    "email",
)  # what registration.input_errors checks
SESSION_REGISTRATION_DONE = "registration_dossier"


# The upload limits must be in place before anything reads request.POST, and the CSRF check
# reads it: so the view is exempt outside and protected inside (as ``dossiers.new_dossier``).
# A body refused while it streams in is answered with the empty form and the reason.
@no_referrer_page
@csrf_exempt
def register(request: HttpRequest) -> HttpResponse:
    """Step 1: the details, the three photos, the receiving office and the CAPTCHA → a code
    to the typed email."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    if request.method == "POST":
        try:
            install_upload_limits(request)
            request.POST  # noqa: B018 - parse now, under the limits
        except UploadRejected as exc:
            return _upload_refused(request, exc.message)
        except (MultiPartParserError, RequestDataTooBig):
            return _upload_refused(request, _("The upload could not be read."))
    return _register(request)


def _upload_refused(request: HttpRequest, message: str) -> HttpResponse:
    # Whatever was parsed of the refused body is dropped, never read again.
    request.POST = QueryDict()
    request._files = MultiValueDict()  # type: ignore[attr-defined]
    return render(
        request,
        "portal/register/start.html",
        {"form": RegistrationForm(), "upload_error": message},
        status=400,
    )


@sensitive_post_parameters()
@csrf_protect_no_referrer_page
def _register(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = RegistrationForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                started = registration.start_registration(
                    identifier=data["identifier"],
                    full_name=data["full_name"],
                    date_of_birth=data["date_of_birth"],
                    phone=data["phone"],
                    email=data["email"],
                    office=data["office"],
                    language=translation.get_language() or "vi",
                    images=form.photos(),
                    actor=Actor.from_request(request, Channel.PORTAL),
                )
            except DossierError as exc:
                add_errors(form, exc)
                status = page_status(exc)
            except codes.CodeThrottled:
                form.add_error(None, _("Too many requests. Try again later."))
                status = 429
            else:
                request.session[SESSION_REGISTRATION] = str(started.public_id)
                request.session.pop(SESSION_REGISTRATION_DONE, None)
                return redirect("portal:register_code")
        else:
            status = 400
            if not form.captcha_refresh_requested:
                # What the form let through may still be malformed: say so now, with the
                # rest, not once the person has fixed the rest.
                typed = {f: str(request.POST.get(f, "")) for f in INPUT_FIELDS}
                add_missing_errors(form, registration.input_errors(**typed))
    # A browser never fills a file input again: after a refusal the photos must be chosen anew.
    photos_again = posted and bool(request.FILES)
    return render(
        request,
        "portal/register/start.html",
        {"form": form, "photos_again": photos_again and status != 200},
        status=status,
    )


@no_referrer_page
@sensitive_post_parameters()
def register_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the typed email → the 01/ĐK-GD dossier is filed."""
    public_id = request.session.get(SESSION_REGISTRATION)
    if not public_id:
        return redirect("portal:register")
    resend = request.method == "POST" and "resend" in request.POST
    form = CodeForm(request.POST if request.method == "POST" and not resend else None)
    status = 200
    context: dict[str, object] = {}
    if resend:
        try:
            registration.resend_registration_code(
                public_id=public_id, actor=Actor.from_request(request, Channel.PORTAL)
            )
        except codes.CodeExpired:
            return _expired(request)
        except codes.CodeThrottled:
            form.add_error(None, _("Too many requests. Try again later."))
            status = 429
        else:
            context["resent"] = True
    elif request.method == "POST":
        if form.is_valid():
            try:
                dossier = registration.confirm_registration(
                    public_id=public_id,
                    code=form.cleaned_data["code"],
                    actor=Actor.from_request(request, Channel.PORTAL),
                )
            except codes.InvalidCode as exc:
                form.add_error(
                    "code",
                    _("The code is incorrect. Attempts left: %(left)d.")
                    % {"left": exc.attempts_left},
                )
                status = 400
            except codes.CodeExpired:
                return _expired(request)
            else:
                request.session.pop(SESSION_REGISTRATION, None)
                request.session[SESSION_REGISTRATION_DONE] = dossier.public_id
                return redirect("portal:register_done")
        else:
            status = 400
    context["form"] = form
    return render(request, "portal/register/code.html", context, status=status)


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_REGISTRATION, None)
    return render(request, "portal/register/expired.html", status=410)


@no_referrer_page
def register_done(request: HttpRequest) -> HttpResponse:
    """Step 3: the same page whether or not the details matched anyone."""
    dossier_id = request.session.get(SESSION_REGISTRATION_DONE)
    if not dossier_id:
        return redirect("portal:register")
    return render(request, "portal/register/done.html", {"dossier_id": dossier_id})
