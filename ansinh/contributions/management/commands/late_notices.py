from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ansinh.contributions.notices import send_late_notices


class Command(BaseCommand):
    help = (
        "Send this month's late notices: each person whose unit has months late gets one notice "
        "per unit (in the app, and by email to a verified address) listing the months and the "
        "amounts not paid per scheme. Run it on the 10th of each month (cron or systemd timer); "
        "running it again in the same month sends nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        pass

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_late_notices()
        self.stdout.write(f"{sent} late notice(s) sent.")
