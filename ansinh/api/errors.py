"""The API's error format (DESIGN §4): ``{"error": {"code", "message", "fields"}}``.

Every failure an API client can cause ends here as a 4xx with a stable snake_case code and a
message in the request's language (``Accept-Language: vi`` by default, or ``en``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ansinh.lib.errors import DomainError, Kind, Throttled
from ansinh.lib.faults import RETRY_AFTER_SECONDS

from .parser import JsonBodyError

logger = logging.getLogger(__name__)


# The API's one mapping of a domain refusal's kind (``ansinh.lib.errors``) to a status.
STATUS: dict[Kind, int] = {
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 403,
    Kind.CONFLICT: 409,
    Kind.GONE: 410,
    Kind.INVALID: 400,
    Kind.THROTTLED: 429,
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}
        self.extra = extra or {}


def wrong_code(attempts_left: int, *, field: str = "code") -> ApiError:
    """400 ``invalid_code``: a wrong emailed code, with the attempts left."""
    message = _("The code is incorrect.")
    return ApiError(
        400,
        "invalid_code",
        message,
        fields={field: message},
        extra={"attempts_left": attempts_left},
    )


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra or {})
    response = api.create_response(request, {"error": body}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def database_unavailable(api: NinjaAPI, request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 ``database_unavailable``: the database could not be reached or the connection broke
    mid-request. Whatever the request was doing was rolled back; the client may retry."""
    logger.error("database unavailable: %s", type(exc).__name__)
    return error_response(
        api,
        request,
        status=503,
        code="database_unavailable",
        message=_("The service is briefly unavailable; nothing was changed. Try again shortly."),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _field_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Too long: at most %(max)d characters.") % {"max": ctx.get("max_length", 0)}
    if kind == "string_too_short":
        return _("Too short: at least %(min)d characters.") % {"min": ctx.get("min_length", 0)}
    if kind == "string_pattern_mismatch":
        return _("Contains characters that are not allowed.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Too small: at least %(min)s.") % {"min": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Too large: at most %(max)s.") % {"max": ctx.get("le", ctx.get("lt", ""))}
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in {"string_type", "str_type"}:
        return _("Must be a text value.")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return _("Must be a JSON object.")
    return _("Invalid value.")


def _field_name(loc: list[Any]) -> str:
    # ninja reports ["body", "<param>", "field", ...]; clients know only "field".
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=exc.status,
            code=exc.code,
            message=exc.message,
            fields=exc.fields,
            headers=exc.headers,
            extra=exc.extra,
        )

    @api.exception_handler(DomainError)
    def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        # Services and access helpers say what kind of refusal it is; the status is chosen
        # here. NotFound answers exactly like an unknown URL (404 "not_found").
        headers: dict[str, str] = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        return error_response(
            api,
            request,
            status=STATUS[exc.kind],
            code=exc.code,
            message=str(exc.message),
            fields=exc.fields,
            headers=headers,
        )

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(list(error.get("loc", []))), _field_message(error))
        return error_response(
            api,
            request,
            status=400,
            code="invalid_input",
            message=_("Some fields are missing or invalid."),
            fields=fields,
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=401,
            code="invalid_token",
            message=_("Sign in again: the access token is missing, expired or revoked."),
            headers={"WWW-Authenticate": 'Bearer realm="ansinh"'},
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # ninja raises this only for an unparsable body
            cause = exc.__cause__
            return error_response(
                api,
                request,
                status=400,
                code="invalid_json",
                message=(
                    cause.message
                    if isinstance(cause, JsonBodyError)
                    else _("The request body is not a valid JSON object.")
                ),
            )
        return error_response(
            api, request, status=exc.status_code, code="http_error", message=str(exc)
        )

    def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(
            api,
            request,
            status=400,
            code="body_too_large",
            message=_("The request body is too large."),
        )

    api.exception_handler(RequestDataTooBig)(_too_big)
    api.exception_handler(TooManyFieldsSent)(_too_big)

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The connection to PostgreSQL broke (dropped, restarted, failed over): the request's
        # transaction was rolled back, so nothing of it was applied and it is safe to repeat.
        return database_unavailable(api, request, exc)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, status=404, code="not_found", message=_("Not found."))
