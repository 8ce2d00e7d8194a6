"""CPU time of the web process per app login (without the argon2id verification) and per warm
35-year history read, measured in-process: Django's WSGI application called directly, one
request at a time, CPU time of the calling thread (issue 16).

    .venv/bin/python bench/request_cpu.py [--requests N] [--repeat R] [--database NAME]
        [--redis-db N] [--code DIR]

``--code DIR`` measures the ``ansinh`` package found in DIR instead of this checkout's (for
example ``git archive <commit> ansinh | tar -x -C DIR``: the code before a change), on the same
database, so a before and an after can alternate minutes apart.

``make bench`` measures the whole installation on shared cores; on a busy machine its wall and
per-core rates move with everything else that runs. This measures only what the code of one
request costs the web process (no HTTP server, no client, no other process), so two versions of
the code can be compared on the same machine even while it is busy: run it on each, or
alternate. The argon2id verification's own CPU time is measured (argon2-cffi's
``verify_secret``, wrapped) and subtracted; the number of SQL statements per request is counted.

Uses ``harness.ProductionStack`` (PostgreSQL database, Redis db; production profile) for the
database and the environment, ``bench/login.py``'s accounts and ``bench/history.py``'s history.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def inner(requests: int, repeat: int) -> None:
    """In the child process (the stack's environment): measure and print."""
    import django

    import ansinh

    print(f"code: {Path(ansinh.__file__).parent}", flush=True)
    django.setup()
    import argon2._password_hasher as hasher_module
    import history
    import login
    from django.db import connection

    from ansinh.wsgi import application

    hash_cpu = [0.0]
    verify = hasher_module.verify_secret

    def timed_verify(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return verify(*args, **kwargs)
        finally:
            hash_cpu[0] += time.thread_time() - started

    hasher_module.verify_secret = timed_verify  # type: ignore[assignment]
    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(count)

    def call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)), **headers,
        }  # fmt: skip
        status: list[str] = []
        data = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        return status[0], data

    def logins(n: int) -> tuple[float, float, float]:
        cpu0, hash0, count0 = time.thread_time(), hash_cpu[0], statements[0]
        for i in range(n):
            body = {"username": str(login.FIRST_CODE + i % 50), "password": login.PASSWORD,
                    "device_name": "bench"}  # fmt: skip
            status, answer = call("POST", "/api/v1/auth/login", json.dumps(body).encode(),
                                  CONTENT_TYPE="application/json")  # fmt: skip
            if not status.startswith("200"):
                raise SystemExit(f"login: {status} {answer[:200]!r}")
        hashed = hash_cpu[0] - hash0
        other = time.thread_time() - cpu0 - hashed
        return 1000 * other / n, 1000 * hashed / n, (statements[0] - count0) / n

    body = {"username": history.USERNAME, "password": history.PASSWORD}
    _, answer = call("POST", "/api/v1/auth/login", json.dumps(body).encode(),
                     CONTENT_TYPE="application/json")  # fmt: skip
    bearer = "Bearer " + json.loads(answer)["access_token"]

    def reads(n: int) -> tuple[float, float]:
        cpu0, count0 = time.thread_time(), statements[0]
        for _ in range(n):
            status, answer = call("GET", "/api/v1/me/participation", HTTP_AUTHORIZATION=bearer)
            if not status.startswith("200") or not answer.startswith(b'{"schemes"'):
                raise SystemExit(f"history: {status} {answer[:200]!r}")
        return 1000 * (time.thread_time() - cpu0) / n, (statements[0] - count0) / n

    logins(20)
    reads(100)  # warm-up: the snapshot, the precompiled SQL
    for rep in range(repeat):
        other, hashed, per_login = logins(max(1, requests // 10))
        read, per_read = reads(requests)
        print(f"rep {rep + 1}: login {other:.2f} ms web CPU besides {hashed:.1f} ms of argon2id, "
              f"{per_login:.0f} statements; history read {read:.3f} ms web CPU "
              f"({1000 / read:,.0f}/s per core), {per_read:.0f} statements", flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="history reads per rep")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="ansinh_bench_cpu")
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--code", type=Path, help="a directory holding another `ansinh` package")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args.requests, args.repeat)
        return 0
    import harness
    import history
    import login

    harness.stop_on_signals()
    with harness.ProductionStack(
        name="request_cpu", database=args.database, redis_db=args.redis_db,
        extra_env={"LOGIN_IP_RATE": "1000000/h"},
    ) as stack:  # fmt: skip
        stack.ansinh("migrate", "--no-input", "--verbosity", "0")
        login.setup_users(stack, 50)
        stack.ansinh("shell", "--command", history.SETUP)
        env = {**stack.env, "DJANGO_SETTINGS_MODULE": "ansinh.settings"}
        if args.code:
            env["PYTHONPATH"] = str(args.code.resolve())
        command = [sys.executable, __file__, "--inner", "--requests", str(args.requests),
                   "--repeat", str(args.repeat)]  # fmt: skip
        # The request log lines go to a file, as in production (they cost the web process).
        log = stack.log_dir / "request_cpu.log"
        with log.open("wb") as stderr:
            done = subprocess.run(  # noqa: S603 - this script, fixed arguments
                command, env=env, cwd=harness.REPO, check=False, stderr=stderr
            )
        if done.returncode:
            print(f"failed; see {log}")
    print(f"load average: {os.getloadavg()}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
