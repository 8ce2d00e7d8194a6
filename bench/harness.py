"""Shared machinery for the benchmarks in ``bench/`` (DESIGN §8): a throwaway An Sinh
installation in the production profile, the machine it runs on, and the small statistics and
Markdown helpers every benchmark report uses.

A benchmark does roughly this::

    with ProductionStack(name="login", extra_env={...}) as stack:
        stack.setup(synthetic=1000)  # migrate + `ansinh demo --allow-production --synthetic 1000`
        stack.serve(threads=8)       # `ansinh serve`, waits until it answers
        stack.worker()               # `ansinh worker` (as many as wanted)
        ...drive stack.base_url, read stack.smtp.accepted, query stack.connect()...
    # every process is stopped, also on Ctrl-C, SIGTERM or an exception

Each stack owns a PostgreSQL database (dropped and re-created on entry), a Redis database
number (flushed on entry), an SMTP server in this process (``SmtpSink``: it records when each
message is accepted) and the web and worker processes it started. It never touches the
checkout's own data (``var/ansinh.sqlite3``) nor the test databases; process logs go to
``var/bench/<name>-<timestamp>/``.

Run the benchmarks with the checkout's virtualenv (``.venv/bin/python bench/<name>.py``): they
import Django, psycopg, redis and aiosmtpd from it and start ``.venv/bin/ansinh``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import http.client
import math
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from aiosmtpd.controller import Controller
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
ANSINH = REPO / ".venv" / "bin" / "ansinh"
RESULTS = REPO / "bench" / "results"
LOGS = REPO / "var" / "bench"
LOOPBACK = "127.0.0.1"

# The services of the development machine (README, "make test"); override per benchmark.
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
DEFAULT_DATABASE = "ansinh_bench"
DEFAULT_REDIS_DB = 15  # the tests use 0

# Only these variables of the caller's environment reach the An Sinh processes, so that a
# stray DATABASE_URL, DEBUG or SMTP_USER in the shell cannot change what is measured.
INHERITED_ENV = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TZ",
    "DB_SERVER_SIDE_BINDING",
    "DB_PREPARE_THRESHOLD",
)


class BenchError(RuntimeError):
    """The benchmark could not run as intended (a service missing, a process died, …)."""


# --- Processes and ports ------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def stop_on_signals() -> None:
    """Make SIGINT (Ctrl-C) and SIGTERM raise ``KeyboardInterrupt`` so that ``with`` blocks
    clean up, even where the caller started us with SIGINT ignored (a background job)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.strsignal(signum))

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


@dataclass
class Process:
    """A long-running An Sinh process (``serve``, ``worker``) started by a stack."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    _log_file: IO[bytes]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise BenchError(
                f"{self.name} (pid {self.pid}) exited with {self.popen.returncode}; "
                f"see {self.log}:\n{tail(self.log)}"
            )

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux ``/proc``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        """Resident memory right now (Linux ``/proc``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def children(self) -> list[int]:
        """The pids of this process's children right now (gunicorn's worker processes)."""
        found = []
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in (task / "children").read_text().split()]
        return found

    def tree_cpu_seconds(self) -> float:
        """CPU time of this process and of its live children (``cpu_seconds`` only counts the
        children once they have exited and been waited for)."""
        return self.cpu_seconds() + sum(_cpu_seconds(pid) for pid in self.children())

    def children_rss_bytes(self) -> list[int]:
        """Resident memory of each child right now (per gunicorn worker)."""
        return [_rss_bytes(pid) for pid in self.children()]

    def stop(self, *, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; only this process, by its pid."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log_file.close()


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone in the meantime
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_cpu_seconds(command: str) -> float:
    """CPU time so far of every process named ``command`` (``postgres``, ``redis-server``) on
    this machine, with their exited children's (``cutime``/``cstime``: a PostgreSQL backend
    that ended is counted in its postmaster). The difference over a round is what the
    services did for it (nothing else runs on a benchmark machine)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            _pid, _, rest = (entry / "stat").read_text().partition(" (")
            name, _, fields = rest.rpartition(") ")
        except OSError:  # gone in the meantime
            continue
        if name == command:
            values = fields.split()
            total += sum(int(v) for v in values[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _rss_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- SMTP sink ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """One message the sink accepted at DATA: when (both clocks of this process) and for whom."""

    recipients: tuple[str, ...]
    monotonic: float
    wall: float
    content: bytes


class _LoopbackController(Controller):
    def _trigger_server(self) -> None:
        # Bound to port 0: learn the port the OS picked before the readiness probe uses it.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """An SMTP server on loopback (aiosmtpd, in a thread of this process) that accepts every
    message and records the moment it accepted it. Acceptance is the SMTP server's "250" to
    DATA: the moment a real relay takes responsibility for the message."""

    def __init__(self) -> None:
        self.accepted: list[Accepted] = []
        self._changed = threading.Condition()
        self._controller = _LoopbackController(self, hostname=LOOPBACK, port=0)

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    # aiosmtpd handler hook, on the server's thread, right before it answers 250.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        now_monotonic, now_wall = time.monotonic(), time.time()
        message = Accepted(
            recipients=tuple(envelope.rcpt_tos),
            monotonic=now_monotonic,
            wall=now_wall,
            content=envelope.original_content or envelope.content,
        )
        with self._changed:
            self.accepted.append(message)
            self._changed.notify_all()
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, list[Accepted]]:
        with self._changed:
            found: dict[str, list[Accepted]] = {}
            for message in self.accepted:
                for recipient in message.recipients:
                    found.setdefault(recipient, []).append(message)
            return found

    def wait_for(self, recipients: set[str], *, timeout: float) -> dict[str, Accepted]:
        """Wait until every recipient got a message (or ``timeout`` seconds passed); return the
        first message of each recipient that got one."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                got = {r for m in self.accepted for r in m.recipients if r in recipients}
                left = deadline - time.monotonic()
                if got >= recipients or left <= 0:
                    break
                self._changed.wait(min(left, 0.5))
        return {
            recipient: messages[0]
            for recipient, messages in self.by_recipient().items()
            if recipient in recipients
        }


# --- The production stack -----------------------------------------------------------------------


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class ProductionStack:
    """A throwaway An Sinh installation in the production profile (DESIGN §7) on this machine's
    PostgreSQL and Redis, with its own SMTP sink; a context manager that always cleans up.

    ``extra_env`` adds or overrides settings (docs/operations.md), e.g. rate limits that a
    single-address load generator would otherwise hit; say so in the benchmark's report.
    """

    def __init__(
        self,
        *,
        name: str,
        postgres: str = DEFAULT_POSTGRES,
        database: str = DEFAULT_DATABASE,
        redis_url: str = DEFAULT_REDIS,
        redis_db: int = DEFAULT_REDIS_DB,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.postgres_admin = postgres
        self.database = database
        self.database_url = _with_path(postgres, f"/{database}")
        self.redis_url = _with_path(redis_url, f"/{redis_db}")
        self.smtp = SmtpSink()
        self.extra_env = dict(extra_env or {})
        self.processes: list[Process] = []
        self.log_dir = LOGS / f"{name}-{dt.datetime.now().astimezone():%Y%m%d-%H%M%S}"
        self.base_url = ""
        self.env: dict[str, str] = {}

    # -- lifecycle --

    def __enter__(self) -> Self:
        if not ANSINH.exists():
            raise BenchError(f"{ANSINH} is missing: run `make run` or any make target first")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._reset_database()
        try:
            redis.Redis.from_url(self.redis_url).flushdb()
        except redis.RedisError as exc:
            raise BenchError(f"Redis at {self.redis_url} is not usable: {exc}") from exc
        self.smtp.start()
        try:
            self.env = self._environment()
        except BaseException:
            self.smtp.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop every process this stack started (newest first) and the SMTP sink."""
        while self.processes:
            self.processes.pop().stop()
        self.smtp.stop()

    def _reset_database(self) -> None:
        try:
            with psycopg.connect(self.postgres_admin, autocommit=True) as conn:
                name = sql.Identifier(self.database)
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        except psycopg.OperationalError as exc:
            raise BenchError(
                f"PostgreSQL at {self.postgres_admin} is not reachable: {exc}"
            ) from exc

    def _environment(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in INHERITED_ENV if key in os.environ}
        env.update(
            ANSINH_PROFILE="production",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SMTP_HOST=self.smtp.host,
            SMTP_PORT=str(self.smtp.port),
            SECRET_KEY=secrets.token_urlsafe(50),
            SITE_URL="http://127.0.0.1:8000",  # only used in the links of emails
            WEBAUTHN_RP_ID="localhost",  # passkeys (required in production)
            WEBAUTHN_ORIGINS="http://localhost:8000",
            ALLOWED_HOSTS=LOOPBACK,
            SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback; a proxy terminates TLS in production
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    # -- commands and processes --

    def ansinh(self, *args: str, timeout: float = 600) -> str:
        """Run ``ansinh ARGS`` to completion with the stack's environment; return its output."""
        log = self.log_dir / f"{args[0]}.log"
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [str(ANSINH), *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = (result.stdout + result.stderr).decode(errors="replace")
        with log.open("a") as file:
            file.write(f"$ ansinh {' '.join(args)}  ({time.monotonic() - started:.1f} s)\n")
            file.write(output)
        if result.returncode:
            raise BenchError(f"ansinh {' '.join(args)} failed ({result.returncode}):\n{output}")
        return output

    def setup(self, *, synthetic: int) -> None:
        """Create the schema and load the demo data with ``synthetic`` synthetic persons (its
        public demo passwords are harmless on this throw-away database)."""
        self.ansinh("migrate", "--no-input", "--verbosity", "0")
        self.ansinh("demo", "--allow-production", "--synthetic", str(synthetic))

    def setting(self, name: str) -> str:
        """The value of a Django setting as the stack's processes see it."""
        code = f"from django.conf import settings; print(settings.{name})"
        return self.ansinh("shell", "--command", code).strip().splitlines()[-1]

    def start(self, name: str, *args: str, extra_env: Mapping[str, str] | None = None) -> Process:
        """Start ``ansinh ARGS`` in the background (its own session, so a Ctrl-C in the terminal
        reaches only the benchmark, which then stops it)."""
        log = self.log_dir / f"{name}.log"
        log_file = log.open("ab")
        popen = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [str(ANSINH), *args],
            env={**self.env, **(extra_env or {})},
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name=name, popen=popen, log=log, _log_file=log_file)
        self.processes.append(process)
        return process

    def serve(
        self,
        *,
        threads: int = 8,
        ready_timeout: float = 60,
        extra_env: Mapping[str, str] | None = None,
    ) -> Process:
        """``ansinh serve`` on a free port with ``WEB_CONCURRENCY=threads`` (gunicorn: that many
        worker processes; ``extra_env`` overrides it, e.g. ``GUNICORN_THREADS``); returns once
        it answers HTTP. Sets ``base_url``."""
        port = free_port()
        process = self.start(
            "serve",
            "serve",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            extra_env={"WEB_CONCURRENCY": str(threads), **(extra_env or {})},
        )
        self.base_url = f"http://{LOOPBACK}:{port}"
        deadline = time.monotonic() + ready_timeout
        while True:
            process.check_alive()
            try:
                status, _ = http_request("GET", self.base_url + "/api/v1/openapi.json", timeout=5)
                if status == 200:
                    return process
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"ansinh serve did not answer within {ready_timeout} s")
            time.sleep(0.1)

    def worker(self, *, extra_env: Mapping[str, str] | None = None) -> Process:
        """One more ``ansinh worker`` (task worker + email sweeper)."""
        index = sum(1 for p in self.processes if p.name.startswith("worker"))
        return self.start(f"worker-{index + 1}", "worker", extra_env=extra_env)

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()

    def connect(self) -> psycopg.Connection[Any]:
        """A psycopg connection to the stack's database (autocommit)."""
        return psycopg.connect(self.database_url, autocommit=True)

    def versions(self) -> list[tuple[str, str]]:
        """The versions of the services the stack runs on."""
        with self.connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        info = redis.Redis.from_url(self.redis_url).info("server")
        return [
            ("PostgreSQL", str(row[0]) if row else "?"),
            ("Redis", str(info.get("redis_version", "?"))),
        ]


# --- HTTP -----------------------------------------------------------------------------------------


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    """One request on a fresh connection (like one phone of many); returns status and body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or LOOPBACK, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path or "/", body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- Machine --------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return " / ".join(f"{x:.2f}" for x in load)


def machine() -> list[tuple[str, str]]:
    """What the numbers were measured on (the caller adds ``ProductionStack.versions`` and the
    load average at the end)."""
    import django

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("date", dt.datetime.now().astimezone().isoformat(timespec="seconds")),
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores ({usable} usable)"),
        ("RAM", _memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("load average at start (1, 5, 15 min)", load_average()),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
    ]


# --- Statistics -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks (the
    default of NumPy and of ``statistics.quantiles(method="inclusive")``)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Spread:
    """One figure over the repetitions of a benchmark."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(min(values), percentile(values, 50), max(values))


# --- Reports --------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Report:
    """A benchmark's Markdown report, written to ``bench/results/<name>.md``."""

    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)

    def add(self, heading: str, text: str) -> None:
        self.sections.append((heading, text.strip()))

    def section(self, heading: str) -> str:
        return next(text for name, text in self.sections if name.startswith(heading))

    def render(self) -> str:
        parts = [f"# {self.title}"]
        parts += [f"## {heading}\n\n{text}" if heading else text for heading, text in self.sections]
        return "\n\n".join(parts) + "\n"

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".md.tmp")
        temporary.write_text(self.render())
        temporary.replace(path)
        return path


def command_line() -> str:
    """How this benchmark was started, relative to the checkout."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(REPO))
    except ValueError:
        shown = str(script)
    return " ".join([".venv/bin/python", shown, *sys.argv[1:]])


@contextlib.contextmanager
def step(what: str) -> Iterator[None]:
    """Print what the benchmark is doing and, when done, how long it took."""
    print(f"- {what} …", flush=True)
    started = time.monotonic()
    yield
    print(f"  done in {time.monotonic() - started:.1f} s", flush=True)


def run_clients(client: Callable[[], None], count: int) -> float:
    """Run ``client`` on ``count`` threads at once (one load-generator connection each); return
    the wall-clock seconds until the last one finished."""
    threads = [threading.Thread(target=client) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def run_main(script: str, main: Callable[[], int]) -> None:
    """Exit with ``main()``'s status; a ``BenchError`` or Ctrl-C ends the run with a one-line
    message (every process a stack started has been stopped by then)."""
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"{script}: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{script}: interrupted; every process it started was stopped.", file=sys.stderr)
        sys.exit(130)
