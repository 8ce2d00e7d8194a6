"""Waking idle task workers when a task is queued, instead of waiting for their next poll
(issue 16: most of an OTP email's wait was the worker's polling interval).

- On PostgreSQL a trigger (migration ``ops.0001``) sends ``NOTIFY ansinh_tasks`` for every task
  row that becomes ready, in the transaction that queues it: PostgreSQL delivers it at commit,
  never for a task rolled back. Each ``ansinh worker`` process has one listening connection
  (:func:`start_listener`) that turns each notification into one :meth:`Wakeup.notify`.
- Elsewhere (the embedded SQLite of ``ansinh run``, where the web server and the worker share a
  process) :func:`wake_on_enqueue` wakes the process's own worker after the enqueuing commit.

The polling interval (``TASK_WORKER_INTERVAL``) stays as the fallback: a notification lost
while a listener reconnects, a task whose ``run_after`` has just passed (email retries), a
connection pooler that does not forward notifications.

No stampede: a notification wakes one idle thread per process (each claims with
``SELECT … FOR UPDATE SKIP LOCKED``, so of the processes' threads one gets the task and the
others go back to waiting), and a thread that claimed a task wakes one more idle thread of its
process before running it, so a burst, or notifications PostgreSQL folded into one (same
transaction, same payload), fans out one thread at a time and stops at the first thread that
finds the queue empty.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "ansinh_tasks"
# Seconds between attempts to (re)open the listening connection after an error.
RECONNECT_SECONDS = 2.0
# The listener checks its stop event at least this often.
LISTEN_SLICE_SECONDS = 1.0


class Wakeup:
    """What idle worker threads of one process wait on. A thread takes :meth:`mark` before it
    looks at the queue and then :meth:`wait`\\ s with it: a notification that came in between
    is not missed (the wait returns at once)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._count = 0

    def mark(self) -> int:
        with self._condition:
            return self._count

    def notify(self, threads: int = 1) -> None:
        """Wake ``threads`` idle threads (those waiting now; one that is about to wait with
        an older mark returns at once)."""
        with self._condition:
            self._count += 1
            self._condition.notify(threads)

    def notify_all(self) -> None:
        with self._condition:
            self._count += 1
            self._condition.notify_all()

    def wait(self, mark: int, timeout: float) -> bool:
        """Wait until a notification after ``mark`` or ``timeout`` seconds; True if woken."""
        with self._condition:
            return self._condition.wait_for(lambda: self._count != mark, timeout)


def listens(alias: str = "default") -> bool:
    """Whether workers on this database are woken by ``NOTIFY`` (PostgreSQL, ``TASK_WAKEUP``)."""
    return settings.TASK_WAKEUP and connections[alias].vendor == "postgresql"


def start_listener(
    wakeup: Wakeup, stop: threading.Event, alias: str = "default"
) -> threading.Thread:
    """A thread that ``LISTEN``\\ s on its own connection to ``alias`` and wakes one idle
    thread per notification until ``stop`` is set; it reconnects after an error and then
    wakes every thread (notifications sent meanwhile are lost)."""

    def loop() -> None:
        while not stop.is_set():
            raw: Any = None
            try:
                raw = _connect(alias)
                raw.execute(f"LISTEN {CHANNEL}")
                wakeup.notify_all()
                while not stop.is_set():
                    for _ in raw.notifies(timeout=LISTEN_SLICE_SECONDS):
                        wakeup.notify()
            except Exception:
                logger.exception("task wakeup listener failed; polling until it reconnects")
                stop.wait(RECONNECT_SECONDS)
            finally:
                if raw is not None:
                    raw.close()

    thread = threading.Thread(target=loop, name="ansinh-task-listener", daemon=True)
    thread.start()
    return thread


def _connect(alias: str) -> Any:
    """A new autocommit psycopg connection for ``LISTEN``: to ``TASK_WAKEUP_DATABASE_URL`` when
    set (PostgreSQL itself, when the application's connections go through a pooler in
    transaction mode, which does not forward notifications), else as ``alias`` connects."""
    if settings.TASK_WAKEUP_DATABASE_URL:
        import psycopg

        return psycopg.connect(settings.TASK_WAKEUP_DATABASE_URL, autocommit=True)
    wrapper = connections.create_connection(alias)
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    raw.autocommit = True
    return raw


def wake_on_enqueue(wakeup: Wakeup) -> Callable[[], None]:
    """Wake ``wakeup`` after the commit of every task this process queues (for a worker in the
    same process as the code that queues, as in ``ansinh run``); returns what undoes it."""
    from django_tasks_db.compat import task_enqueued

    def enqueued(sender: object, **kwargs: object) -> None:
        transaction.on_commit(wakeup.notify)

    uid = f"ansinh-wakeup-{id(wakeup)}"
    task_enqueued.connect(enqueued, weak=False, dispatch_uid=uid)

    def disconnect() -> None:
        task_enqueued.disconnect(dispatch_uid=uid)

    return disconnect
