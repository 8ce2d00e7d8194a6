from typing import Any

from django.core.management.base import BaseCommand

from ansinh.ops.retention import purge


class Command(BaseCommand):
    help = "Delete data past its retention period (docs/security.md); run daily, e.g. from cron."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in purge().items():
            self.stdout.write(f"{name}: {count}")
