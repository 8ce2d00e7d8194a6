"""Idle task workers are woken when a task is queued (ansinh/ops/wakeup.py), not at their next
poll: a real ``ansinh worker`` process polling every 10 s picks a task up within a second on
PostgreSQL (``LISTEN``/``NOTIFY``), still polls when no notification comes, and delivers a real
recovery's OTP email to an SMTP server promptly. In ``ansinh run``'s shape (worker and
enqueuer in one process) the wakeup is in-process, on any database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client, override_settings
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from ansinh.conftest import Api
from ansinh.notifications.tests.smtp_server import smtp_server
from ansinh.ops.wakeup import CHANNEL, Wakeup, wake_on_enqueue
from ansinh.ops.worker import make_worker
from ansinh.recovery.tests.helpers import CITIZEN_EMAIL, start

__all__ = ["smtp_server"]
ROOT = Path(__file__).resolve().parents[3]
DB_TASKS = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
LONG_POLL = 10.0  # seconds: a pick-up much sooner than this was a wakeup, not a poll
pytestmark = [pytest.mark.django_db(transaction=True)]


@task()
def noop(label: str) -> str:
    """A task any worker can import and run (it is in this module)."""
    return label


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY and a worker process need PostgreSQL (make test-services)")


def _worker_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ansinh.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "WORKER_THREADS": "2",
        "TASK_WORKER_INTERVAL": f"{LONG_POLL:g}",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _sessions(query: str) -> int:
    """Other sessions on the test database whose last statement is like ``query``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND query LIKE %s",
            [query],
        )
        return int(cursor.fetchone()[0])


def _listeners() -> int:
    return _sessions(f"LISTEN {CHANNEL}")


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``ansinh worker`` (2 threads, a 10 s poll unless ``env`` says otherwise) and wait
    until it is ready: listening, when it listens, and its threads past their first poll."""
    _needs_postgresql()
    processes: list[subprocess.Popen[bytes]] = []

    def started(**env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "ansinh", "worker"],
            cwd=ROOT,
            env=_worker_env(**env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        listens = env.get("TASK_WAKEUP") != "0"
        # Ready: both threads have a connection (and have polled once), and the listener.
        while (listens and _listeners() == 0) or _sessions("%") - _listeners() < 2:
            assert process.poll() is None, "the worker process died"
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.1)
        time.sleep(1.0)  # its threads wait
        return process

    yield started
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _picked_up_after(result_id: str, timeout: float) -> float:
    """Seconds from queued to started, once the worker has run the task."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = DBTaskResult.objects.get(id=result_id)
        if row.status == "SUCCESSFUL":
            assert row.started_at is not None
            return (row.started_at - row.enqueued_at).total_seconds()
        time.sleep(0.02)
    raise AssertionError(f"task not run within {timeout} s")


@pytest.mark.services
@DB_TASKS
def test_a_queued_task_wakes_an_idle_worker_process_long_before_its_poll(start_worker):
    start_worker()
    for label in ("first", "second"):  # woken twice: the listener keeps listening
        result = noop.enqueue(label)
        assert _picked_up_after(result.id, timeout=LONG_POLL / 2) < 1.0


@pytest.mark.services
@DB_TASKS
def test_the_listening_connection_can_go_elsewhere_than_the_pooled_ones(start_worker):
    """``TASK_WAKEUP_DATABASE_URL``: PostgreSQL itself, when the others go through PgBouncer
    in transaction mode (here: the same server under another URL spelling)."""
    db = connection.settings_dict
    start_worker(
        TASK_WAKEUP_DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}?application_name=ansinh-listener"
    )
    assert _sessions(f"LISTEN {CHANNEL}") == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = 'ansinh-listener'"
        )
        assert cursor.fetchall() == [(f"LISTEN {CHANNEL}",)]
    assert _picked_up_after(noop.enqueue("elsewhere").id, timeout=LONG_POLL / 2) < 1.0


@pytest.mark.services
@DB_TASKS
def test_a_burst_of_tasks_runs_each_once_on_several_woken_threads(start_worker):
    start_worker()
    results = [noop.enqueue(f"burst-{i}") for i in range(20)]
    for result in results:
        _picked_up_after(result.id, timeout=LONG_POLL / 2)
    rows = DBTaskResult.objects.filter(id__in=[r.id for r in results])
    assert all(row.status == "SUCCESSFUL" and len(row.worker_ids) == 1 for row in rows)
    assert len({row.worker_ids[0] for row in rows}) == 2  # both threads took a share


@pytest.mark.services
@DB_TASKS
def test_without_a_notification_the_worker_still_polls(start_worker):
    start_worker(TASK_WORKER_INTERVAL="1")
    with connection.cursor() as cursor:  # this session's rows fire no trigger: no NOTIFY
        cursor.execute("SET session_replication_role = replica")
        try:
            result = noop.enqueue("unannounced")
        finally:
            cursor.execute("RESET session_replication_role")
    assert _picked_up_after(result.id, timeout=10) < 3.0


@pytest.mark.services
@DB_TASKS
def test_with_the_wakeup_off_the_worker_polls_and_does_not_listen(start_worker):
    start_worker(TASK_WAKEUP="0", TASK_WORKER_INTERVAL="1")
    assert _listeners() == 0
    assert _picked_up_after(noop.enqueue("polled").id, timeout=10) < 3.0


@pytest.mark.services
@pytest.mark.smtp
@DB_TASKS
def test_a_recovery_code_reaches_the_smtp_server_promptly(citizen, smtp_server, start_worker):
    start_worker(SMTP_HOST=smtp_server.host, SMTP_PORT=str(smtp_server.port))
    assert start(Api(Client())).status_code == 202
    answered = time.monotonic()
    while not smtp_server.messages and time.monotonic() - answered < LONG_POLL:
        time.sleep(0.02)
    elapsed = time.monotonic() - answered
    [message] = smtp_server.messages
    assert message.to == [CITIZEN_EMAIL]
    # The task that issues and sends the code was picked up long before a poll would have (a
    # first email on a loaded machine spends seconds in the worker's imports and SMTP).
    tasks = DBTaskResult.objects.all()
    assert tasks
    for row in tasks:
        assert row.started_at is not None
        assert (row.started_at - row.enqueued_at).total_seconds() < 1.0, row.task_path
    assert elapsed < LONG_POLL / 2


@DB_TASKS
def test_in_one_process_a_queued_task_wakes_the_worker_thread():
    """``ansinh run``: the web threads and the worker thread share the process (and, embedded,
    a SQLite file): the commit that queues a task wakes the worker."""
    if connection.vendor != "postgresql":
        # The suite's SQLite database is an in-memory shared cache, where a second connection
        # fails at once with "database schema is locked" instead of waiting (a file in WAL
        # mode, as `ansinh run` uses, waits): the same code is tested on PostgreSQL.
        pytest.skip("two connections to the in-memory test database lock each other out")
    wakeup = Wakeup()
    disconnect = wake_on_enqueue(wakeup)
    worker = make_worker(wakeup=wakeup, interval=LONG_POLL)

    def run() -> None:
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # the worker has polled once and waits
        result = noop.enqueue("in-process")
        assert _picked_up_after(result.id, timeout=LONG_POLL / 2) < 1.0
    finally:
        worker.stop()
        disconnect()
        thread.join(timeout=10)
    assert not thread.is_alive()
