"""Request id, request metrics and the request log line; 503 while the database is away."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from ansinh.lib import metrics as lib_metrics
from ansinh.lib.faults import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from ansinh.lib.logs import request_id

logger = logging.getLogger("ansinh.request")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}", re.ASCII)


class RequestMiddleware:
    """Give every request an id (``X-Request-ID``: a proxy's, if we trust proxies and it is
    well-formed, else a new one), count and time it per route, log one line for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = (
            incoming
            if settings.TRUSTED_PROXY_COUNT > 0 and _SAFE_ID.fullmatch(incoming)
            else uuid.uuid4().hex
        )
        token = request_id.set(rid)
        try:
            started = time.perf_counter()
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            # The URL pattern, never the path: bounded label values, no ids or codes in them.
            # The home page's pattern is the empty string: "/" (not "unmatched", which is a 404).
            route = (match.route or "/") if match is not None else "unmatched"
            method = str(request.method)
            lib_metrics.HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
            lib_metrics.HTTP_LATENCY.labels(route, method).observe(elapsed)
            response["X-Request-ID"] = rid
            logger.info(
                "%s %s %s %.1fms",
                method,
                route,
                response.status_code,
                elapsed * 1000,
                extra={
                    "route": route,
                    "method": method,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with the stable code ``database_unavailable``: the API's JSON error under ``/api/``,
    a short page elsewhere. The request's transaction was rolled back, so nothing of it was
    applied and the client may simply repeat it (``Retry-After``)."""
    if request.path.startswith("/api/"):
        from ansinh.api import errors
        from ansinh.api.urls import api

        return errors.database_unavailable(api, request, exc)
    logging.getLogger(__name__).error("database unavailable: %s", type(exc).__name__)
    # No request context: the page must not touch the session or the user (the database).
    return HttpResponse(
        render_to_string("503.html"),
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class DatabaseUnavailableMiddleware:
    """Turn a broken database connection in a portal or back-office view into the 503 page
    (the API's own handler answers in JSON; ``ansinh.ops.views.server_error`` catches what
    middleware raises)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request, exception)
        return None
