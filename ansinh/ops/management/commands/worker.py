import threading
from typing import Any

from django.core.management.base import BaseCommand

from ansinh.ops.worker import make_worker, start_sweeper


class Command(BaseCommand):
    help = "Run the task worker (email delivery and other background tasks)."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        start_sweeper(stop)
        worker = make_worker()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
