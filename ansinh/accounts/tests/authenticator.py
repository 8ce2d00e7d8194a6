"""A software passkey authenticator for tests (WebAuthn Level 2/3 by hand, no browser).

It makes what a phone's authenticator and browser would send: an EC P-256 key pair, an
``attestationObject`` (format "none") whose authenticatorData carries the RP ID hash, the
flags (UP, UV, AT) and the COSE public key, ``clientDataJSON`` with the challenge and origin,
and assertions signed over ``authenticatorData || SHA-256(clientDataJSON)``. Every field can
be bent, so tests can play the attacker (wrong origin, wrong RP, no UV, an old counter).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40
ORIGIN = "http://localhost:8000"
RP_ID = "localhost"
AAGUID = bytes.fromhex("adce000235bcc60a648b0b25f1f05503")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One passkey on one device. ``create`` registers it, ``get`` signs in with it."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    sign_count: int = 0
    counts: bool = True  # False: an authenticator that keeps no counter (always 0)
    user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return bytes(
            cbor2.dumps(
                {
                    1: 2,  # kty: EC2
                    3: -7,  # alg: ES256
                    -1: 1,  # crv: P-256
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            )
        )

    def _next_count(self) -> int:
        if self.counts:
            self.sign_count += 1
            return self.sign_count
        return 0

    @staticmethod
    def client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        flags: int = UP | UV | AT,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        """The JSON of ``navigator.credentials.create(options)``."""
        self.user_handle = unb64url(options["user"]["id"])
        rp_hash = hashlib.sha256((rp_id or options["rp"]["id"]).encode()).digest()
        attested = (
            AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        auth_data = rp_hash + bytes([flags]) + struct.pack(">I", self._next_count()) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self.client_data("webauthn.create", challenge or options["challenge"], origin)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(bytes(attestation)),
                "transports": ["internal", "hybrid"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        flags: int = UP | UV,
        count: int | None = None,
        challenge: str | None = None,
        user_handle: bytes | None = None,
        signer: ec.EllipticCurvePrivateKey | None = None,
    ) -> dict[str, Any]:
        """The JSON of ``navigator.credentials.get(options)`` with this passkey."""
        rp_hash = hashlib.sha256((rp_id or options["rpId"]).encode()).digest()
        counter = self._next_count() if count is None else count
        auth_data = rp_hash + bytes([flags]) + struct.pack(">I", counter)
        client_data = self.client_data("webauthn.get", challenge or options["challenge"], origin)
        signature = (signer or self.key).sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        handle = user_handle if user_handle is not None else self.user_handle
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle) if handle else None,
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }
