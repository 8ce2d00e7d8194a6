"""Web-session policies for the portal and the back office (docs/security.md)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_STARTED_KEY = "ansinh_session_started"


class PasswordChangeRequiredMiddleware:
    """Enforce the absolute session lifetime, and confine an account that must change its
    password to the change-password page, logout and static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):  # tokens, not sessions (ansinh/api/auth.py)
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None or time.time() - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
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
