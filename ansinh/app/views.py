"""The citizen app's server side (DESIGN §3.8, docs/app.md): the shell page, the web app
manifest, the service worker and the app's strings. Nothing here reads personal data or the
session: the app gets everything personal from ``/api/v1`` with the tokens its service worker
holds. Every response gets the site's strict Content-Security-Policy (no inline script or
style), like every other page.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from . import assets
from .catalog import catalogue_for

THEME_COLOUR = "#0b5394"
BACKGROUND_COLOUR = "#f5f7fa"
CONFIG_MARK = "__ANSINH_APP_CONFIG__"


# The app's responses are compressed (gzip_page): they hold nothing secret or personal (no
# CSRF token, no session data), so compression leaks nothing (BREACH needs a secret).


def _revalidate(response: HttpResponse) -> HttpResponse:
    """Always asked again from the server: the worker decides what is kept offline."""
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@gzip_page
@require_safe
def shell(request: HttpRequest) -> HttpResponse:
    """The one page of the app: its chrome, a "loading" line, the scripts and the Vietnamese
    strings; the scripts draw every screen. Served in Vietnamese: the app switches language
    itself."""
    with translation.override("vi"):
        response = render(
            request,
            "app/shell.html",
            {
                "app_static": assets.static_url("app/"),
                "manifest_url": assets.MANIFEST_URL,
                "favicon_url": assets.static_url("favicon.svg"),
                "theme_colour": THEME_COLOUR,
                "modules": assets.modules(),
                # The first screen's words come with the page: one request less on a slow
                # network. A JSON data block, never run (the CSP allows no inline script).
                "strings_vi": catalogue_for("vi"),
            },
        )
    return _revalidate(response)


@gzip_page
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: what a phone needs to install An Sinh on its home screen."""
    icons = [
        {"src": assets.static_url("app/icons/icon-192.png"), "sizes": "192x192", "purpose": "any"},
        {"src": assets.static_url("app/icons/icon-512.png"), "sizes": "512x512", "purpose": "any"},
        {
            "src": assets.static_url("app/icons/maskable-512.png"),
            "sizes": "512x512",
            "purpose": "maskable",
        },
    ]
    document = {
        "id": assets.SHELL_URL,
        "name": "An Sinh",
        "short_name": "An Sinh",
        "description": "Bảo hiểm xã hội, bảo hiểm y tế: thẻ BHYT, quá trình tham gia, thông báo.",
        "lang": "vi",
        "dir": "ltr",
        "start_url": assets.SHELL_URL,
        "scope": assets.SHELL_URL,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{**icon, "type": "image/png"} for icon in icons],
    }
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/manifest+json; charset=utf-8",
    )
    return _revalidate(response)


def worker_config() -> dict[str, object]:
    """What the service worker is told: its cache version, what to cache, the idle limit."""
    return {
        "version": assets.version(),
        "shell": assets.shell_urls(),
        "integrity": assets.integrity(),
        "shell_url": assets.SHELL_URL,
        "idle_seconds": settings.APP_IDLE_SECONDS,
    }


@gzip_page
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/app/sw.js``: served from ``/app/`` so that its scope is ``/app/`` and nothing else
    (no ``Service-Worker-Allowed`` widening). Its configuration is written into it, so a new
    version of any shell file is a new worker."""
    source = assets.WORKER_SOURCE.read_text()
    body = source.replace(CONFIG_MARK, json.dumps(worker_config(), sort_keys=True), 1)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    return _revalidate(response)


@gzip_page
@require_safe
def catalogue(request: HttpRequest, language: str) -> HttpResponse:
    """The app's strings in one language, from the project's gettext catalogues."""
    if language not in assets.LANGUAGES:
        raise Http404
    response = JsonResponse(catalogue_for(language), json_dumps_params={"ensure_ascii": False})
    return _revalidate(response)
