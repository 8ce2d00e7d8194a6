"""Limits on the image CAPTCHA ("Mã kiểm tra", django-simple-captcha): defect q.

Every page that shows the CAPTCHA and every ``/captcha/refresh/`` stores a new challenge row
(``CaptchaStore``), and every ``/captcha/image/…`` draws an image. Without limits one client
could fill the table and keep the CPU drawing. So:

* a challenge is minted only through ``challenge`` (``CAPTCHA_CHALLENGE_FUNCT``), the library's
  single minting point, which counts it against the client's address (``CAPTCHA_MINT_RATE``,
  the address as ``lib.clientip`` decides it) and refuses it past the rate: 429 with
  ``Retry-After``;
* the table holds at most ``CAPTCHA_MAX_STORED`` rows: at the cap the expired ones are deleted
  (what the library's ``captcha_clean`` does; the daily retention purge deletes them too), and if
  live ones still fill it no challenge is minted: 503 with ``Retry-After`` (the time until the
  oldest expires). Refusing, not evicting, so that no client can push out another's challenge;
* images and audio are limited per address (``CAPTCHA_IMAGE_RATE``) by the views of
  ``captcha_urls``.

The library mints without a request at hand, so ``CaptchaLimitMiddleware`` makes the current
request known to ``challenge`` (a context variable) and turns a refusal into the response.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import ratelimit
from .clientip import client_ip_key

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "ansinh_captcha_request", default=None
)


class CaptchaRefusedError(Exception):
    """No challenge (or image) now: this address asked too often, or (``full``) the table of
    stored challenges is full; try again after ``retry_after`` seconds. No HTTP status:
    ``refused_response`` answers 429, or 503 when ``full``."""

    def __init__(self, retry_after: int, *, full: bool = False) -> None:
        super().__init__(f"captcha refused (full={full}), retry after {retry_after}s")
        self.full = full
        self.retry_after = max(1, retry_after)


def limit(request: HttpRequest, *, group: str, rate: str) -> None:
    """Count one event of ``request``'s address in ``group``; ``CaptchaRefusedError`` past ``rate``."""
    wait = ratelimit.hit(request, group=group, key=client_ip_key(request), rate=rate)
    if wait:
        raise CaptchaRefusedError(wait)


def _bound_storage() -> None:
    from captcha.models import CaptchaStore

    cap: int = settings.CAPTCHA_MAX_STORED
    if CaptchaStore.objects.count() < cap:
        return
    CaptchaStore.remove_expired()
    if CaptchaStore.objects.count() < cap:
        return
    oldest = CaptchaStore.objects.order_by("expiration").values_list("expiration", flat=True)
    first: dt.datetime | None = oldest.first()
    wait = int((first - timezone.now()).total_seconds()) + 1 if first else 60
    raise CaptchaRefusedError(wait, full=True)


def challenge() -> tuple[str, str]:
    """``CAPTCHA_CHALLENGE_FUNCT``: the library calls it once for every challenge it stores.
    Counts the challenge against the current request's address, keeps the table under its cap,
    then makes the challenge with ``CAPTCHA_BASE_CHALLENGE_FUNCT``."""
    request = _request.get()
    if request is not None:
        limit(request, group="captcha.mint", rate=settings.CAPTCHA_MINT_RATE)
    _bound_storage()
    make: Callable[[], tuple[str, str]] = import_string(settings.CAPTCHA_BASE_CHALLENGE_FUNCT)
    return make()


def refused_response(request: HttpRequest, refused: CaptchaRefusedError) -> HttpResponse:
    status = 503 if refused.full else 429
    if not refused.full:
        code, message = "too_many_requests", _("Too many requests. Try again later.")
    else:
        code = "captcha_unavailable"
        message = _("Too many verification codes are waiting. Try again in a moment.")
    response: HttpResponse
    if request.path.startswith("/captcha/") or request.headers.get("x-requested-with"):
        response = JsonResponse({"error": {"code": code, "message": message}})
    else:
        html = render_to_string("captcha_refused.html", {"code": code, "message": message})
        response = HttpResponse(html)
    response.status_code = status
    response["Retry-After"] = str(refused.retry_after)
    response["Cache-Control"] = "no-store"
    return response


class CaptchaLimitMiddleware:
    """Makes the request known to ``challenge`` while it is handled, and answers a refused
    challenge (raised wherever the page renders its CAPTCHA) with 429 or 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CaptchaRefusedError):
            return refused_response(request, exception)
        return None
