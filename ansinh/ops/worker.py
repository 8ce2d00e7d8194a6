"""The task worker loop shared by ``ansinh run`` (in a thread) and ``ansinh worker``."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from ansinh.notifications.tasks import requeue_stale
from ansinh.ops.retention import purge
from ansinh.ops.wakeup import Wakeup, listens, start_listener, wake_on_enqueue
from ansinh.recovery.services import requeue_unissued

logger = logging.getLogger(__name__)


class WakingWorker(Worker):
    """django-tasks-db's worker loop, but an idle one waits on ``wakeup`` (a task was queued:
    ansinh/ops/wakeup.py) for at most ``interval`` seconds instead of sleeping that long; the
    poll is the fallback. Claiming and running a task are django-tasks-db's."""

    def __init__(self, *, wakeup: Wakeup, **options: Any) -> None:
        super().__init__(**options)
        self.wakeup = wakeup

    def run(self) -> None:
        logger.info("starting worker %s", self.worker_id)
        while self.running:
            close_old_connections()
            mark = self.wakeup.mark()
            task_result = self.claim()
            if task_result is not None:
                # There may be more: one more idle thread looks (a burst fans out).
                self.wakeup.notify()
                self.run_task(task_result)
            close_old_connections()
            if self.running and task_result is None:
                self.wakeup.wait(mark, self.interval)

    def claim(self) -> DBTaskResult | None:
        """The next ready task, claimed for this worker (``SELECT … FOR UPDATE SKIP LOCKED``
        on PostgreSQL: two workers never claim the same task), or None."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
            except OperationalError as exc:  # SQLite busy: the next round will see
                if is_locked_database_exception(exc):
                    return None
                raise
            if task_result is not None:
                task_result.claim(self.worker_id)
            return task_result

    def stop(self) -> None:
        """Finish the current task, if any, then return from :meth:`run`."""
        self.running = False
        self.wakeup.notify_all()


def start_wakeup(stop: threading.Event) -> Wakeup:
    """This process's :class:`Wakeup`: woken by PostgreSQL's ``NOTIFY`` (a listening thread
    until ``stop``), or else by the tasks this process queues."""
    wakeup = Wakeup()
    if listens():
        start_listener(wakeup, stop)
    else:
        wake_on_enqueue(wakeup)
    return wakeup


def make_worker(*, wakeup: Wakeup, interval: float | None = None) -> WakingWorker:
    """A worker for every queue, woken by ``wakeup``; an idle one polls every ``interval``
    seconds all the same (default: the ``TASK_WORKER_INTERVAL`` setting)."""
    return WakingWorker(
        wakeup=wakeup,
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
    task runs twice); an idle thread waits for a task to be queued (ansinh/ops/wakeup.py)."""
    stop = threading.Event()
    wakeup = start_wakeup(stop)
    workers = [make_worker(wakeup=wakeup) for _ in range(max(1, threads))]

    def shutdown(signum: int, frame: object) -> None:
        logger.warning("received %s: finishing current tasks", signal.strsignal(signum))
        for worker in workers:
            worker.stop()
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


def _loop(worker: WakingWorker) -> None:
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
    cutoff = timezone.now() - dt.timedelta(seconds=settings.TASK_STUCK_SECONDS)
    stuck = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff)
    count = stuck.update(status="READY", started_at=None)
    if count:
        logger.warning("requeued %d tasks whose worker stopped mid-task", count)
    return count
