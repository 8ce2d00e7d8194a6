"""The signed payload of a participation certificate (issue 15 §3, like C14-TS; format in
docs/contributions.md), signed with the e-BHYT card keys (same key ids, same rotation)::

    ASC1.<kid>.<body>.<signature>

* ``ASC1``: format and version; a card payload (``AS1.``) and the revocation lists (``ASR1.``,
  ``ASCR1.``) are signed over other texts, so no signature of one is ever accepted as another;
* ``body``: base64url without padding of the canonical UTF-8 JSON (keys sorted, no spaces)
  ``{"v": 1, "serial", "bhxh", "name", "dob", "issued", "months", "digest"}`` where ``serial``
  (32 lowercase hex digits) names the certificate (so it can be revoked), ``months`` the total
  months per scheme ``{"BHXH", "BHYT", "BHTN", "BHTNLD_BNN"}`` and ``digest`` the SHA-256 (hex)
  of the canonical JSON of the full history the certificate states (``document_digest``);
* ``signature``: base64url of the Ed25519 signature of the ASCII text ``ASC1.<kid>.<body>``.

No Django here: anyone verifies a certificate offline with the exported public keys, and its
revocation with the signed list of revoked certificates (``revocations``, format ``ASCR1``:
``verify(revoked=RevocationList.check_certificate)``, as ``ansinh certificate verify`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .signing import DATE_RE, KID_RE, SERIAL_RE, Reason, b64decode, b64encode

PREFIX = "ASC1"
MAX_PAYLOAD = 1024
SCHEMES = ("BHXH", "BHYT", "BHTN", "BHTNLD_BNN")
FIELDS = frozenset({"v", "serial", "bhxh", "name", "dob", "issued", "months", "digest"})
BHXH_RE = re.compile(r"[0-9]{10}", re.ASCII)
DIGEST_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
MAX_MONTHS = 12 * 120


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def document_digest(history: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of the certificate's history."""
    return hashlib.sha256(canonical(history).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CertificateClaims:
    serial: str
    bhxh: str
    name: str
    dob: str
    issued: str
    months: dict[str, int]
    digest: str

    def as_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "serial": self.serial,
            "bhxh": self.bhxh,
            "name": self.name,
            "dob": self.dob,
            "issued": self.issued,
            "months": dict(self.months),
            "digest": self.digest,
        }


def encode_body(claims: CertificateClaims) -> str:
    return b64encode(canonical(claims.as_json()).encode("utf-8"))


def sign(claims: CertificateClaims, *, kid: str, private_key: Ed25519PrivateKey) -> str:
    if not KID_RE.fullmatch(kid):
        raise ValueError("invalid key id")
    signed = f"{PREFIX}.{kid}.{encode_body(claims)}"
    return f"{signed}.{b64encode(private_key.sign(signed.encode('ascii')))}"


def _text(value: Any, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError("bad field")
    return value


def _claims(data: Any) -> CertificateClaims:
    if not isinstance(data, dict) or set(data) != FIELDS:
        raise ValueError("bad body")
    if type(data["v"]) is not int or data["v"] != 1:
        raise ValueError("bad version")
    name, months = data["name"], data["months"]
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise ValueError("bad name")
    if not isinstance(months, dict) or set(months) != set(SCHEMES):
        raise ValueError("bad months")
    if not all(type(n) is int and 0 <= n <= MAX_MONTHS for n in months.values()):
        raise ValueError("bad months")
    for day in (data["dob"], data["issued"]):
        dt.date.fromisoformat(_text(day, DATE_RE))
    return CertificateClaims(
        serial=_text(data["serial"], SERIAL_RE),
        bhxh=_text(data["bhxh"], BHXH_RE),
        name=name,
        dob=data["dob"],
        issued=data["issued"],
        months=months,
        digest=_text(data["digest"], DIGEST_RE),
    )


@dataclass(frozen=True)
class CertificateVerdict:
    valid: bool
    reason: str | None  # signing.Reason: malformed, unknown_key, bad_signature, revoked
    claims: CertificateClaims | None = None


def verify(
    payload: Any,
    *,
    public_keys: dict[str, Ed25519PublicKey],
    history: Any = None,
    revoked: Any = None,
) -> CertificateVerdict:
    """Form, key id, signature (the body is read only once the signature holds), then, when
    ``history`` is given, that it is the history the certificate signed (``bad_signature`` if
    not: altered), then ``revoked(claims)`` (online: a reason or None)."""
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD:
        return CertificateVerdict(False, Reason.MALFORMED)
    parts = payload.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not KID_RE.fullmatch(parts[1]):
        return CertificateVerdict(False, Reason.MALFORMED)
    try:
        signature = b64decode(parts[3])
        b64decode(parts[2])
    except ValueError:
        return CertificateVerdict(False, Reason.MALFORMED)
    key = public_keys.get(parts[1])
    if key is None:
        return CertificateVerdict(False, Reason.UNKNOWN_KEY)
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}.{parts[2]}".encode("ascii"))
    except InvalidSignature:
        return CertificateVerdict(False, Reason.BAD_SIGNATURE)
    try:
        claims = _claims(json.loads(b64decode(parts[2]).decode("utf-8")))
    except (ValueError, UnicodeDecodeError):
        return CertificateVerdict(False, Reason.MALFORMED)
    if history is not None and document_digest(history) != claims.digest:
        return CertificateVerdict(False, Reason.BAD_SIGNATURE, claims)
    if revoked is not None:
        reason = revoked(claims)
        if reason is not None:
            return CertificateVerdict(False, reason, claims)
    return CertificateVerdict(True, None, claims)
