"""The back office for BHXH staff: parse → service → render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from ansinh.accounts import web
from ansinh.accounts.access import StaffOnly, require_staff
from ansinh.accounts.forms import StaffLoginForm
from ansinh.accounts.models import User
from ansinh.accounts.profile import profile_of
from ansinh.dossiers.worklist import dashboard
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.errors import Forbidden


def staff_actor(request: HttpRequest) -> Actor:
    """The back office's actor of a request (the signed-in user, if any)."""
    return Actor.from_request(request, Channel.BACKOFFICE)


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member (``staff_required`` let them in)."""
    return require_staff(staff_actor(request))


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Office staff only (``accounts.access.require_staff``); anyone else goes to the back
    office's login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            require_staff(staff_actor(request))
        except StaffOnly:
            return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(view: Any) -> Any:
    """Staff only, never cached, CSRF-checked; a refusal by an access rule (staff without an
    office, for instance) is a 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            # Django's 403 page (templates/403.html) with the refusal's message.
            raise PermissionDenied(str(exc.message)) from exc

    return never_cache(staff_required(csrf_protect(wrapper)))


@web.protect
def login(request: HttpRequest) -> HttpResponse:
    return web.login_view(
        request,
        form_class=StaffLoginForm,
        template="backoffice/login.html",
        channel=Channel.BACKOFFICE,
        home=reverse("backoffice:home"),
        password_change=reverse("backoffice:password_change"),
    )


@require_POST
@web.protect
def logout(request: HttpRequest) -> HttpResponse:
    return web.logout_view(
        request, next_url=reverse("backoffice:login"), channel=Channel.BACKOFFICE
    )


@never_cache
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Who is signed in and, for staff of an office, the office's day (``worklist.dashboard``):
    each figure links into the filtered queue."""
    return render(
        request,
        "backoffice/home.html",
        {
            "profile": profile_of(staff_user(request)),
            "dashboard": dashboard(staff_actor(request)),
        },
    )


@staff_required
@web.protect
def password_change(request: HttpRequest) -> HttpResponse:
    return web.password_change_view(
        request,
        template="backoffice/password_change.html",
        channel=Channel.BACKOFFICE,
        done=reverse("backoffice:home"),
    )
