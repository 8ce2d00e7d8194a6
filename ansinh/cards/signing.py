"""The signed QR payload of the e-BHYT card (DESIGN §3.6; format in docs/contributions.md).

    AS1.<kid>.<body>.<signature>

* ``AS1``: format and version;
* ``kid``: the signing key's id, 1–32 characters ``A-Z a-z 0-9 _ -``;
* ``body``: base64url without padding of the UTF-8 JSON object (keys sorted, no spaces, non-ASCII
  characters unescaped, exactly as ``encode_body`` writes it; any other spelling is malformed)
  ``{"card", "dob", "facility", "five_years", "from", "issued", "name", "serial", "to", "v": 2}``
  where ``serial`` (32 lowercase hex digits) names this one card among the person's re-issues,
  so that a replaced card can be revoked (``revocations.py``). Version 1 payloads (``"v": 1``,
  no ``serial``), issued before revocation existed, still parse and verify; their revocation
  can be checked online only (docs/contributions.md);
* ``signature``: base64url without padding of the 64-byte Ed25519 signature of the ASCII
  text ``AS1.<kid>.<body>``.

This module has no Django dependency in ``parse``/``verify`` so that the offline verifier
(``ansinh card verify``) and any clinic's own code can follow it exactly.

Keys: a JSON key file ``{"active": kid, "keys": [{"kid", "private_key"}]}`` whose private keys
are base64url raw 32-byte Ed25519 seeds (``CARD_KEYS_FILE``; several keys for rotation: one
signs, all verify). Public keys are exported as ``{"keys": [{"kid", "alg": "Ed25519",
"public_key"}]}`` (raw 32 bytes, base64url).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "AS1"
MAX_PAYLOAD = 1024
KID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)
B64URL_RE = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
CARD_RE = re.compile(r"[A-Z]{2}[1-5][0-9]{2}[0-9]{10}", re.ASCII)
SERIAL_RE = re.compile(r"[0-9a-f]{32}", re.ASCII)
FIELDS_V1 = frozenset(
    {"card", "dob", "facility", "five_years", "from", "issued", "name", "to", "v"}
)
FIELDS = {1: FIELDS_V1, 2: FIELDS_V1 | {"serial"}}


class Reason:
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    REVOKED = "revoked"
    # Offline only: a version 1 payload has no serial, so a revocation list cannot name it.
    REVOCATION_UNKNOWN = "revocation_unknown"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


class KeyFileError(Exception):
    """The key file is missing, unreadable or not in the documented format."""


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    if not B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Canonical only: unused low bits of the last character must be zero, so that a payload
    # has exactly one spelling (no look-alike payloads with the same signature).
    if b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


# --- Claims and payloads ------------------------------------------------------------------------


@dataclass(frozen=True)
class Claims:
    card: str
    name: str
    dob: str
    facility: str
    valid_from: str
    valid_to: str
    five_years: str | None
    issued: str
    serial: str | None = None  # None only in version 1 payloads

    @property
    def version(self) -> int:
        return 1 if self.serial is None else 2

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": self.version,
            "card": self.card,
            "name": self.name,
            "dob": self.dob,
            "facility": self.facility,
            "from": self.valid_from,
            "to": self.valid_to,
            "five_years": self.five_years,
            "issued": self.issued,
        }
        if self.serial is not None:
            data["serial"] = self.serial
        return data


def encode_body(claims: Claims) -> str:
    text = json.dumps(claims.as_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return b64encode(text.encode("utf-8"))


def sign(claims: Claims, *, kid: str, private_key: Ed25519PrivateKey) -> str:
    if not KID_RE.fullmatch(kid):
        raise ValueError("invalid key id")
    signed = f"{PREFIX}.{kid}.{encode_body(claims)}"
    return f"{signed}.{b64encode(private_key.sign(signed.encode('ascii')))}"


@dataclass(frozen=True)
class Parsed:
    kid: str
    signed: bytes
    signature: bytes
    claims: Claims


def _date(value: Any) -> str:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise ValueError("not a date")
    dt.date.fromisoformat(value)
    return value


def parse(payload: Any) -> Parsed:
    """Split and decode a payload; ``ValueError`` for anything not in the documented format.
    Checks nothing cryptographic."""
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError("not a payload")
    parts = payload.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not KID_RE.fullmatch(parts[1]):
        raise ValueError("not a payload")
    signature = b64decode(parts[3])
    if len(signature) != 64:
        raise ValueError("bad signature length")
    try:
        data = json.loads(b64decode(parts[2]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, binascii.Error) as exc:
        raise ValueError("bad body") from exc
    if not isinstance(data, dict) or type(data.get("v")) is not int:
        raise ValueError("bad body")
    if data["v"] not in FIELDS or set(data) != FIELDS[data["v"]]:
        raise ValueError("bad body")
    serial = data.get("serial")
    if serial is not None and (not isinstance(serial, str) or not SERIAL_RE.fullmatch(serial)):
        raise ValueError("bad serial")
    if data["v"] == 2 and serial is None:
        raise ValueError("bad serial")
    card, name, facility = data["card"], data["name"], data["facility"]
    if not isinstance(card, str) or not CARD_RE.fullmatch(card):
        raise ValueError("bad card code")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise ValueError("bad name")
    if not isinstance(facility, str) or not re.fullmatch(r"[0-9A-Z]{1,10}", facility, re.ASCII):
        raise ValueError("bad facility")
    five_years = data["five_years"]
    claims = Claims(
        card=card,
        name=name,
        dob=_date(data["dob"]),
        facility=facility,
        valid_from=_date(data["from"]),
        valid_to=_date(data["to"]),
        five_years=None if five_years is None else _date(five_years),
        issued=_date(data["issued"]),
        serial=serial,
    )
    # Canonical only, like the base64 above: the issuer writes sorted keys, no spaces, "v": 1;
    # any other spelling of the same claims (spaces, "v": true, escapes) is not a payload.
    if encode_body(claims) != parts[2]:
        raise ValueError("not canonical")
    return Parsed(
        kid=parts[1],
        signed=f"{parts[0]}.{parts[1]}.{parts[2]}".encode("ascii"),
        signature=signature,
        claims=claims,
    )


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str | None
    claims: Claims | None = None


def verify(
    payload: Any,
    *,
    public_keys: dict[str, Ed25519PublicKey],
    today: dt.date,
    revoked: Callable[[Claims], str | None] | None = None,
) -> Verdict:
    """Check a payload: its form, its key id, its signature, whether it is revoked, then its
    validity dates (not before ``from``, not after ``to``), in that order; the first failure is
    the reason. ``revoked`` answers, for claims whose signature is good, a reason
    (``Reason.REVOKED`` or ``Reason.REVOCATION_UNKNOWN``) or None; without it nothing is
    checked for revocation (callers that verify cards always pass one)."""
    try:
        parsed = parse(payload)
    except ValueError:
        return Verdict(False, Reason.MALFORMED)
    key = public_keys.get(parsed.kid)
    if key is None:
        return Verdict(False, Reason.UNKNOWN_KEY)
    try:
        key.verify(parsed.signature, parsed.signed)
    except InvalidSignature:
        return Verdict(False, Reason.BAD_SIGNATURE)
    if revoked is not None:
        reason = revoked(parsed.claims)
        if reason is not None:
            return Verdict(False, reason, parsed.claims)
    if today < dt.date.fromisoformat(parsed.claims.valid_from):
        return Verdict(False, Reason.NOT_YET_VALID, parsed.claims)
    if dt.date.fromisoformat(parsed.claims.valid_to) < today:
        return Verdict(False, Reason.EXPIRED, parsed.claims)
    return Verdict(True, None, parsed.claims)


# --- Key files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRing:
    active: str
    private: dict[str, Ed25519PrivateKey]
    public: dict[str, Ed25519PublicKey]


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def new_key_file(kid: str) -> dict[str, Any]:
    if not KID_RE.fullmatch(kid):
        raise ValueError("invalid key id")
    return {
        "active": kid,
        "keys": [{"kid": kid, "private_key": b64encode(secrets.token_bytes(32))}],
    }


def write_new_key_file(path: Path, kid: str) -> bool:
    """Create ``path`` (mode 0600) with one new key; False if it exists already."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        json.dump(new_key_file(kid), handle, indent=2)
    return True


def load_key_file(path: Path) -> KeyRing:
    try:
        data = json.loads(path.read_text())
        active = data["active"]
        private = {
            item["kid"]: Ed25519PrivateKey.from_private_bytes(b64decode(item["private_key"]))
            for item in data["keys"]
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a readable card key file ({exc})") from exc
    if active not in private or not all(KID_RE.fullmatch(kid) for kid in private):
        raise KeyFileError(f"{path}: the active key id is not among the keys")
    return KeyRing(
        active=active,
        private=private,
        public={kid: key.public_key() for kid, key in private.items()},
    )


def load_public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """Public keys from an export (``{"keys": [{"kid", "public_key"}]}``) or from a key file
    with private keys."""
    try:
        data = json.loads(path.read_text())
        if "active" in data:
            return load_key_file(path).public
        keys = {
            item["kid"]: Ed25519PublicKey.from_public_bytes(b64decode(item["public_key"]))
            for item in data["keys"]
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a readable public key file ({exc})") from exc
    if not all(KID_RE.fullmatch(kid) for kid in keys):
        raise KeyFileError(f"{path}: invalid key id")
    return keys


def export_public_keys(keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    return {
        "keys": [
            {"kid": kid, "alg": "Ed25519", "public_key": b64encode(public_raw(key))}
            for kid, key in sorted(keys.items())
        ]
    }


_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, float, KeyRing, dict[str, Ed25519PublicKey]]] = {}


def keyring(
    *, key_file: str, public_file: str = "", generate: bool = False
) -> tuple[KeyRing, dict[str, Ed25519PublicKey]]:
    """The signing keys and every accepted public key, re-read when a file changes."""
    if not key_file:
        raise KeyFileError("CARD_KEYS_FILE is not set (docs/contributions.md)")
    path = Path(key_file)
    with _lock:
        if generate and not path.exists():
            write_new_key_file(path, "k" + dt.date.today().strftime("%Y%m%d"))  # noqa: DTZ011
        try:
            mtime = path.stat().st_mtime
            public_mtime = Path(public_file).stat().st_mtime if public_file else 0.0
        except OSError as exc:
            raise KeyFileError(f"{path}: {exc}") from exc
        cached = _cache.get((key_file, public_file))
        if cached and cached[0] == mtime and cached[1] == public_mtime:
            return cached[2], cached[3]
        ring = load_key_file(path)
        public = dict(load_public_keys(Path(public_file))) if public_file else {}
        public.update(ring.public)
        _cache[(key_file, public_file)] = (mtime, public_mtime, ring, public)
        return ring, public
