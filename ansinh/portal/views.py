"""The citizen portal: parse → service → render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ansinh.accounts import web
from ansinh.accounts.access import CitizensOnly, require_citizen
from ansinh.accounts.forms import LoginForm
from ansinh.accounts.models import User
from ansinh.accounts.profile import profile_of
from ansinh.dossiers import email_change
from ansinh.lib.actor import Actor, Channel


def citizen_actor(request: HttpRequest) -> Actor:
    """The portal's actor of a request (the signed-in user, if any)."""
    return Actor.from_request(request, Channel.PORTAL)


def citizen_user(request: HttpRequest) -> User:
    """The signed-in citizen (``citizen_page`` let them in)."""
    return require_citizen(citizen_actor(request))


REVEAL = "hien"  # ``?hien=1``: the person's own masked data in full (templates/portal/_reveal.html)


def wants_reveal(request: HttpRequest) -> bool:
    """Whether the person asked to see their own data in full ("Hiện"); the service that
    shapes the data decides what that means, and only for the person's own record."""
    return request.GET.get(REVEAL) == "1"


def citizen_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in citizens only (``accounts.access.require_citizen``): anyone else signed in is
    staff and goes to the back office; never cached."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            require_citizen(citizen_actor(request))
        except CitizensOnly:
            return redirect("backoffice:home")
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapper))


def index(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    return render(request, "portal/index.html")


@web.protect
def login(request: HttpRequest) -> HttpResponse:
    return web.login_view(
        request,
        form_class=LoginForm,
        template="portal/login.html",
        channel=Channel.PORTAL,
        home=reverse("portal:home"),
        password_change=reverse("portal:password_change"),
        recovery=reverse("portal:recovery"),
    )


@require_POST
@web.protect
def logout(request: HttpRequest) -> HttpResponse:
    return web.logout_view(request, next_url=reverse("portal:index"), channel=Channel.PORTAL)


@citizen_page
def home(request: HttpRequest) -> HttpResponse:
    user = citizen_user(request)
    pending = email_change.pending_change(user.person) if user.person else None
    reveal = wants_reveal(request)
    return render(
        request,
        "portal/home.html",
        {
            "profile": profile_of(user, reveal=reveal),
            "revealed": reveal,
            "pending_email": pending is not None,
        },
    )


@login_required
@web.protect
def password_change(request: HttpRequest) -> HttpResponse:
    return web.password_change_view(
        request,
        template="portal/password_change.html",
        channel=Channel.PORTAL,
        done=reverse("portal:home"),
    )
