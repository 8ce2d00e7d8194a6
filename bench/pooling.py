"""PgBouncer in transaction mode in front of the benchmark's PostgreSQL (issue 16, "Pooling").

``bench/run.py`` runs the login and history parts a second time with ``ansinh serve`` behind
a PgBouncer it starts here: a generated configuration on a free loopback port, transaction
pooling, no authentication of its own (``auth_type = any``: every client logs in to
PostgreSQL as the admin URL's user, as the direct stack does). The production profile's
settings behind a transaction pooler (docs/operations.md): ``DB_DISABLE_SERVER_SIDE_CURSORS=1``
(a named cursor must not outlive the transaction PgBouncer pins to a server connection) and
``DB_CONN_MAX_AGE`` as given (persistent client connections to PgBouncer hold no server
connection between transactions).

The binary is the Debian package's (``apt-get install -y pgbouncer``); without it the part is
skipped with a line in the results. PgBouncer refuses to run as root: as root it is started
with ``-u`` as the ``postgres`` (or ``nobody``) user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit, urlunsplit

from harness import LOOPBACK, BenchError, free_port

# Client connections PgBouncer accepts, and server connections per database and user: the web
# workers' threads and the task workers share them (2 cores: a few server connections suffice).
POOL_SIZE = 8
MAX_CLIENTS = 500


def binary() -> str | None:
    """The pgbouncer executable, or None when it is not installed."""
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
    )


class PgBouncer:
    """A throw-away PgBouncer (transaction mode) for PostgreSQL at ``postgres`` (admin URL);
    ``url(database)`` is the URL to give An Sinh. A context manager that always stops it."""

    def __init__(self, postgres: str, log: Path, *, pool_size: int = POOL_SIZE) -> None:
        found = binary()
        if found is None:
            raise BenchError("pgbouncer is not installed (apt-get install -y pgbouncer)")
        self.binary = found
        self.server = urlsplit(postgres)
        self.pool_size = pool_size
        self.log = log
        self.port = 0
        self.popen: subprocess.Popen[bytes] | None = None
        self.directory: tempfile.TemporaryDirectory[str] | None = None

    def url(self, database: str) -> str:
        user = self.server.username or "postgres"
        return urlunsplit(("postgresql", f"{user}@{LOOPBACK}:{self.port}", f"/{database}", "", ""))

    def _config(self) -> str:
        user = self.server.username or "postgres"
        host = self.server.hostname or LOOPBACK
        port = self.server.port or 5432
        return "\n".join(
            [
                "[databases]",
                f"* = host={host} port={port} user={user}",
                "[pgbouncer]",
                f"listen_addr = {LOOPBACK}",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                "auth_type = any",
                "pool_mode = transaction",
                f"default_pool_size = {self.pool_size}",
                f"max_client_conn = {MAX_CLIENTS}",
                # psycopg sends none of these, but a client that does must not be refused.
                "ignore_startup_parameters = extra_float_digits,options",
                "server_reset_query =",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        )

    def __enter__(self) -> Self:
        self.port = free_port()
        self.directory = tempfile.TemporaryDirectory(prefix="bench-pgbouncer-")
        config = Path(self.directory.name) / "pgbouncer.ini"
        config.write_text(self._config())
        command = [self.binary]
        if os.geteuid() == 0:  # PgBouncer refuses root: switch to an unprivileged user
            user = next(u for u in ("postgres", "nobody") if _user_exists(u))
            os.chmod(self.directory.name, 0o755)  # noqa: S103 - a config without secrets
            config.chmod(0o644)
            command += ["-u", user]
        command.append(str(config))
        log_file = self.log.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - the packaged binary, our own config
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        deadline = time.monotonic() + 10
        while True:
            if self.popen.poll() is not None:
                raise BenchError(f"pgbouncer exited ({self.popen.returncode}): see {self.log}")
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"pgbouncer did not listen within 10 s: see {self.log}"
                    ) from None
                time.sleep(0.05)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.directory is not None:
            self.directory.cleanup()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def version() -> str:
    """``pgbouncer --version``'s first line's number, or ``?``."""
    found = binary()
    if found is None:
        return "?"
    done = subprocess.run(  # noqa: S603 - the packaged binary
        [found, "--version"], capture_output=True, text=True, check=False
    )
    words = (done.stdout.splitlines() or ["?"])[0].split()
    return words[-1] if words else "?"
