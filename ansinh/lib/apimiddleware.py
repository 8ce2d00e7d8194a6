"""The portal's session middleware, skipped for the JSON API.

``/api/`` requests authenticate with bearer tokens (``ansinh.api.auth``) and never use a web
session, its user or its flash messages; loading them cost every API request time for nothing
(bench/RESULTS.md). These subclasses of Django's middleware pass ``/api/`` requests straight
on and behave exactly like Django's for every other path. The security headers, the request
id, the language and CSRF middleware still run for every request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class _NotForApi:
    get_response: Any

    def __call__(self, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class SessionMiddleware(_NotForApi, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(_NotForApi, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_NotForApi, DjangoMessageMiddleware):
    pass
