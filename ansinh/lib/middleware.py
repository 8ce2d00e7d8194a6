"""How the portal's and the back office's pages answer a domain refusal (``ansinh.lib.errors``).

The one place where the web pages map a kind to an HTTP status (the API has its own, in
``ansinh/api/errors.py``). A view shows what it can as form errors (``dossiers.web.add_errors``)
and answers with ``page_status(exc)``; whatever it lets through reaches ``DomainErrorMiddleware``:
``NotFound`` becomes Django's 404 page, exactly like an unknown URL (so another office's dossier
is indistinguishable from one that does not exist), ``Forbidden`` the 403 page, and the other
kinds the 400 page with their own status (409, 410, 429 with ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from .errors import DomainError, Kind, Throttled

PAGE_STATUS: dict[Kind, int] = {
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 403,
    Kind.CONFLICT: 409,
    Kind.GONE: 410,
    Kind.INVALID: 400,
    Kind.THROTTLED: 429,
}


def page_status(exc: DomainError) -> int:
    """The status a page answers with when it shows ``exc`` on its form."""
    return PAGE_STATUS[exc.kind]


class DomainErrorMiddleware:
    """Turn a domain refusal a view did not handle into the matching error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if exception.kind is Kind.NOT_FOUND:
            return response_for_exception(request, Http404())
        if exception.kind is Kind.FORBIDDEN:
            return response_for_exception(request, PermissionDenied(str(exception.message)))
        response = response_for_exception(request, BadRequest(str(exception.message)))
        response.status_code = page_status(exception)
        if isinstance(exception, Throttled):
            response["Retry-After"] = str(exception.retry_after)
        return response
