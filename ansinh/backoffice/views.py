"""The back office for BHXH staff: parse → service → render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ansinh.accounts import web
from ansinh.accounts.forms import StaffLoginForm
from ansinh.accounts.models import User
from ansinh.accounts.profile import profile_of
from ansinh.lib.actor import Channel


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not (isinstance(user, User) and user.is_office_staff):
            return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
        return view(request, *args, **kwargs)

    return wrapper


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
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    return render(request, "backoffice/home.html", {"profile": profile_of(user)})


@staff_required
@web.protect
def password_change(request: HttpRequest) -> HttpResponse:
    return web.password_change_view(
        request,
        template="backoffice/password_change.html",
        channel=Channel.BACKOFFICE,
        done=reverse("backoffice:home"),
    )
