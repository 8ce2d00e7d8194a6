"""Web-session policies for the portal and the back office (docs/security.md)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import User

SESSION_STARTED_KEY = "ansinh_session_started"
# The account's security stamp when the session started (issue 11 b): a reset, a password
# change or logout-all rotates the stamp and so ends the session at its next request.
SESSION_STAMP_KEY = "ansinh_security_stamp"


def start_session(request: HttpRequest, user: User) -> None:
    """Sign ``user`` in to this browser after ``services.authenticate``: a new session key,
    its start time (absolute lifetime) and the security stamp the login claimed."""
    login(request, user)
    request.session[SESSION_STARTED_KEY] = time.time()
    request.session[SESSION_STAMP_KEY] = user.security_stamp


def keep_session(request: HttpRequest, user: User) -> None:
    """Keep this browser signed in after it changed the password (which rotated the stamp)."""
    update_session_auth_hash(request, user)
    request.session[SESSION_STAMP_KEY] = user.security_stamp


class PasswordChangeRequiredMiddleware:
    """Enforce the absolute session lifetime and the security stamp, and confine an account
    that must change its password to the change-password page, logout and static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):  # tokens, not sessions (ansinh/api/auth.py)
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if (
                started is None
                or time.time() - float(started) > settings.SESSION_ABSOLUTE_SECONDS
                or request.session.get(SESSION_STAMP_KEY) != user.security_stamp
            ):
                staff = user.is_office_staff
                logout(request)
                # Each to their own door: staff cannot sign in on the portal.
                return redirect(reverse("backoffice:login" if staff else "portal:login"))
            if user.password_change_required:
                allowed = {
                    reverse("portal:password_change"),
                    reverse("portal:logout"),
                    reverse("backoffice:password_change"),
                    reverse("backoffice:logout"),
                    reverse("set_language"),
                }
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    target = (
                        "backoffice:password_change"
                        if user.is_office_staff
                        else "portal:password_change"
                    )
                    return redirect(reverse(target))
        return self.get_response(request)
