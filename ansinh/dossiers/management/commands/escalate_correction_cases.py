from typing import Any

from django.core.management.base import BaseCommand

from ansinh.dossiers.cases import escalate_overdue
from ansinh.lib.actor import Actor


class Command(BaseCommand):
    help = (
        "Send to the office every correction case whose unit did not answer within "
        "CORRECTION_CASE_UNIT_WORKING_DAYS working days (the person is told). Run it daily "
        "(cron or systemd timer); running it twice is harmless."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue(actor=Actor.system())
        self.stdout.write(f"{count} correction case(s) sent to the office.")
