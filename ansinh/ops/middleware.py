"""Request id, request metrics and the request log line."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ansinh.lib.logs import request_id

from . import metrics

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
            route = match.route if match is not None and match.route else "unmatched"
            method = str(request.method)
            metrics.HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
            metrics.HTTP_LATENCY.labels(route, method).observe(elapsed)
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
