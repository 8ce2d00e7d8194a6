"""Every cookie the app sets is Secure, SameSite=Lax and (none is read by a script) HttpOnly in
the production profile (defect r: the language cookie had neither Secure nor SameSite).

Checked like the other profile tests (test_settings.py): in a fresh interpreter with exactly the
production environment, on the cookies the app really sends.
"""

from __future__ import annotations

import json

from .test_settings import PRODUCTION_ENV, _run

# The language cookie from the language switch (Django's set_language view, through the whole
# middleware stack), the CSRF cookie from the CSRF middleware; the session cookie and Django's
# messages cookie (which follows the SESSION_COOKIE_* settings) need a database to be written,
# so their settings are reported.
PROBE = """
import json
import sys

import django
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

django.setup()

from ansinh.lib.csrf import CsrfViewMiddleware


def attrs(morsel):
    return {
        "name": morsel.key,
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
        "path": morsel["path"],
        "domain": morsel["domain"],
    }


client = Client(HTTP_HOST=sys.argv[1])
response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
language = attrs(response.cookies[settings.LANGUAGE_COOKIE_NAME])


def view(request):
    get_token(request)
    return HttpResponse()


request = RequestFactory(HTTP_HOST=sys.argv[1]).get("/", secure=True)
response = CsrfViewMiddleware(view)(request)
csrf = attrs(response.cookies[settings.CSRF_COOKIE_NAME])
session = {
    "name": settings.SESSION_COOKIE_NAME,
    "secure": settings.SESSION_COOKIE_SECURE,
    "httponly": settings.SESSION_COOKIE_HTTPONLY,
    "samesite": settings.SESSION_COOKIE_SAMESITE,
    "path": settings.SESSION_COOKIE_PATH,
    "domain": settings.SESSION_COOKIE_DOMAIN or "",
}
print(json.dumps({"language": language, "csrf": csrf, "session": session}))
"""


def _cookies(env: dict[str, str], host: str) -> dict[str, dict[str, object]]:
    result = _run(["-c", PROBE, host], env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_every_cookie_is_secure_samesite_lax_and_httponly_in_production():
    cookies = _cookies({**PRODUCTION_ENV, "ALLOWED_HOSTS": "ansinh.example"}, "ansinh.example")

    for kind in ("language", "csrf", "session"):
        cookie = cookies[kind]
        assert cookie["secure"] is True, (kind, cookie)
        assert cookie["samesite"] == "Lax", (kind, cookie)
        assert cookie["httponly"] is True, (kind, cookie)
        # "__Host-": the browser keeps it only if Secure, Path=/ and no Domain, so a sibling
        # host cannot plant or overwrite it.
        assert str(cookie["name"]).startswith("__Host-"), (kind, cookie)
        assert (cookie["path"], cookie["domain"]) == ("/", ""), (kind, cookie)


def test_the_language_cookie_is_not_secure_in_the_embedded_profile_over_plain_http():
    # The embedded profile runs on http://127.0.0.1: a Secure cookie would never come back.
    cookies = _cookies({}, "127.0.0.1")

    assert cookies["language"]["secure"] is False
    assert cookies["language"]["samesite"] == "Lax"
    assert cookies["language"]["name"] == "django_language"
