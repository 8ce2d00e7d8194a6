"""The real web servers, as subprocesses on a loopback port (issue 11 d and i).

* Slow clients: connections that send nothing, or only part of their headers or body, must not
  keep ``ansinh serve`` or ``ansinh run`` from answering a legitimate request. Each test opens 150
  such connections (more than ``ansinh run``'s old limit of 100 and far more than ``ansinh
  serve``'s old 2 × 2 threads) and then makes one ordinary request, with a generous socket timeout
  as the failure condition: no assertion on speed (the latency under 500 connections is measured
  by ``bench/slowclients.py``).
* A ``sqlite://`` DATABASE_URL gets the SQLite settings of the embedded default, so parallel
  writes wait for the lock instead of answering 503.

The servers get a clean environment (a temporary SQLite file, their own static, media and
metrics directories), whatever profile the suite itself runs on.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HOST = "127.0.0.1"
SLOW_CONNECTIONS = 150
# A legitimate request that gets no answer within this long counts as refused service.
ANSWER_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _environment(directory: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(directory)),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "ansinh.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SQLITE_PATH": str(directory / "ansinh.sqlite3"),
        "STATIC_ROOT": str(directory / "static"),
        "MEDIA_ROOT": str(directory / "media"),
        "CARD_KEYS_FILE": str(directory / "card-keys.json"),
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "prometheus"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _get(port: int, path: str, *, timeout: float = ANSWER_TIMEOUT) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextlib.contextmanager
def _server(command: list[str], env: dict[str, str], log: Path) -> Iterator[int]:
    """``python -m ansinh COMMAND --port P`` until it answers ``/healthz``; stopped (by its pid)
    at the end."""
    port = _free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "ansinh", *command, "--host", HOST, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{command[0]} exited:\n{log.read_text(errors='replace')[-3000:]}")
                with contextlib.suppress(OSError):
                    if _get(port, "/healthz", timeout=5) == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"{command[0]} did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def _slow_connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that never finish a request: a third send nothing, a third part of
    their headers, a third complete headers announcing a body of which they send one byte."""
    held: list[socket.socket] = []
    try:
        for index in range(count):
            sock = socket.create_connection((HOST, port), timeout=10)
            held.append(sock)
            if index % 3 == 1:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
            elif index % 3 == 2:
                sock.sendall(
                    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                )
        yield held
    finally:
        for sock in held:
            sock.close()


@pytest.fixture(scope="module")
def run_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``ansinh run`` (migrations, demo data, waitress and the task worker) on a SQLite file
    named by a ``sqlite://`` DATABASE_URL."""
    directory = tmp_path_factory.mktemp("ansinh-run")
    env = _environment(directory, DATABASE_URL=f"sqlite:///{directory / 'by-url.sqlite3'}")
    with _server(["run"], env, directory / "run.log") as port:
        yield port


@pytest.fixture(scope="module")
def serve_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``ansinh serve`` with its defaults (2 processes × 2 threads) on a migrated SQLite file."""
    directory = tmp_path_factory.mktemp("ansinh-serve")
    env = _environment(directory)
    migrate = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "ansinh", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr.decode(errors="replace")
    with _server(["serve"], env, directory / "serve.log") as port:
        yield port


# --- d. Slow clients ----------------------------------------------------------------------------


def test_run_answers_a_request_while_150_slow_connections_are_open(run_server: int) -> None:
    with _slow_connections(run_server, SLOW_CONNECTIONS):
        assert _get(run_server, "/healthz") == 200
        assert _get(run_server, "/readyz") == 200


def test_serve_answers_a_request_while_150_slow_connections_are_open(serve_server: int) -> None:
    with _slow_connections(serve_server, SLOW_CONNECTIONS):
        assert _get(serve_server, "/healthz") == 200
        assert _get(serve_server, "/readyz") == 200


# --- i. SQLite named by a URL -------------------------------------------------------------------

PROBE = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES))"


def _databases(env: dict[str, str]) -> dict[str, dict[str, object]]:
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", f"import django; django.setup(); {PROBE}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_sqlite_database_url_gets_the_embedded_sqlite_options(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    embedded = _databases(env)["default"]
    by_url = _databases({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}"})[
        "default"
    ]

    assert by_url["ENGINE"] == embedded["ENGINE"] == "django.db.backends.sqlite3"
    assert by_url["NAME"] == str(tmp_path / "other.sqlite3")
    assert by_url["OPTIONS"] == embedded["OPTIONS"]
    assert embedded["OPTIONS"] == {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def _post(port: int, path: str, payload: dict[str, str]) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request(
            "POST", path, body=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else {}
    finally:
        conn.close()


def test_parallel_token_refreshes_on_a_sqlite_database_url_answer_no_503(run_server: int) -> None:
    """30 refreshes at once on the SQLite file named by the URL (each reads its token, then
    revokes it and writes a new pair in one transaction): every one is answered 200, none 503
    (before the fix most were: deferred transactions that read, then write, fail at once with
    "database is locked" when another one writes)."""
    credentials = {"username": "0123456789", "password": "An-Sinh-Demo-2026"}
    refresh_tokens = []
    for _ in range(30):
        status, tokens = _post(run_server, "/api/v1/auth/login", credentials)
        assert status == 200, tokens
        refresh_tokens.append(str(tokens["refresh_token"]))

    def refresh(token: str) -> int:
        return _post(run_server, "/api/v1/auth/refresh", {"refresh_token": token})[0]

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(refresh, refresh_tokens))

    assert [s for s in statuses if s >= 500] == [], statuses
    assert statuses == [200] * 30, statuses
