"""API v1 at ``/api/v1``; OpenAPI at ``openapi.json``, interactive docs at ``docs``."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.operation import Operation

from . import (
    calculator_routes,
    case_routes,
    certificate_routes,
    dossier_routes,
    errors,
    notice_routes,
    passkey_routes,
    registration_routes,
)
from .auth_routes import router as auth_router
from .card_routes import router as card_router
from .me_routes import router as me_router
from .operation_ids import operation_id
from .parser import StrictJSONParser
from .participation_routes import card_router as me_card_router
from .participation_routes import participation_router
from .recovery_routes import router as recovery_router
from .statement_routes import statements_router
from .unit_report_routes import reports_router
from .unit_template_routes import templates_router


class AnSinhAPI(NinjaAPI):
    def create_response(
        self, request: HttpRequest, data: object, *args: object, **kwargs: object
    ) -> HttpResponse:
        response = super().create_response(request, data, *args, **kwargs)  # type: ignore[arg-type]
        # Personal data and tokens must not sit in shared or browser caches.
        add_never_cache_headers(response)
        return response

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Readable ids (``login``, ``getParticipation``): ``ansinh/api/operation_ids.py``."""
        view = operation.view_func
        return operation_id(view.__module__, view.__name__)


api = AnSinhAPI(
    title="An Sinh API",
    version="1",
    description="Social-insurance self-service: accounts, login, password recovery, participation.",
    urls_namespace="api-v1",
    parser=StrictJSONParser(),
    docs_url="/docs",
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/auth/recovery", recovery_router)
# Registration 01/ĐK-GD and the offices it goes to (issue 13: the app registers people too).
api.add_router("/auth/registration", registration_routes.router)
api.add_router("/offices", registration_routes.offices_router)
api.add_router("/me", me_router)
# Passkeys (issue 13): add, list and remove them; sign in with one.
api.add_router("/me/passkeys", passkey_routes.me_router)
api.add_router("/auth/passkey", passkey_routes.auth_router)
# Dossiers and notices (issue 4): their own modules, their own prefixes.
dossier_routes.install(api)
api.add_router("/unit/dossiers", dossier_routes.unit_router)
api.add_router("/staff/dossiers", dossier_routes.staff_router)
api.add_router("/me/dossiers", dossier_routes.me_router)
api.add_router("/me/email", dossier_routes.email_router)
api.add_router("/me/notifications", notice_routes.notices_router)
api.add_router("/me/access-log", notice_routes.access_router)
# Participation, contributions and cards (issue 5): own modules with their own prefixes.
api.add_router("/me/participation", participation_router)
api.add_router("/me/card", me_card_router)
# The templates first: "/unit/reports/template.xlsx" is not a report id.
api.add_router("/unit/reports", templates_router)
api.add_router("/unit/reports", reports_router)
api.add_router("/unit/statements", statements_router)
api.add_router("/cards", card_router)
# The citizen's calculators (issue 15 §3): public, read-only.
api.add_router("/calculators", calculator_routes.router)
# Signed participation certificates (issue 15 §3).
api.add_router("/me/certificates", certificate_routes.me_router)
api.add_router("/certificates", certificate_routes.public_router)
# Correction cases of a contribution period (issue 15 §2).
api.add_router("/me/correction-cases", case_routes.me_router)
api.add_router("/unit/correction-cases", case_routes.unit_router)
api.add_router("/staff/correction-cases", case_routes.staff_router)


def not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error format, not Django's HTML page."""
    return errors.error_response(
        api, request, status=404, code="not_found", message=_("Not found.")
    )


def api_view(route: str) -> Callable[..., HttpResponse]:
    """The view django-ninja built for ``route`` (as under ``/api/v1/``): to route one hot path
    to it directly, ahead of the API's other patterns (ansinh/urls.py). The request goes
    through exactly the same operation: authentication, errors, document."""
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and str(pattern.pattern) == route:
            return cast(Callable[..., HttpResponse], pattern.callback)
    raise LookupError(f"no API route {route!r}")
