"""Operator endpoints: liveness, readiness and metrics (docs/operations.md)."""

from __future__ import annotations

import hmac
import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from ansinh.lib.faults import DATABASE_UNAVAILABLE

from . import metrics
from .middleware import database_unavailable

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answering (no dependency is checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready for traffic: the database answers, the cache answers, and the task queue is not
    stuck (its oldest due task has waited at most ``READY_MAX_QUEUE_LAG_SECONDS``)."""
    checks: dict[str, str] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        logger.warning("readiness: database: %s", type(exc).__name__)
        checks["database"], ok = "unavailable", False
    try:
        cache.set("ansinh:readyz", "1", timeout=10)
        checks["cache"] = "ok" if cache.get("ansinh:readyz") == "1" else "unavailable"
        if checks["cache"] == "ok" and getattr(cache, "degraded", False):
            # Redis is down and this process counts in its own memory (ansinh/lib/cache.py):
            # still serving, so still ready; the operator sees it here and in the logs.
            checks["cache"] = "degraded"
    except Exception as exc:
        logger.warning("readiness: cache: %s", type(exc).__name__)
        checks["cache"] = "unavailable"
    ok = ok and checks["cache"] in ("ok", "degraded")
    if checks["database"] == "ok":
        depth, lag = metrics.queue_state()
        late = lag > settings.READY_MAX_QUEUE_LAG_SECONDS
        checks["task_queue"] = "lagging" if late else "ok"
        ok = ok and not late
        body: dict[str, object] = {"queue_depth": depth, "queue_lag_seconds": round(lag, 1)}
    else:
        checks["task_queue"], body = "unknown", {}
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks, **body},
        status=200 if ok else 503,
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. With ``METRICS_TOKEN`` set, only for ``Bearer <token>``."""
    if settings.METRICS_TOKEN:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {settings.METRICS_TOKEN}".encode()):
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that went away while middleware used it (the session, the
    user) is a 503 ``database_unavailable`` like in a view; anything else is Django's 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exc)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the form's token was missing or stale (a page left open, the
    session ended, another tab signed out). 403 with a way back to the form: the page that
    sent it when the browser says so (same origin only), else the address it was sent to."""
    referer = request.headers.get("Referer", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back = referer if referer and same_site else request.path
    logger.info("csrf refused: %s", reason)
    return render(request, "403_csrf.html", {"back": back}, status=403)


_FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@cache_control(public=True, max_age=86400)
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, where browsers and bookmarks look without reading the page."""
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
