"""The signed list of revoked e-BHYT cards that clinics sync and check offline (DESIGN §3.6,
format in docs/contributions.md).

When a card is re-issued (another group, benefit level or facility, or a plain re-issue) the old
card is replaced; its QR payload keeps a good signature and would otherwise be accepted until
its end date. The list names every replaced card that has not yet expired by its ``serial``
(random, so the public list tells nothing about whose card it was), with the time it was made
and the time by which a clinic should fetch a new one. It is signed with the card keys (same key
ids, same rotation), over a text that no card payload can be (``ASR1.`` instead of ``AS1.``)::

    {"format": "ASR1", "kid": <key id>, "body": <base64url JSON>, "signature": <base64url>}

``body`` is the canonical JSON (keys sorted, no spaces) of
``{"v": 1, "issued_at": "YYYY-MM-DDTHH:MM:SSZ", "next_update": "…Z", "serials": [sorted hex]}``
and ``signature`` the Ed25519 signature of the ASCII text ``ASR1.<kid>.<body>``.

The revoked participation certificates (``certificates``) have a list of the same design under
its own format, ``ASCR1`` (signed over ``ASCR1.<kid>.<body>``, a text no card payload, card list
or certificate payload can be), so that neither list can be taken for the other and the card
list's format stays as it was; its ``serials`` are the certificates' serials, and since a
certificate does not expire, it names every revoked certificate.

Like ``signing``, no Django here: the offline verifier and a clinic's own code follow it exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .certificates import CertificateClaims
from .signing import KID_RE, SERIAL_RE, Claims, Reason, b64decode, b64encode

FORMAT: Literal["ASR1"] = "ASR1"
CERTIFICATE_FORMAT: Literal["ASCR1"] = "ASCR1"
TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)
MAX_BODY = 64 * 1024 * 1024  # far above any real list; a bound for what a file may hold
ENVELOPE = frozenset({"format", "kid", "body", "signature"})
BODY = frozenset({"v", "issued_at", "next_update", "serials"})


class Envelope(TypedDict):
    format: Literal["ASR1"]
    kid: str
    body: str
    signature: str


class CertificateEnvelope(TypedDict):
    format: Literal["ASCR1"]
    kid: str
    body: str
    signature: str


class RevocationListError(Exception):
    """The list is not in the documented format, is signed by an unknown key, or its signature
    does not match its content (tampered): it must not be used."""


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> dt.datetime:
    if not isinstance(value, str) or not TIME_RE.fullmatch(value):
        raise ValueError("not a time")
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class RevocationList:
    issued_at: dt.datetime
    next_update: dt.datetime
    serials: frozenset[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "issued_at": _time(self.issued_at),
            "next_update": _time(self.next_update),
            "serials": sorted(self.serials),
        }

    def is_stale(self, now: dt.datetime) -> bool:
        """Past its "next update": revocations made since may be missing."""
        return now > self.next_update

    def check(self, claims: Claims) -> str | None:
        """For ``signing.verify(revoked=…)``: ``revoked`` when the list names the card, and
        ``revocation_unknown`` for a version 1 payload, which has no serial to look up (the
        clinic verifies it online, or asks for the current card)."""
        if claims.serial is None:
            return Reason.REVOCATION_UNKNOWN
        return Reason.REVOKED if claims.serial in self.serials else None

    def check_certificate(self, claims: CertificateClaims) -> str | None:
        """For ``certificates.verify(revoked=…)`` with a certificate list (``ASCR1``):
        ``revoked`` when the list names the certificate's serial."""
        return Reason.REVOKED if claims.serial in self.serials else None


def encode_body(revocations: RevocationList) -> str:
    text = json.dumps(revocations.as_json(), sort_keys=True, separators=(",", ":"))
    return b64encode(text.encode("ascii"))


def _signature(revocations: RevocationList, form: str, kid: str, key: Ed25519PrivateKey) -> str:
    if not KID_RE.fullmatch(kid):
        raise ValueError("invalid key id")
    return b64encode(key.sign(f"{form}.{kid}.{encode_body(revocations)}".encode("ascii")))


def sign(revocations: RevocationList, *, kid: str, private_key: Ed25519PrivateKey) -> Envelope:
    """Sign a list of revoked cards (``ASR1``)."""
    signature = _signature(revocations, FORMAT, kid, private_key)
    body = encode_body(revocations)
    return {"format": FORMAT, "kid": kid, "body": body, "signature": signature}


def sign_certificates(
    revocations: RevocationList, *, kid: str, private_key: Ed25519PrivateKey
) -> CertificateEnvelope:
    """Sign a list of revoked participation certificates (``ASCR1``)."""
    signature = _signature(revocations, CERTIFICATE_FORMAT, kid, private_key)
    body = encode_body(revocations)
    return {"format": CERTIFICATE_FORMAT, "kid": kid, "body": body, "signature": signature}


def load(
    envelope: Any,
    *,
    public_keys: dict[str, Ed25519PublicKey],
    form: Literal["ASR1", "ASCR1"] = FORMAT,
) -> RevocationList:
    """Check a list's form (``form``: cards by default, ``ASCR1`` for certificates), key id
    and signature and return its content; anything else raises ``RevocationListError`` (a list
    that fails here is never partly used)."""
    try:
        if not isinstance(envelope, dict) or set(envelope) != ENVELOPE:
            raise ValueError("not a revocation list")
        kid, body = envelope["kid"], envelope["body"]
        if envelope["format"] != form or not isinstance(kid, str) or not KID_RE.fullmatch(kid):
            raise ValueError(f"not a {form} revocation list")
        if not isinstance(body, str) or len(body) > MAX_BODY:
            raise ValueError("bad body")
        signature = envelope["signature"]
        signature = b64decode(signature) if isinstance(signature, str) else b""
        if len(signature) != 64:
            raise ValueError("bad signature length")
        signed = f"{form}.{kid}.{body}".encode("ascii")
    except (ValueError, UnicodeEncodeError) as exc:
        raise RevocationListError(f"not a revocation list ({exc})") from exc
    key = public_keys.get(kid)
    if key is None:
        raise RevocationListError(f"signed by an unknown key ({kid})")
    try:
        key.verify(signature, signed)
    except InvalidSignature as exc:
        raise RevocationListError("the signature does not match: the list was altered") from exc
    # Only now is the body read: nothing unsigned is ever parsed.
    try:
        data = json.loads(b64decode(body).decode("ascii"))
        if not isinstance(data, dict) or set(data) != BODY:
            raise ValueError("bad body")
        serials = data["serials"]
        if data["v"] != 1 or type(data["v"]) is not int or not isinstance(serials, list):
            raise ValueError("bad body")
        if not all(isinstance(s, str) and SERIAL_RE.fullmatch(s) for s in serials):
            raise ValueError("bad serial")
        return RevocationList(
            issued_at=_parse_time(data["issued_at"]),
            next_update=_parse_time(data["next_update"]),
            serials=frozenset(serials),
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise RevocationListError(f"not a revocation list ({exc})") from exc
