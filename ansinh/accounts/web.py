"""Login, logout and password change for web sessions, shared by the portal and the back
office (each passes its own templates and where to go next)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout as django_logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from ansinh.lib.actor import Actor, Channel

from . import preferences, services
from .forms import LoginForm, PasswordChangeForm
from .middleware import keep_session, start_session
from .models import User


def login_view(
    request: HttpRequest,
    *,
    form_class: type[LoginForm],
    template: str,
    channel: Channel,
    home: str,
    password_change: str,
    recovery: str | None = None,
) -> HttpResponse:
    """The login form of one door (``channel``: the portal or the back office); which accounts
    a door admits is the service's rule (``services.admits``). A failed login names the field
    as it is labelled and, where the door has one, links the ``recovery`` page."""
    # ``request.POST or None`` would leave an empty POST unbound: a 400 with no error shown.
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.authenticate(
                    identifier=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    actor=Actor.from_request(request, channel).as_user(None),
                    # The form validated its CAPTCHA: the step-up of a busy address is met.
                    captcha_passed=True,
                )
            except services.Throttled as exc:
                minutes = max(1, round(exc.retry_after / 60))
                form.add_error(
                    None,
                    _(
                        "Too many failed attempts. Try again in %(minutes)d minute(s), or recover your password."
                    )
                    % {"minutes": minutes},
                )
                status = 429
            except services.InvalidCredentials:
                form.add_error(None, _invalid_credentials(form, recovery))
                status = 401
            except services.WrongDoor as exc:
                # Right credentials, wrong door: send the person to their own login page.
                form.add_error(
                    None,
                    _("Use the back office for staff accounts.")
                    if exc.staff
                    else _("Citizens sign in on the portal."),
                )
                status = 403
            else:
                start_session(request, user)
                return redirect(password_change if user.password_change_required else home)
        else:
            status = 400
    return render(request, template, {"form": form}, status=status)


def _invalid_credentials(form: LoginForm, recovery: str | None) -> str:
    """ "Mã số BHXH hoặc số CCCD hoặc mật khẩu không đúng." (the field's own label), with a
    "Quên mật khẩu?" link where the door has a recovery page."""
    message = _("%(field)s or password is incorrect.") % {"field": form.fields["username"].label}
    if recovery is None:
        return message
    return format_html(
        '{} <a href="{}" id="login-forgot-password">{}</a>',
        message,
        recovery,
        _("Forgot password?"),
    )


def logout_view(request: HttpRequest, *, next_url: str, channel: Channel) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_web(actor=Actor.from_request(request, channel))
    django_logout(request)
    return redirect(next_url)


def password_change_view(
    request: HttpRequest, *, template: str, channel: Channel, done: str
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - views are login_required
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                actor=Actor.from_request(request, channel, user=user),
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except services.Throttled as exc:
            minutes = max(1, round(exc.retry_after / 60))
            form.add_error(
                None,
                _("Too many failed attempts. Try again in %(minutes)d minute(s).")
                % {"minutes": minutes},
            )
            status = 429
        except services.WrongCurrentPassword:
            form.add_error("current_password", _("The current password is incorrect."))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("new_password", message)
        else:
            keep_session(request, user)  # this browser stays signed in
            messages.success(
                request, _("Your password was changed. Other devices have been signed out.")
            )
            return redirect(done)
    if form.errors and status == 200:
        status = 400
    return render(request, template, {"form": form}, status=status)


# Decorators every credential-handling view gets.
def protect(view):  # type: ignore[no-untyped-def]
    return never_cache(sensitive_post_parameters()(csrf_protect(view)))


__all__ = ["login_view", "logout_view", "password_change_view", "protect", "require_POST"]


def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch of every page (``base.html``): Django's ``set_language`` (the
    cookie, back to ``next``), and for a signed-in user the account keeps the choice
    (``preferences.set_language``) so their notices and emails follow it."""
    response = django_set_language(request)
    if request.method == "POST":
        door = (
            Channel.BACKOFFICE
            if str(request.POST.get("next", "")).startswith("/backoffice/")
            else Channel.PORTAL
        )
        preferences.set_language(
            actor=Actor.from_request(request, door), language=str(request.POST.get("language"))
        )
    return response
