"""``ansinh card``: offline verification of a QR payload and key management for operators."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ansinh.cards import signing
from ansinh.cards.management.offline import read_inputs


class Command(BaseCommand):
    help = (
        "e-BHYT card keys and offline verification. "
        "`verify PAYLOAD --public-key FILE --revocations FILE`: check a QR payload with the "
        "published public keys and the signed list of revoked cards (GET "
        "/api/v1/cards/revocations), no database or network needed (exit status 0 valid, 1 "
        "invalid or an unusable key file or list). "
        "`export-public-keys [--output FILE]`: the public keys to publish. "
        "`new-key-file FILE --kid KID`: create a key file (mode 0600) for CARD_KEYS_FILE."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify a payload offline")
        verify.add_argument("payload", help="the QR payload, or - to read it from standard input")
        verify.add_argument("--public-key", required=True, type=Path, help="public key file")
        verify.add_argument(
            "--revocations",
            required=True,
            type=Path,
            help="the signed revocation list (JSON from GET /api/v1/cards/revocations)",
        )
        verify.add_argument("--today", help="YYYY-MM-DD (default: today)")
        export = sub.add_parser("export-public-keys", help="print the public keys as JSON")
        export.add_argument("--output", type=Path)
        new = sub.add_parser("new-key-file", help="create a new key file")
        new.add_argument("file", type=Path)
        new.add_argument("--kid", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            self._verify(
                options["payload"], options["public_key"], options["revocations"], options["today"]
            )
        elif action == "export-public-keys":
            self._export(options.get("output"))
        else:
            try:
                created = signing.write_new_key_file(options["file"], options["kid"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if not created:
                raise CommandError(f"{options['file']} exists; not overwritten")
            self.stdout.write(f"Created {options['file']} with key {options['kid']}.")

    def _verify(self, payload: str, key_file: Path, list_file: Path, today: str | None) -> None:
        given = read_inputs(payload, key_file, list_file, today)
        verdict = signing.verify(
            given.payload, public_keys=given.keys, today=given.day, revoked=given.revoked.check
        )
        result: dict[str, Any] = {"valid": verdict.valid, "reason": verdict.reason}
        if verdict.valid and verdict.claims:
            result["card"] = verdict.claims.as_json()
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if not verdict.valid:
            raise SystemExit(1)

    def _export(self, output: Path | None) -> None:
        try:
            _ring, public = signing.keyring(
                key_file=settings.CARD_KEYS_FILE,
                public_file=settings.CARD_PUBLIC_KEYS_FILE,
                generate=settings.CARD_KEYS_GENERATE,
            )
        except signing.KeyFileError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(signing.export_public_keys(public), indent=2) + "\n"
        if output:
            output.write_text(text)
            self.stdout.write(f"Wrote {len(public)} public key(s) to {output}.")
        else:
            self.stdout.write(text, ending="")
