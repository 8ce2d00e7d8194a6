"""Slow clients against both web servers (issue 11 d): while hundreds of idle or trickling
(slowloris) connections are open, do legitimate requests still answer within 1 s?

    .venv/bin/python bench/slowclients.py [--targets serve,run] [--connections 500]
        [--seconds 20] [--database NAME] [--redis-db N] [--output FILE]

For each target it starts a throw-away server on loopback:

* ``serve``: ``ansinh serve`` in the production profile (``harness.ProductionStack``:
  PostgreSQL database ``--database``, dropped and re-created; Redis db ``--redis-db``, flushed);
* ``run``: ``ansinh run`` in the embedded profile (SQLite in a temporary directory, its
  migrations, the demo data, the worker thread).

Then, per target:

1. **Baseline:** legitimate requests alone for ``--baseline-seconds``.
2. **Attack:** ``--connections`` connections from one asyncio loop in a thread of this process,
   a third each of: *idle* (connect, send nothing), *trickling headers* (a request line, then one
   header byte every ``--interval`` seconds, never the blank line) and *trickling body* (complete
   headers of a ``POST`` announcing a 1 MB body, then one body byte every ``--interval``
   seconds). A connection the server closes is opened again, so the count stays up (a real
   slowloris does the same). Once all are open, legitimate requests run for ``--seconds``.
3. The legitimate client: one request at a time on a fresh connection, in turn ``GET /healthz``
   (the process answers), ``GET /readyz`` (database and cache) and ``GET /dang-nhap/`` (the
   portal's login page, a template), each with a socket timeout of ``--timeout`` seconds; a
   timeout or a refused connection counts as a failure.

It reports, per target and phase, the number of requests, failures, p50 / p99 / max latency on
the client's clock and the share answered within 1 s; and how many attack connections were open
and how often the server closed one. Goal (issue 11 d): every legitimate request answered within
1 s while the connections are open. Everything runs on loopback with bounded counts and time;
every process it starts is stopped at the end (also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ANSINH,
    INHERITED_ENV,
    LOGS,
    LOOPBACK,
    REPO,
    RESULTS,
    BenchError,
    ProductionStack,
    Report,
    command_line,
    free_port,
    load_average,
    machine,
    markdown_table,
    percentile,
    run_main,
    step,
    stop_on_signals,
    tail,
)

PATHS = ("/healthz", "/readyz", "/dang-nhap/")
GOAL_SECONDS = 1.0


# --- The attackers ----------------------------------------------------------------------------


@dataclass
class AttackStats:
    wanted: int
    open: int = 0
    opened: int = 0
    closed_by_server: int = 0
    connect_errors: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


class SlowClients:
    """``count`` slow connections to ``host:port`` held open by one asyncio loop in a thread."""

    KINDS = ("idle", "headers", "body")

    def __init__(self, host: str, port: int, *, count: int, interval: float) -> None:
        self.host, self.port, self.interval = host, port, interval
        self.stats = AttackStats(wanted=count)
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)
        self._ready = threading.Event()

    def start(self, *, ready_timeout: float = 60) -> None:
        self._thread.start()
        deadline = time.monotonic() + ready_timeout
        while self.stats.open < self.stats.wanted and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        tasks = []
        for index in range(self.stats.wanted):
            kind = self.KINDS[index % len(self.KINDS)]
            self.stats.kinds[kind] = self.stats.kinds.get(kind, 0) + 1
            tasks.append(asyncio.create_task(self._client(kind)))
            if index % 50 == 49:
                await asyncio.sleep(0.05)  # open them in bursts, not all in one instant
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _client(self, kind: str) -> None:
        assert self._stop is not None
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.stats.connect_errors += 1
                await asyncio.sleep(self.interval)
                continue
            self.stats.open += 1
            self.stats.opened += 1
            try:
                await self._trickle(kind, reader, writer)
                self.stats.closed_by_server += 1
            except (ConnectionError, OSError):
                self.stats.closed_by_server += 1
            finally:
                self.stats.open -= 1
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def _trickle(
        self, kind: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Hold the connection as ``kind`` does until the server closes it (returns) or the
        attack ends (cancelled)."""
        host = f"Host: {self.host}:{self.port}\r\n"
        if kind == "headers":
            writer.write(f"GET /healthz HTTP/1.1\r\n{host}".encode())
            drip = b"X-Slow: " + b"a" * 100_000
        elif kind == "body":
            writer.write(
                (
                    f"POST /api/v1/auth/login HTTP/1.1\r\n{host}"
                    "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
                ).encode()
            )
            drip = b" " * 1_000_000
        else:
            drip = b""
        for byte in range(len(drip) or 10**9):
            if drip:
                writer.write(drip[byte : byte + 1])
                await writer.drain()
            try:
                # Anything from the server (an error answer) or EOF ends this connection.
                data = await asyncio.wait_for(reader.read(4096), timeout=self.interval)
            except TimeoutError:
                continue
            del data
            return


# --- The legitimate client ---------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies) + sum(self.failures.values())

    def row(self) -> list[object]:
        answered = self.latencies
        within = sum(1 for x in answered if x <= GOAL_SECONDS)
        fails = ", ".join(f"{k} × {v}" for k, v in sorted(self.failures.items())) or "0"
        if not answered:
            return [self.name, self.count, fails, "–", "–", "–", "0 %"]
        return [
            self.name,
            self.count,
            fails,
            f"{percentile(answered, 50) * 1000:.1f}",
            f"{percentile(answered, 99) * 1000:.1f}",
            f"{max(answered) * 1000:.0f}",
            f"{100 * within / self.count:.1f} %",
        ]

    def met(self) -> bool:
        return not self.failures and all(x <= GOAL_SECONDS for x in self.latencies)


def legitimate(
    host: str, port: int, phase: Phase, *, seconds: float, timeout: float, pause: float
) -> None:
    deadline = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < deadline:
        path = PATHS[turn % len(PATHS)]
        turn += 1
        started = time.perf_counter()
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": f"{host}:{port}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                phase.failures[f"HTTP {response.status}"] = (
                    phase.failures.get(f"HTTP {response.status}", 0) + 1
                )
            else:
                phase.latencies.append(time.perf_counter() - started)
        except TimeoutError:
            phase.failures["timeout"] = phase.failures.get("timeout", 0) + 1
        except OSError as exc:
            name = type(exc).__name__
            phase.failures[name] = phase.failures.get(name, 0) + 1
        finally:
            conn.close()
        time.sleep(pause)


# --- The servers ------------------------------------------------------------------------------


def wait_until_answers(
    process: subprocess.Popen[bytes], port: int, log: Path, limit: float
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited with {process.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise BenchError(f"the server did not answer within {limit} s:\n{tail(log)}")


@contextlib.contextmanager
def serve_target(args: argparse.Namespace) -> Iterator[tuple[int, str]]:
    with ProductionStack(
        name="slowclients-serve", database=args.database, redis_db=args.redis_db
    ) as stack:
        stack.ansinh("migrate", "--no-input", "--verbosity", "0")
        stack.ansinh("collectstatic", "--no-input", "--verbosity", "0")  # the login page's CSS
        process = stack.serve(threads=args.web_workers)
        workers = stack.setting("WEB_CONCURRENCY")
        yield (
            int(stack.base_url.rsplit(":", 1)[1]),
            (
                f"`ansinh serve`, production profile, WEB_CONCURRENCY={workers} "
                f"(log: {process.log.relative_to(REPO)})"
            ),
        )


@contextlib.contextmanager
def run_target(args: argparse.Namespace) -> Iterator[tuple[int, str]]:
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"slowclients-run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with tempfile.TemporaryDirectory(prefix="ansinh-slowclients-") as directory:
        env = {key: os.environ[key] for key in INHERITED_ENV if key in os.environ}
        env.update(
            SQLITE_PATH=str(Path(directory) / "ansinh.sqlite3"),
            MEDIA_ROOT=str(Path(directory) / "media"),
            CARD_KEYS_FILE=str(Path(directory) / "card-keys.json"),
            SECRET_KEY=secrets.token_urlsafe(50),
            PYTHONUNBUFFERED="1",
        )
        with log.open("ab") as log_file:
            process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                [str(ANSINH), "run", "--host", LOOPBACK, "--port", str(port)],
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_answers(process, port, log, 300)
                yield port, f"`ansinh run`, embedded profile (log: {log.relative_to(REPO)})"
            finally:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


TARGETS = {"serve": serve_target, "run": run_target}


def measure(args: argparse.Namespace, target: str) -> tuple[str, list[Phase], AttackStats, bool]:
    with TARGETS[target](args) as (port, description):
        baseline = Phase("alone")
        with step(f"{target}: legitimate requests alone, {args.baseline_seconds} s"):
            legitimate(
                LOOPBACK,
                port,
                baseline,
                seconds=args.baseline_seconds,
                timeout=args.timeout,
                pause=args.pause,
            )
        attack = SlowClients(LOOPBACK, port, count=args.connections, interval=args.interval)
        under = Phase(f"with {args.connections} slow connections")
        with step(f"{target}: {args.connections} slow connections + legitimate requests"):
            attack.start()
            try:
                legitimate(
                    LOOPBACK,
                    port,
                    under,
                    seconds=args.seconds,
                    timeout=args.timeout,
                    pause=args.pause,
                )
            finally:
                opened_at_end = attack.stats.open
                attack.stop()
        attack.stats.open = opened_at_end
        return description, [baseline, under], attack.stats, under.met()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="serve,run")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between bytes")
    parser.add_argument("--timeout", type=float, default=10.0, help="legitimate socket timeout")
    parser.add_argument("--pause", type=float, default=0.05, help="between legitimate requests")
    parser.add_argument("--web-workers", type=int, default=2, help="WEB_CONCURRENCY of serve")
    parser.add_argument("--database", default="ansinh_bench")
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--output", type=Path, default=RESULTS / "slowclients.md")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if unknown := set(targets) - set(TARGETS):
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if not 0 < args.connections <= 5000 or not 0 < args.seconds <= 600:
        parser.error("--connections must be 1–5000 and --seconds 1–600 (bounded by design)")
    stop_on_signals()
    # This process holds every attack connection: make room for them.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.connections)), hard))

    started = time.monotonic()
    info = machine()
    report = Report("Slow clients against `ansinh serve` and `ansinh run` (issue 11 d)")
    verdicts = []
    for target in targets:
        description, phases, stats, met = measure(args, target)
        verdicts.append((target, met))
        kinds = ", ".join(f"{v} {k}" for k, v in stats.kinds.items())
        report.add(
            f"{target}",
            f"{description}\n\n"
            + markdown_table(
                [
                    "phase",
                    "requests",
                    "failures",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "answered ≤ 1 s",
                ],
                [phase.row() for phase in phases],
            )
            + f"\n\nSlow connections: {stats.wanted} wanted ({kinds}); open at the end of the "
            f"measurement: {stats.open}; opened in all: {stats.opened}; closed by the server: "
            f"{stats.closed_by_server}; connection errors: {stats.connect_errors}.\n\n"
            f"Goal (every legitimate request answered within 1 s): "
            f"**{'met' if met else 'NOT met'}**.",
        )
    summary = "; ".join(f"{t}: {'met' if m else 'NOT met'}" for t, m in verdicts)
    report.sections.insert(
        0,
        (
            "",
            f"`{command_line()}` — {time.monotonic() - started:.0f} s. {summary}.\n\n"
            f"{args.connections} slow connections (a third idle, a third trickling headers, a "
            f"third trickling a body; one byte every {args.interval} s; re-opened when the "
            f"server closes one) and meanwhile one legitimate client, one request at a time on "
            f"a fresh connection ({', '.join(PATHS)} in turn, {args.pause} s apart, socket "
            f"timeout {args.timeout} s) for {args.seconds} s; before that the same client "
            f"alone for {args.baseline_seconds} s. Latency on the client's clock; everything "
            "on loopback, client and servers on the same cores.",
        ),
    )
    report.add(
        "Machine",
        markdown_table(["", ""], [*info, ("load average at end (1, 5, 15 min)", load_average())]),
    )
    path = report.write(args.output)
    print(f"{summary}\nwrote {path}")
    return 0 if all(m for _, m in verdicts) else 1


if __name__ == "__main__":
    run_main("slowclients.py", main)
