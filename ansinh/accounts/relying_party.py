"""Who An Sinh is to a passkey (WebAuthn's "relying party"), which web origins may use its
passkeys, and the challenges of each ceremony (issue 13; docs/security.md "Passkeys").

* **RP ID** (``WEBAUTHN_RP_ID``): the site's host name. Authenticators scope a passkey to it
  and sign its SHA-256, so it must be a domain, never an IP address (``127.0.0.1`` cannot be
  one); the embedded profile uses ``localhost``.
* **Origins** (``WEBAUTHN_ORIGINS``): the exact ``scheme://host[:port]`` the app runs at,
  as the browser writes it into the signed client data. ``http://localhost:*`` (the embedded
  default only) means localhost on any port, for ``make run`` and the test server.
* **Challenges**: 32 random bytes per ceremony, stored as a digest with their purpose (and,
  to add a passkey, the account) and claimed by the first answer with one conditional
  DELETE: whatever the answer's outcome, the challenge is gone, so a captured answer cannot
  be replayed, and of answers racing with one challenge exactly one is evaluated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ansinh.lib.errors import Invalid

from .models import ChallengePurpose, PasskeyChallenge, User

ANY_PORT = ":*"


def rp_id() -> str:
    return str(settings.WEBAUTHN_RP_ID)


def rp_name() -> str:
    return str(settings.WEBAUTHN_RP_NAME)


def challenge_ttl() -> int:
    return int(settings.PASSKEY_CHALLENGE_TTL_SECONDS)


def _split_origin(origin: str) -> tuple[str, str, int | None] | None:
    """``scheme://host[:port]`` → (scheme, host, port), or ``None`` if it is not exactly that."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or parts.path or parts.query or parts.fragment:
        return None
    if parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname, port


def origin_allowed(origin: str, allowed: list[str] | None = None) -> bool:
    """Is ``origin`` (from the client data the authenticator signed) one of ours?"""
    for entry in settings.WEBAUTHN_ORIGINS if allowed is None else allowed:
        if entry == origin:
            return True
        if entry.endswith(ANY_PORT):
            pattern = _split_origin(entry.removesuffix(ANY_PORT))
            found = _split_origin(origin)
            if pattern is not None and found is not None and pattern[:2] == found[:2]:
                return True
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def configuration_problems(rp: str, origins: list[str], *, production: bool) -> list[str]:
    """What is wrong with an RP ID and its origins (empty: nothing). Production also wants
    HTTPS (but on localhost) and exact origins (no ``:*``). Used by the system check
    ``ansinh.E004``."""
    problems = []
    if not rp:
        problems.append("WEBAUTHN_RP_ID is not set (the site's host name, e.g. ansinh.gov.vn)")
    elif _is_ip(rp) or "/" in rp or ":" in rp or rp != rp.lower():
        problems.append(
            f"WEBAUTHN_RP_ID={rp!r} is not a lower-case host name (an IP address cannot be one)"
        )
    if not origins:
        problems.append("WEBAUTHN_ORIGINS is not set (e.g. https://ansinh.gov.vn)")
    for origin in origins:
        split = _split_origin(origin.removesuffix(ANY_PORT))
        if split is None:
            problems.append(f"WEBAUTHN_ORIGINS: {origin!r} is not scheme://host[:port]")
            continue
        scheme, host, _port = split
        if production and origin.endswith(ANY_PORT):
            problems.append(f"WEBAUTHN_ORIGINS: {origin!r} must name its exact port")
        if production and scheme != "https" and host != "localhost":
            # Browsers allow WebAuthn over plain HTTP on localhost only (a benchmark on
            # loopback); anything public needs https.
            problems.append(f"WEBAUTHN_ORIGINS: {origin!r} must be https")
        if rp and host != rp and not host.endswith("." + rp):
            problems.append(f"WEBAUTHN_ORIGINS: {origin!r} is not {rp} or a subdomain of it")
    return problems


# --- Challenges ---------------------------------------------------------------------------------


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def new_challenge(*, purpose: ChallengePurpose, user: User | None = None) -> bytes:
    """A fresh challenge for ``purpose`` (bound to ``user`` to add a passkey), stored as its
    digest until it is claimed or expires (``ansinh purge`` deletes expired ones)."""
    challenge = secrets.token_bytes(32)
    now = timezone.now()
    PasskeyChallenge.objects.create(
        digest=_digest(challenge),
        purpose=purpose,
        user=user,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=challenge_ttl()),
    )
    return challenge


def claim(challenge: bytes, *, purpose: ChallengePurpose, user: User | None = None) -> bool:
    """Use up ``challenge`` for ``purpose`` (and ``user``): true for exactly one caller, and
    only while it is live. One DELETE decides (PostgreSQL: a racing DELETE waits for the
    winner's commit and then finds nothing; SQLite: writes are serialised). Call it outside
    any transaction that a failure would roll back, so a refused answer spends it too."""
    found = PasskeyChallenge.objects.filter(
        digest=_digest(challenge), purpose=purpose, expires_at__gt=timezone.now()
    )
    found = found.filter(user=user) if user is not None else found.filter(user__isnull=True)
    deleted, _rows = found.delete()
    return deleted == 1


def expired(now: dt.datetime | None = None) -> QuerySet[PasskeyChallenge]:
    """Challenges past their lifetime (retention purge, ops/retention.py)."""
    return PasskeyChallenge.objects.filter(expires_at__lte=now or timezone.now())


# --- Client data -------------------------------------------------------------------------------


def client_data(raw: bytes) -> tuple[bytes, str]:
    """The challenge and origin an authenticator's answer claims (from its clientDataJSON),
    before anything is verified: the challenge says which ceremony the answer belongs to.
    Malformed: ``Invalid``."""
    from webauthn.helpers import base64url_to_bytes

    try:
        data = json.loads(raw)
        challenge = base64url_to_bytes(data["challenge"])
        origin = data["origin"]
    except (ValueError, TypeError, KeyError):
        raise malformed() from None
    if not isinstance(origin, str) or not 16 <= len(challenge) <= 64:
        raise malformed()
    return challenge, origin


def malformed() -> Invalid:
    return Invalid(
        "invalid_credential",
        _("The passkey's answer could not be read. Try again."),
        fields={"credential": gettext("Invalid value.")},
    )
