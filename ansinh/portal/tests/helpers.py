"""Helpers for the server-rendered pages: sign in through the real login form (the session
then carries its start time, which the absolute-lifetime policy needs), and read what the
pages show without depending on the wording, which is translated."""

from __future__ import annotations

import html
import re
from typing import Any

from django.test import Client

PORTAL_LOGIN = "/dang-nhap/"
PORTAL_HOME = "/ca-nhan/"
PORTAL_PASSWORD = "/ca-nhan/doi-mat-khau/"
PORTAL_LOGOUT = "/dang-xuat/"
BACKOFFICE_LOGIN = "/backoffice/login/"
BACKOFFICE_HOME = "/backoffice/"
BACKOFFICE_PASSWORD = "/backoffice/password/"

_CAPTCHA_KEY_RE = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')
_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_ALERT_RE = re.compile(r'<div class="alert" role="alert"[^>]*>(.*?)</div>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def login_form(client: Client, path: str = PORTAL_LOGIN) -> tuple[str, str]:
    """Open a login form; return its CAPTCHA hashkey (``captcha_0``) and CSRF token."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    key, token = _CAPTCHA_KEY_RE.search(page), _CSRF_RE.search(page)
    assert key and token, "the login form renders no CAPTCHA key or CSRF token"
    return key.group(1), token.group(1)


def post_login(
    client: Client,
    username: str,
    password: str,
    *,
    path: str = PORTAL_LOGIN,
    answer: str = "PASSED",
    key: str | None = None,
    csrf: bool = True,
    **extra: Any,
) -> Any:
    """Submit the login form as a browser would: open it, then post it filled in."""
    form_key, token = login_form(client, path)
    data = {
        "username": username,
        "password": password,
        "captcha_0": key if key is not None else form_key,
        "captcha_1": answer,
    }
    if csrf:
        data["csrfmiddlewaretoken"] = token
    return client.post(path, data, **extra)


def csrf_token(client: Client, path: str) -> str:
    """The CSRF token a page renders into its forms."""
    match = _CSRF_RE.search(client.get(path).content.decode())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: Client, username: str, password: str, *, path: str = PORTAL_LOGIN) -> Any:
    response = post_login(client, username, password, path=path)
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    return response


def text(content: bytes | str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    raw = content.decode() if isinstance(content, bytes) else content
    return " ".join(html.unescape(_TAG_RE.sub(" ", raw)).split())


def alert_text(response: Any) -> str:
    """The text of the page's error summary (``role="alert"``), or ``""``."""
    match = _ALERT_RE.search(response.content.decode())
    return text(match.group(1)) if match else ""


def data_field(response: Any, name: str) -> str:
    """The text of the element marked ``data-field="name"``."""
    match = re.search(
        rf'data-field="{re.escape(name)}"[^>]*>(.*?)</', response.content.decode(), re.S
    )
    assert match, f"no data-field={name!r} on the page"
    return text(match.group(1))


def html_lang(response: Any) -> str:
    match = re.search(r'<html[^>]* lang="([^"]+)"', response.content.decode())
    assert match, "no <html lang>"
    return match.group(1)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session
