"""Shared steps of the recovery tests: start a recovery through the API and read the emails."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from ansinh.conftest import Api, run_on_commit

CITIZEN_EMAIL = "an.nguyen@example.com"
NEW_PASSWORD = "Song-Hong-Chay-Qua-Ha-Noi-26"
_CODE_RE = re.compile(r"^(?:Mã OTP|Code): ([0-9]{6})$", re.M)
_TEMPORARY_RE = re.compile(r"^(?:Mật khẩu tạm thời|Temporary password): (\S+)$", re.M)

# The portal's recovery pages.
START, CODE, DONE, PAPER = (
    "/quen-mat-khau/",
    "/quen-mat-khau/nhap-ma/",
    "/quen-mat-khau/hoan-tat/",
    "/quen-mat-khau/mau-02-sd-gd/",
)
_KEY_RE = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')
_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def start(api: Api, username: str = "0123456789", email: str = CITIZEN_EMAIL, **kwargs: Any) -> Any:
    return api.post("/auth/recovery", {"username": username, "email": email}, **kwargs)


def start_id(
    api: Api, username: str = "0123456789", email: str = CITIZEN_EMAIL, **kwargs: Any
) -> str:
    response = start(api, username, email, **kwargs)
    assert response.status_code == 202, response.content
    return str(response.json()["recovery_id"])


def verify(
    api: Api, recovery_id: str, otp: str, new_password: str | None = None, **kwargs: Any
) -> Any:
    body: dict[str, Any] = {"otp": otp}
    if new_password is not None:
        body["new_password"] = new_password
    return api.post(f"/auth/recovery/{recovery_id}/verify", body, **kwargs)


def codes(mailoutbox: list[Any]) -> list[str]:
    """Every code emailed so far, oldest first."""
    return [m for message in mailoutbox for m in _CODE_RE.findall(message.body)]


def last_code(mailoutbox: list[Any]) -> str:
    found = codes(mailoutbox)
    assert found, "no code was emailed"
    return found[-1]


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


def temporary_password(mailoutbox: list[Any]) -> str:
    found = [m for message in mailoutbox for m in _TEMPORARY_RE.findall(message.body)]
    assert len(found) == 1, f"expected one credentials email, found {len(found)}"
    return found[0]


def kinds(mailoutbox: list[Any]) -> list[str]:
    """Which emails went out, by the outbox kind recorded in the Message-ID's row."""
    from ansinh.notifications.models import OutboundEmail

    ids = [m.extra_headers.get("Message-ID", "") for m in mailoutbox]
    by_id = {e.message_id: e.kind for e in OutboundEmail.objects.all()}
    return [by_id.get(i, "?") for i in ids]


# --- The portal ----------------------------------------------------------------------------------


def portal_form(client: Client, path: str) -> tuple[str | None, str]:
    """Open a portal page; return its CAPTCHA key (if any) and CSRF token."""
    page = client.get(path).content.decode()
    key, token = _KEY_RE.search(page), _CSRF_RE.search(page)
    assert token, f"no CSRF token on {path}"
    return (key.group(1) if key else None), token.group(1)


def request_code(
    client: Client,
    username: str = "0123456789",
    email: str = CITIZEN_EMAIL,
    *,
    answer: str = "PASSED",
    key: str | None = None,
    **extra: Any,
) -> Any:
    """Fill in and send "Quên mật khẩu" (step 1) as a browser would."""
    form_key, token = portal_form(client, START)
    data = {
        "username": username,
        "email": email,
        "captcha_0": key or form_key,
        "captcha_1": answer,
        "csrfmiddlewaretoken": token,
    }
    with run_on_commit():
        return client.post(START, data, **extra)


def submit_code(client: Client, otp: str, new_password: str | None = None, **extra: Any) -> Any:
    """Send the code page: with ``new_password`` choose it, else ask for a temporary one."""
    _key, token = portal_form(client, CODE)
    data = {"otp": otp, "action": "verify", "csrfmiddlewaretoken": token}
    if new_password is None:
        data["choice"] = "email"
    else:
        data.update(choice="choose", new_password=new_password, new_password_again=new_password)
    with run_on_commit():
        return client.post(CODE, data, **extra)
