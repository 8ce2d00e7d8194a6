"""CSRF protection that tolerates ``Origin: null`` on the pages that must send no referrer.

Browsers send ``Origin: null`` with every form post from a page served with
``Referrer-Policy: no-referrer`` (Fetch standard, "serializing a request origin"), and Django's
origin check rejects it. The recovery pages need that policy, so for views marked with
``no_referrer_page`` (and only those) a null origin is let through to the token check, which
still applies in full: the CSRF token (with the SameSite cookie) is the control, the origin
check only a second line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware

_ATTR = "ansinh_no_referrer_page"


def no_referrer_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` with ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        add_never_cache_headers(response)
        return response

    setattr(wrapper, _ATTR, True)
    return wrapper


class CsrfViewMiddleware(DjangoCsrfViewMiddleware):
    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., Any],
        callback_args: Any,
        callback_kwargs: Any,
    ) -> HttpResponseForbidden | None:
        request.ansinh_null_origin_ok = bool(getattr(callback, _ATTR, False))  # type: ignore[attr-defined]
        return super().process_view(request, callback, callback_args, callback_kwargs)

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null" and getattr(
            request, "ansinh_null_origin_ok", False
        ):
            return True
        return bool(super()._origin_verified(request))  # type: ignore[misc]


def csrf_protect_no_referrer_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """``csrf_protect`` with this module's check, for the inner view of a ``no_referrer_page``
    that must set its upload handlers before the CSRF check reads the body (it is
    ``csrf_exempt`` outside, as Django's docs prescribe): ``Origin: null`` is let through to
    the token check here too."""
    setattr(view, _ATTR, True)
    return cast("Callable[..., HttpResponse]", decorator_from_middleware(CsrfViewMiddleware)(view))
