"""The task worker loop shared by ``ansinh run`` (in a thread) and ``ansinh worker``."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from ansinh.notifications.tasks import requeue_stale
from ansinh.ops.retention import purge
from ansinh.recovery.services import requeue_unissued

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
    """Every ``every`` seconds, run again what a lost task or a dead worker left undone
    (stuck tasks, codes never issued, emails never delivered); once a day, purge what is past
    its retention (``ansinh.ops.retention``)."""

    def loop() -> None:
        next_purge = time.monotonic() + every
        while not stop.wait(every):
            try:
                requeue_stuck_tasks()
                requeue_unissued()
                requeued = requeue_stale()
                if requeued:
                    logger.info("requeued %d emails", requeued)
                if time.monotonic() >= next_purge:
                    logger.info("retention purge: %s", purge())
                    next_purge = time.monotonic() + 24 * 3600
            except Exception:
                logger.exception("sweeper failed; will retry")
            finally:
                close_old_connections()

    thread = threading.Thread(target=loop, name="ansinh-sweeper", daemon=True)
    thread.start()
    return thread


def run_workers(threads: int) -> None:
    """Run ``threads`` worker loops in this process until SIGINT/SIGTERM, then let each
    finish its current task. Tasks here mostly wait on the database and the SMTP relay, so
    threads overlap those waits (django-tasks-db claims each task with ``SKIP LOCKED``: no
    task runs twice)."""
    workers = [make_worker() for _ in range(max(1, threads))]
    stop = threading.Event()

    def shutdown(signum: int, frame: object) -> None:
        logger.warning("received %s: finishing current tasks", signal.strsignal(signum))
        for worker in workers:
            worker.running = False
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, shutdown)
    start_sweeper(stop)
    loops = [
        threading.Thread(target=_loop, args=(worker,), name=f"ansinh-worker-{i}", daemon=True)
        for i, worker in enumerate(workers)
    ]
    for loop in loops:
        loop.start()
    while any(loop.is_alive() for loop in loops):
        for loop in loops:
            loop.join(timeout=0.5)
    stop.set()


def _loop(worker: Worker) -> None:
    try:
        worker.run()
    except Exception:
        logger.exception("worker loop %s stopped", worker.worker_id)
    finally:
        connections.close_all()


def requeue_stuck_tasks() -> int:
    """Put back in the queue the tasks whose worker died while running them (still "RUNNING"
    after ``TASK_STUCK_SECONDS``). Every task of An Sinh is safe to run again: it checks the
    state it would change (the outbox claims each email once; a code is issued once per
    request or resend)."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(seconds=settings.TASK_STUCK_SECONDS)
    stuck = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff)
    count = stuck.update(status="READY", started_at=None)
    if count:
        logger.warning("requeued %d tasks whose worker stopped mid-task", count)
    return count
