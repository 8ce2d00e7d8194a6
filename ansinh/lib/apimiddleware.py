"""The portal's session middleware, skipped for the JSON API.

``/api/`` requests authenticate with bearer tokens (``ansinh.api.auth``) and never use a web
session, its user or its flash messages; loading them cost every API request time for nothing
(bench/RESULTS.md). These subclasses of Django's middleware pass ``/api/`` requests straight
on and behave exactly like Django's for every other path. The security headers, the request
id, the language and CSRF middleware still run for every request.

``CSPMiddleware`` is django-csp's with the site-wide policy's header built once.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponseBase

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


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the header of the site-wide policy built once.

    django-csp builds the policy text anew for every response (about a tenth of the CPU of an
    API read: bench/RESULTS.md, issue 16). A response with no per-view policy (``csp_update``,
    ``csp_replace``, ``csp`` decorators) for a request that used no nonce gets exactly the text
    django-csp would build from the settings; the text is rebuilt whenever the settings'
    policy objects change. Anything else goes through django-csp unchanged.
    """

    _PER_RESPONSE = (
        "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
    )  # fmt: skip
    _built: tuple[object, object, str, str] | None = None

    def _site_policy(self) -> tuple[str, str]:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        built = self._built
        if built is None or built[0] is not policy or built[1] is not report_only:
            built = (
                policy,
                report_only,
                build_policy(),
                build_policy(report_only=True),
            )
            self._built = built
        return built[2], built[3]

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or settings.DEBUG
            or any(hasattr(response, name) for name in self._PER_RESPONSE)
        ):
            return super().process_response(request, response)
        csp, csp_ro = self._site_policy()
        for header, value, name in ((HEADER, csp, "CONTENT_SECURITY_POLICY"),
                                    (HEADER_REPORT_ONLY, csp_ro, "CONTENT_SECURITY_POLICY_REPORT_ONLY")):  # fmt: skip
            if value and header not in response:
                prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
                if not request.path_info.startswith(tuple(prefixes)):
                    response[header] = value
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
