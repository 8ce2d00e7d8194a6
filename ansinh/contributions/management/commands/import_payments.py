from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ansinh.contributions.payments import import_bank_transfers
from ansinh.lib.actor import Actor


class Command(BaseCommand):
    help = (
        "Import a CSV of bank transfers (columns bank_reference,unit_code,amount,paid_on). "
        "Validated whole; transfers already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        result = import_bank_transfers(text=text, actor=Actor.command())
        if result.errors:
            for error in result.errors[:50]:
                self.stderr.write(f"line {error['line']}: {error['fields']}")
            raise CommandError("Nothing imported: fix the lines above.")
        self.stdout.write(
            f"{result.recorded} transfer(s) recorded, {result.duplicates} already known."
        )
