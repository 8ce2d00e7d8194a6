"""The task worker loop shared by ``ansinh run`` (in a thread) and ``ansinh worker``."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from ansinh.notifications.tasks import requeue_stale

logger = logging.getLogger(__name__)


def make_worker(*, interval: float | None = None) -> Worker:
    """A django-tasks-db worker for every queue; an idle one polls every ``interval`` seconds
    (default: the ``TASK_WORKER_INTERVAL`` setting)."""
    return Worker(
        queue_names=["*"],
        interval=settings.TASK_WORKER_INTERVAL if interval is None else interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


def start_sweeper(stop: threading.Event, *, every: float = 60.0) -> threading.Thread:
    """Every ``every`` seconds, re-enqueue emails whose delivery task was lost."""

    def loop() -> None:
        while not stop.wait(every):
            try:
                requeued = requeue_stale()
                if requeued:
                    logger.info("requeued %d emails", requeued)
            except Exception:
                logger.exception("email sweeper failed; will retry")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="ansinh-sweeper", daemon=True)
    thread.start()
    return thread
