from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ansinh.contributions.participation import send_unpaid_alerts


class Command(BaseCommand):
    help = (
        "Tell every person whose employer has not paid a month 30 days (UNPAID_ALERT_DAYS) after "
        "it was due, by email and in-app notice, once per month. Run it daily (cron or systemd "
        "timer); running it more often or twice is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        pass

    def handle(self, *args: Any, **options: Any) -> None:
        told = send_unpaid_alerts()
        self.stdout.write(f"{told} person(s) told about unpaid months.")
