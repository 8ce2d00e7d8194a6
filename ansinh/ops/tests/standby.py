"""A real PostgreSQL streaming standby of the test run's primary (issue 16, docs/scaling.md).

``standby`` (session-scoped) copies the primary's cluster with ``pg_basebackup -R`` (which
writes ``standby.signal`` and ``primary_conninfo``) into a temporary data directory, starts it
with ``pg_ctl`` on a free loopback port as the ``postgres`` OS user, points the ``replica``
database alias of tests_settings.py at it and waits until it has replayed the primary's WAL (the
test database included). It is stopped and its directory removed at the end of the session.

Only when DATABASE_URL is a PostgreSQL on this machine; skipped on the embedded SQLite pass.
The primary must accept replication connections from 127.0.0.1: if its pg_hba.conf has no
``replication`` line, this adds ``host replication all 127.0.0.1/32 trust`` and reloads it
(CI machines run the tests as root beside the database).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connections

BIN = Path(os.environ.get("ANSINH_PG_BIN", "/usr/lib/postgresql/15/bin"))
HBA_LINE = "host replication all 127.0.0.1/32 trust"
# Hot standby refuses to start with less of these than its primary.
_AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Standby:
    """The standby process: its port, and what the tests do to it."""

    def __init__(self, primary: dict[str, Any], directory: Path, port: int) -> None:
        self.primary = primary
        self.directory = directory
        self.port = port

    def _conninfo(self, port: int) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": port,
            "user": self.primary["USER"] or "postgres",
            "password": self.primary["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
            "connect_timeout": 5,
        }

    def sql(self, query: str, *, primary: bool = False) -> Any:
        port = int(self.primary["PORT"] or 5432) if primary else self.port
        with psycopg.connect(**self._conninfo(port)) as conn:
            return conn.execute(query).fetchone()

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.directory), *args]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        self.pg_ctl("-l", str(self.directory / "standby.log"), "-w", "-t", "60", "start")
        self.wait_caught_up()

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def pause(self) -> None:
        self.sql("SELECT pg_wal_replay_pause()")
        # Paused for real (it finishes the record it is replaying first).
        for _ in range(100):
            if self.sql("SELECT pg_get_wal_replay_pause_state()")[0] == "paused":
                return
            time.sleep(0.02)

    def resume(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()")
        self.wait_caught_up()

    def wait_caught_up(self, timeout: float = 60) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = self.sql("SELECT pg_current_wal_lsn()::text", primary=True)[0]
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]:
                    return
            except psycopg.OperationalError:
                pass  # still starting
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not replay up to {target}")
            time.sleep(0.05)


def _allow_replication(primary: Standby) -> None:
    """Add the replication line to the primary's pg_hba.conf if it has none, and reload."""
    rules = primary.sql(
        "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
        "AND error IS NULL",
        primary=True,
    )[0]
    if rules:
        return
    hba = Path(primary.sql("SHOW hba_file", primary=True)[0])
    with hba.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # other test runs on this machine may do the same
        handle.seek(0)
        if HBA_LINE not in handle.read():
            handle.write(f"\n# Added by An Sinh's test run (streaming standby tests)\n{HBA_LINE}\n")
    primary.sql("SELECT pg_reload_conf()", primary=True)


def _why_not(primary: dict[str, Any]) -> str | None:
    if primary["ENGINE"] != "django.db.backends.postgresql":
        return "a streaming standby needs DATABASE_URL on PostgreSQL"
    if (primary["HOST"] or "127.0.0.1") not in {"127.0.0.1", "localhost"}:
        return "the primary is not on this machine"
    if not (BIN / "pg_basebackup").exists():
        return f"no PostgreSQL server binaries in {BIN}"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "starting a PostgreSQL server needs root or the postgres user"
    return None


@pytest.fixture(scope="session")
def standby(django_db_setup: None) -> Iterator[Standby]:
    primary = connections["default"].settings_dict
    reason = _why_not(primary)
    if reason is not None or "replica" not in connections:
        pytest.skip(reason or "tests_settings.py defines no replica")
    directory = Path(tempfile.mkdtemp(prefix="ansinh-standby-"))
    shutil.chown(directory, "postgres", "postgres")
    node = Standby(primary, directory, _free_port())
    try:
        _allow_replication(node)
        subprocess.run(  # noqa: S603 - fixed arguments
            _as_postgres(
                [
                    str(BIN / "pg_basebackup"),
                    *("-h", "127.0.0.1", "-p", str(primary["PORT"] or 5432)),
                    *("-U", primary["USER"] or "postgres", "-D", str(directory)),
                    *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=600,
        )
        floors = {name: node.sql(f"SHOW {name}", primary=True)[0] for name in _AT_LEAST_PRIMARY}
        settings_lines = [
            f"port = {node.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{directory}'",
            "hot_standby = on",
            "shared_buffers = '32MB'",
            "fsync = off",
            "hot_standby_feedback = on",
            *(f"{name} = {value}" for name, value in floors.items()),
        ]
        # Debian keeps the cluster's configuration in /etc: the copy gets its own.
        (directory / "postgresql.conf").write_text("\n".join(settings_lines) + "\n")
        (directory / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        for name in ("postgresql.conf", "pg_hba.conf"):
            shutil.chown(directory / name, "postgres", "postgres")
        node.start()
    except BaseException:
        log = directory / "standby.log"
        if log.exists():
            print(log.read_text()[-4000:])  # noqa: T201 - the reason, in the test output
        shutil.rmtree(directory, ignore_errors=True)
        raise
    alias = connections.settings["replica"]
    alias["HOST"], alias["PORT"] = "127.0.0.1", str(node.port)
    try:
        yield node
    finally:
        connections["replica"].close()
        try:
            node.pg_ctl("-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass  # already stopped
        # The copy of the whole cluster: removed in the background (it can take seconds).
        subprocess.Popen(["rm", "-rf", "--", str(directory)], start_new_session=True)  # noqa: S603, S607
