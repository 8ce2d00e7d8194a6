""" "Quên mật khẩu" on the portal: parse → ``recovery.services`` → render (docs/recovery.md).

The recovery id lives in the session, never in a URL; every page here is served with
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``. Nobody is signed in by a
recovery: the person signs in afterwards with the new or temporary password.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ansinh.lib.actor import Actor, Channel
from ansinh.lib.csrf import no_referrer_page
from ansinh.recovery import services
from ansinh.recovery.forms import CHOOSE, PaperFormRequest, RecoveryCodeForm, RecoveryRequestForm
from ansinh.recovery.messages import started_message

SESSION_ID = "recovery_id"
SESSION_TYPED = "recovery_typed"  # what the person typed in step 1, for the paper form
SESSION_OUTCOME = "recovery_outcome"


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


@no_referrer_page
@sensitive_post_parameters()
def start(request: HttpRequest) -> HttpResponse:
    """Step 1: identifier, email on record, CAPTCHA → a code to the email on record."""
    if request.user.is_authenticated:
        # Signed in already: changing the password is the way, not recovering it.
        return redirect("portal:password_change")
    form = RecoveryRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                started = services.request_recovery(
                    identifier=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    actor=Actor.from_request(request, Channel.PORTAL),
                )
            except ValidationError as exc:
                field = "email" if exc.code == "invalid_email" else "username"
                form.add_error(field, exc)
                status = 400
            except services.RecoveryThrottled as exc:
                form.add_error(
                    None,
                    _("Too many requests. Try again in %(minutes)d minute(s).")
                    % {"minutes": _minutes(exc.retry_after)},
                )
                status = 429
            else:
                request.session[SESSION_ID] = str(started.public_id)
                request.session[SESSION_TYPED] = {
                    "username": form.cleaned_data["username"].strip(),
                    "email": form.cleaned_data["email"].strip(),
                }
                request.session.pop(SESSION_OUTCOME, None)
                return redirect("portal:recovery_code")
        else:
            status = 400
    return render(request, "portal/recovery/start.html", {"form": form}, status=status)


@no_referrer_page
@sensitive_post_parameters()
def code(request: HttpRequest) -> HttpResponse:
    """Step 2: the emailed code, with a new password (offered first) or a temporary one."""
    public_id = request.session.get(SESSION_ID)
    if not public_id:
        return redirect("portal:recovery")
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    context: dict[str, object] = {"started_message": started_message()}
    if request.method == "POST" and request.POST.get("action") == "resend":
        form = RecoveryCodeForm(None)
        try:
            services.resend_code(
                public_id=public_id, actor=Actor.from_request(request, Channel.PORTAL)
            )
        except services.RecoveryExpired:
            return _expired(request)
        except services.RecoveryThrottled as exc:
            context["resend_wait"] = exc.retry_after
            status = 429
        else:
            context["resent"] = True
    elif request.method == "POST":
        if form.is_valid():
            new_password = (
                form.cleaned_data["new_password"] if form.cleaned_data["choice"] == CHOOSE else None
            )
            try:
                outcome = services.verify_code(
                    public_id=public_id,
                    otp=form.cleaned_data["otp"],
                    new_password=new_password,
                    actor=Actor.from_request(request, Channel.PORTAL),
                )
            except services.InvalidOtp as exc:
                form.add_error(
                    "otp",
                    _("The code is incorrect. Attempts left: %(left)d.")
                    % {"left": exc.attempts_left},
                )
                status = 400
            except services.RecoveryExpired:
                return _expired(request)
            except services.RecoveryLocked as exc:
                form.add_error(
                    None,
                    _("Too many wrong codes. Try again in %(minutes)d minute(s).")
                    % {"minutes": _minutes(exc.retry_after)},
                )
                status = 429
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("new_password", message)
                status = 400
            else:
                request.session.pop(SESSION_ID, None)
                request.session.pop(SESSION_TYPED, None)
                request.session[SESSION_OUTCOME] = outcome
                return redirect("portal:recovery_done")
        else:
            status = 400
    context["form"] = form
    return render(request, "portal/recovery/code.html", context, status=status)


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_ID, None)
    return render(request, "portal/recovery/expired.html", status=410)


@no_referrer_page
def done(request: HttpRequest) -> HttpResponse:
    """Step 3: what happened, and the way to the login page."""
    outcome = request.session.get(SESSION_OUTCOME)
    if not outcome:
        return redirect("portal:recovery")
    return render(request, "portal/recovery/done.html", {"outcome": outcome})


@no_referrer_page
@sensitive_post_parameters()
def paper_form(request: HttpRequest) -> HttpResponse:
    """A printable form 02/SĐ-GD, filled only with what the person typed."""
    if request.method == "POST":
        form = PaperFormRequest(request.POST)
        if form.is_valid():
            return render(request, "portal/recovery/form_02.html", {"data": form.cleaned_data})
        return render(request, "portal/recovery/paper.html", {"form": form}, status=400)
    typed = request.session.get(SESSION_TYPED) or {}
    form = PaperFormRequest(
        initial={"username": typed.get("username", ""), "email": typed.get("email", "")}
    )
    return render(request, "portal/recovery/paper.html", {"form": form})
