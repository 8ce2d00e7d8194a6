"""The client address used for rate limits and audit (docs/security.md).

``X-Forwarded-For`` is set by whoever sends the request, so it is trusted only as far as
``TRUSTED_PROXY_COUNT`` says: with N proxies in front of us, each appending the address it
saw, the client is the Nth entry from the right. With 0 (the default) only ``REMOTE_ADDR``
counts, and a spoofed header changes nothing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote
