from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ansinh.ops.worker import run_workers


class Command(BaseCommand):
    help = (
        "Run the task worker (email delivery and other background tasks): WORKER_THREADS "
        "worker loops in one process. Run several processes for more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=None)

    def handle(self, *args: Any, threads: int | None, **options: Any) -> None:
        run_workers(threads or settings.WORKER_THREADS)
