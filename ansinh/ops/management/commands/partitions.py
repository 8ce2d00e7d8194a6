from typing import Any

from django.core.management.base import BaseCommand

from ansinh.ops.partitions import ensure_partitions


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL partitions ahead (month rows through next year + 1, the audit "
        "and data-access logs 3 months ahead) and move rows parked in a default partition into "
        "their own; safe to run again, run daily (docs/scaling.md). Nothing to do on SQLite."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_partitions()
        if not created:
            self.stdout.write("not PostgreSQL: no partitions")
        for table, names in created.items():
            self.stdout.write(
                f"{table}: {len(names)} created{': ' if names else ''}{', '.join(names)}"
            )
