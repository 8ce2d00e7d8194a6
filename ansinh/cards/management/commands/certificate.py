"""``ansinh certificate verify``: offline verification of a participation certificate's QR
payload with the published public keys and the signed list of revoked certificates."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ansinh.cards import certificates, revocations
from ansinh.cards.management.offline import read_inputs


class Command(BaseCommand):
    help = (
        "Participation certificates, offline. "
        "`verify PAYLOAD --public-key FILE --revocations FILE [--history FILE]`: check a "
        "certificate's QR payload with the published public keys (`ansinh card "
        "export-public-keys`) and the signed list of revoked certificates (GET "
        "/api/v1/certificates/revocations), and with --history that the certificate's JSON "
        "(GET /api/v1/me/certificates/{id}, or its `history`) is the one it signed; no "
        "database or network needed (exit status 0 valid, 1 invalid or an unusable key file, "
        "list or history file)."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify a certificate's payload offline")
        verify.add_argument("payload", help="the QR payload, or - to read it from standard input")
        verify.add_argument("--public-key", required=True, type=Path, help="public key file")
        verify.add_argument(
            "--revocations",
            required=True,
            type=Path,
            help="the signed list of revoked certificates (JSON from GET "
            "/api/v1/certificates/revocations)",
        )
        verify.add_argument(
            "--history", type=Path, help="the certificate's JSON, checked against its digest"
        )
        verify.add_argument("--today", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            history = _history(options["history"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        # The list is checked whole before the certificate: an altered, foreign (e.g. the
        # cards' list) or stale list is refused, never used in part.
        given = read_inputs(
            options["payload"],
            options["public_key"],
            options["revocations"],
            options["today"],
            form=revocations.CERTIFICATE_FORMAT,
        )
        verdict = certificates.verify(
            given.payload,
            public_keys=given.keys,
            history=history,
            revoked=given.revoked.check_certificate,
        )
        result: dict[str, Any] = {"valid": verdict.valid, "reason": verdict.reason}
        if verdict.valid and verdict.claims:
            result["certificate"] = verdict.claims.as_json()
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if not verdict.valid:
            raise SystemExit(1)


def _history(path: Path | None) -> Any:
    """The signed history from ``--history``: the certificate's JSON as the API gives it
    (``{"id", …, "history", "payload"}``) or the history alone."""
    if path is None:
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "history" in data and "payload" in data:
        return data["history"]
    return data
