"""The client address used for rate limits and audit (docs/security.md).

``X-Forwarded-For`` is set by whoever sends the request, so it is trusted only as far as
``TRUSTED_PROXY_COUNT`` says: with N proxies in front of us, each appending the address it
saw, the client is the Nth entry from the right. With 0 (the default) only ``REMOTE_ADDR``
counts, and a spoofed header changes nothing.

Rate limits count by ``client_ip_key``: an IPv6 client usually holds a whole /64 and can pick a
new address in it for every request, so its limits count per /64 network.
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


def client_ip_key(request: HttpRequest) -> str:
    """The key per-address rate limits count by: the IPv4 address, or the IPv6 /64 network
    (an IPv4-mapped IPv6 address counts as its IPv4 address)."""
    address = ipaddress.ip_address(client_ip(request))
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
