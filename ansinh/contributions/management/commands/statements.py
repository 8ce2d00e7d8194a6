from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ansinh.contributions.months import format_month, parse_month
from ansinh.contributions.services import current_month
from ansinh.contributions.statements import compute_all_statements


class Command(BaseCommand):
    help = (
        "Compute every unit's monthly statement (like C12-TS) for a month: open employments "
        "are carried on to that month first. Safe to run again. Example: ansinh statements 2026-10"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM (default: the current month)", nargs="?")

    def handle(self, *args: Any, month: str | None, **options: Any) -> None:
        try:
            first = parse_month(month) if month else current_month()
        except ValueError:
            raise CommandError("The month is written YYYY-MM, e.g. 2026-10.") from None
        if first > current_month():
            raise CommandError("There is no statement for a future month.")
        units = compute_all_statements(month=first)
        self.stdout.write(f"Statements of {format_month(first)} computed for {units} unit(s).")
