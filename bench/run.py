"""``make bench``: every figure of DESIGN §8 in one run, written to ``bench/RESULTS.md``.

1. Report ingest vs a ``COPY`` of the rows it wrote into the same tables (and, as context, a
   raw ``COPY`` into one bare table): ``bench/contributions.py ingest`` (in-process, its own
   database ``<database>_ingest``), before anything else runs.
2. One production stack (``harness.ProductionStack``): PostgreSQL database ``<database>``, Redis
   db ``--redis-db``, an SMTP sink in this process, ``ansinh serve`` with ``--web-workers``
   gunicorn workers and one ``ansinh worker``; registry = ``ansinh demo --synthetic N`` (the
   recoverable persons), the login accounts (``bench/login.py``) and the 35-year history
   (``bench/history.py``). This process is the load generator: its client threads talk HTTP
   to the web server's processes (and the SMTP sink runs on one of its threads).
3. On that stack, in order: logins alternating with raw argon2id verification (same hash, as
   many hashing processes as web workers), authenticated history reads, password recovery
   under load (``bench/recovery.py``), then the RSS of each web worker.

Every figure is repeated ``--repeat`` times and reported as min / median / max. Client, server,
PostgreSQL and Redis share the machine's cores: per-core rates divide by the CPU time the web
workers used (``/proc``), wall rates by the elapsed time.

    .venv/bin/python bench/run.py [--quick] [--repeat R] [--database NAME] [--redis-db N]
        [--only login,history,ingest,recovery] [--output FILE]

The part of ``--output`` below the line ``<!-- notes -->`` (what was profiled and changed, by
hand) is kept; everything above it is rewritten.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import harness
import history
import login
import pooling
import recovery
from harness import BenchError, ProductionStack, Spread, markdown_table, percentile, step

NOTES_MARKER = "<!-- notes -->"
PY_SPY = harness.REPO / ".venv" / "bin" / "py-spy"
UNLIMITED = "1000000/h"
PARTS = ("ingest", "login", "history", "recovery", "pooling")
# Goals of issue 16 (DESIGN §8 raised).
LOGIN_GOAL = 0.90  # logins/s ÷ raw argon2id verifies/s, same cores
HISTORY_PER_CORE_GOAL = 850  # requests/s per core of web CPU
HISTORY_P99_GOAL_MS = 20


@dataclass
class Figure:
    """One line of the summary: values over the repetitions, a goal and whether it is met."""

    name: str
    values: list[float]
    fmt: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def cells(self) -> list[str]:
        spread = Spread.of(self.values) if self.values else None
        shown = (
            [self.fmt.format(v) for v in (spread.low, spread.median, spread.high)]
            if spread
            else ["–"] * 3
        )
        verdict = "" if self.met is None else ("met" if self.met else "**NOT met**")
        return [self.name, *shown, self.goal, f"{verdict} ({self.note})" if self.note else verdict]


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    machine: list[tuple[str, str]] = field(default_factory=list)


# --- (c) Ingest ---------------------------------------------------------------------------------

INGEST_REP = re.compile(
    r"^rep \d+: COPY ([\d.]+) s, same-table COPY ([\d.]+) s, ingest ([\d.]+) s$", re.MULTILINE
)


def run_ingest(args: argparse.Namespace, results: Results) -> None:
    command = [
        sys.executable,
        str(harness.REPO / "bench" / "contributions.py"),
        "ingest",
        "--database",
        f"{args.database}_ingest",
        "--lines",
        str(args.ingest_lines),
        "--repeat",
        str(args.repeat),
    ]
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own script
        command, cwd=harness.REPO, capture_output=True, text=True, check=False
    )
    reps = [(float(c), float(s), float(i)) for c, s, i in INGEST_REP.findall(done.stdout)]
    name = f"report ingest ÷ COPY of its rows into the same tables ({args.ingest_lines:,} lines)"
    if done.returncode or not reps:
        # Reported, not fatal: the other figures still get measured.
        error = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        print(f"  bench/contributions.py ingest failed: {error}", flush=True)
        results.figures.append(Figure(name, [], "{:.1%}", "≥ 50 %", False, f"failed: {error}"))
        return
    ratios = [same / ingest for _, same, ingest in reps]
    results.figures += [
        Figure(name, ratios, "{:.1%}", "≥ 50 %", statistics.median(ratios) >= 0.5),
        Figure(
            f"report ingest ÷ raw COPY into one bare table ({args.ingest_lines:,} lines, context)",
            [copy / ingest for copy, _, ingest in reps],
            "{:.1%}",
        ),
    ]
    section = done.stdout.split("### ", 1)[-1].split("\nMachine:", 1)[0]
    results.sections.append(
        (
            "Report ingest",
            f"`{' '.join(Path(c).name if c.startswith('/') else c for c in command)}` "
            f"({time.monotonic() - started:.0f} s in all; in-process, no web server)\n\n"
            f"#### {section.strip()}",
        )
    )


# --- (e) Pooling ------------------------------------------------------------------------------


POOLED = " — via PgBouncer (transaction mode)"


def run_pooled(args: argparse.Namespace, stack: ProductionStack, web: harness.Process,
               users: list[str], encoded: str, results: Results,
               serve_env: dict[str, str]) -> None:  # fmt: skip
    """The login and history parts again, ``ansinh serve`` restarted behind PgBouncer in
    transaction mode (``bench/pooling.py``); figures beside the direct ones, without goals."""
    if pooling.binary() is None:
        line = (
            "skipped: pgbouncer is not installed (`apt-get install -y pgbouncer`, bench/README.md)"
        )
        print(f"  PgBouncer {line}", flush=True)
        results.figures.append(Figure("PgBouncer (transaction mode)", [], "", "", None, line))
        return
    figures, sections = len(results.figures), len(results.sections)
    with (
        step("PgBouncer (transaction mode): restart ansinh serve behind it"),
        pooling.PgBouncer(args.postgres, stack.log_dir / "pgbouncer.log") as bouncer,
    ):
        web.stop()
        stack.processes.remove(web)
        env = {
            **serve_env,
            "DATABASE_URL": bouncer.url(args.database),
            "DB_DISABLE_SERVER_SIDE_CURSORS": "1",
            # PgBouncer 1.18 (Debian 12) does not carry prepared statements across the server
            # connections of transaction mode (1.21 does, with max_prepared_statements).
            "DB_PREPARE_THRESHOLD": "off",
            "DB_CONN_MAX_AGE": str(args.pool_conn_max_age),
        }
        pooled = stack.serve(threads=args.web_workers, extra_env=env)
        parts: list[tuple[str, str, Callable[[], None]]] = [
            ("login", f"login vs raw argon2id via PgBouncer ({2 * args.repeat + 1} × "
             f"{args.login_seconds:g} s)",
             lambda: run_login(args, stack, pooled, users, encoded, results)),
            ("history", f"history reads via PgBouncer ({args.repeat} × {args.history_requests:,})",
             lambda: run_history(args, stack, pooled, results)),
        ]  # fmt: skip
        for part, what, run in parts:
            if part in args.parts:
                with step(what), profiled(args.profile, f"{part}-pgbouncer", stack, pooled):
                    run()
        stack.check_alive()
        pooled.stop()
        stack.processes.remove(pooled)
    for figure in results.figures[figures:]:
        figure.name += POOLED
        figure.goal, figure.met = "", None
    results.sections[sections:] = [
        (title + POOLED, f"PgBouncer {pooling.version()} on a loopback port, `pool_mode = "
         f"transaction`, `default_pool_size = {pooling.POOL_SIZE}`; `ansinh serve` restarted with "
         f"`DATABASE_URL` pointing at it, `DB_DISABLE_SERVER_SIDE_CURSORS=1`, "
         f"`DB_CONN_MAX_AGE={args.pool_conn_max_age}` (the task workers stay direct).\n\n" + text)
        for title, text in results.sections[sections:]
    ]  # fmt: skip


# --- (a) Login ----------------------------------------------------------------------------------


def run_login(args: argparse.Namespace, stack: ProductionStack, web: harness.Process,
              users: list[str], encoded: str, results: Results) -> None:  # fmt: skip
    rows = []
    wall_ratios, cpu_ratios = [], []
    login.login_load(stack.base_url, users, concurrency=args.login_concurrency, seconds=1)
    # raw, login, raw, login, …, raw: each login round is compared with the mean of the raw
    # rounds just before and after it, so a machine that gets busier or quieter during the run
    # (other work on it) moves both sides of the ratio alike.
    raws = [login.raw_verify(encoded, processes=args.web_workers, seconds=args.login_seconds)]
    cores = len(os.sched_getaffinity(0))
    fair_ratios, client_ms = [], []
    # CPU ms per login of each party: web (hash included), PostgreSQL, Redis, client; and of
    # one raw verify. Where the cores' time goes besides the hash, measured.
    spent: dict[str, list[float]] = {"web": [], "postgres": [], "redis": [], "hash": []}
    for rep in range(args.repeat):
        cpu0, client0 = web.tree_cpu_seconds(), time.process_time()
        pg0, redis0 = (
            harness.service_cpu_seconds("postgres"),
            harness.service_cpu_seconds("redis-server"),
        )
        round_ = login.login_load(
            stack.base_url, users, concurrency=args.login_concurrency, seconds=args.login_seconds
        )
        cpu = web.tree_cpu_seconds() - cpu0
        spent["postgres"].append(
            1000 * (harness.service_cpu_seconds("postgres") - pg0) / round_.count
        )
        spent["redis"].append(
            1000 * (harness.service_cpu_seconds("redis-server") - redis0) / round_.count
        )
        spent["web"].append(1000 * cpu / round_.count)
        # The load client (this process's threads) runs on the same cores; the raw rounds have
        # no client. Its measured CPU share of the round is taken out of the cores the raw rate
        # is scaled to: what the same cores hash when they do nothing else *but serve that client*.
        client = time.process_time() - client0
        client_ms.append(1000 * client / round_.count)
        client_share = min(client / round_.wall, cores - 0.01)
        raws.append(
            login.raw_verify(encoded, processes=args.web_workers, seconds=args.login_seconds)
        )
        raw = login.RawRate(
            per_second=(raws[-2].per_second + raws[-1].per_second) / 2,
            per_cpu_second=(raws[-2].per_cpu_second + raws[-1].per_cpu_second) / 2,
        )
        per_cpu = round_.count / cpu
        spent["hash"].append(1000 / raw.per_cpu_second)
        wall_ratios.append(round_.per_second / raw.per_second)
        fair_ratios.append(wall_ratios[-1] * cores / (cores - client_share))
        cpu_ratios.append(per_cpu / raw.per_cpu_second)
        rows.append((raw, round_, per_cpu))
        print(
            f"  rep {rep + 1}: raw {raw.per_second:.1f}/s ({raw.per_cpu_second:.1f}/CPU-s), "
            f"login {round_.per_second:.1f}/s ({per_cpu:.1f}/CPU-s): "
            f"{wall_ratios[-1]:.0%} wall, {fair_ratios[-1]:.0%} wall without the client's "
            f"CPU ({client_ms[-1]:.1f} ms per login), {cpu_ratios[-1]:.0%} per CPU",
            flush=True,
        )
    median_fair = statistics.median(fair_ratios)
    results.figures += [
        Figure("login rate ÷ raw argon2id verify rate (wall, same cores, the load client's "
               "measured CPU taken out)", fair_ratios, "{:.0%}", f"≥ {LOGIN_GOAL:.0%}",
               median_fair >= LOGIN_GOAL),
        Figure("login rate ÷ raw argon2id verify rate (wall, same cores, client included)",
               wall_ratios, "{:.0%}"),
        Figure("load client CPU per login, ms (the raw rounds have no client)", client_ms,
               "{:.1f}"),
        Figure("login rate ÷ raw verify rate per CPU second (web workers vs hashing processes)",
               cpu_ratios, "{:.0%}"),
        Figure("CPU per login, ms: web process (the hash included)", spent["web"], "{:.1f}"),
        Figure("CPU per login, ms: PostgreSQL (all its processes)", spent["postgres"],
               "{:.1f}"),
        Figure("CPU per login, ms: Redis", spent["redis"], "{:.2f}"),
        Figure("CPU per raw argon2id verify, ms", spent["hash"], "{:.1f}"),
        Figure("ceiling of the ratio: one verify's CPU ÷ a login's CPU (web + PostgreSQL + "
               "Redis + client)",
               [h / (w + p + r + c) for h, w, p, r, c in zip(
                   spent["hash"], spent["web"], spent["postgres"], spent["redis"], client_ms,
                   strict=True)], "{:.0%}"),
        Figure("logins / s (wall)", [r.per_second for _, r, _ in rows], "{:.1f}"),
        Figure("raw argon2id verifies / s (wall)", [r.per_second for r, _, _ in rows], "{:.1f}"),
        Figure("login p50 latency, ms",
               [percentile(r.latencies, 50) * 1000 for _, r, _ in rows], "{:.0f}"),
    ]  # fmt: skip
    params = encoded.split("$")[3]
    results.sections.append(
        (
            "Login vs raw argon2id",
            f"{args.repeat} repetitions of `POST /api/v1/auth/login` for {len(users)} accounts "
            f"in turn, {args.login_concurrency} in flight, each on a new connection, for "
            f"{args.login_seconds:g} s (every answer 200 with tokens), each between two rounds of "
            f"raw verification: {args.web_workers} processes verifying the password against the "
            f"same argon2id hash ({params}) with argon2-cffi for {args.login_seconds:g} s; the raw "
            "rate of a repetition is the mean of the rounds before and after it. The wall ratio is "
            "the login path's share of what the same cores hash when they do nothing else, with "
            "the client, PostgreSQL and Redis on those cores. The load client (this process's "
            "threads: a new connection, the request and the answer per login) is not part of "
            "the login path, and the raw rounds have none: its CPU time during each login round "
            "is measured (`time.process_time()` of this process) and its share of the round's "
            f"wall time taken out of the {cores} cores the raw rate is scaled to (goal's ratio = "
            "wall ratio × cores ÷ (cores − client CPU-seconds per second)); PostgreSQL and "
            "Redis stay in: they are the login's. `LOGIN_IP_RATE` is "
            f"raised to `{UNLIMITED}` (one client address).\n\n"
            + markdown_table(
                [
                    "#",
                    "raw verifies/s",
                    "raw per CPU-s",
                    "logins/s",
                    "logins per web CPU-s",
                    "client CPU ms / login",
                    "ratio (wall)",
                    "ratio (wall, client out)",
                    "ratio (CPU)",
                    "login p50 ms",
                    "login p99 ms",
                ],
                [
                    [
                        i + 1,
                        f"{raw.per_second:.1f}",
                        f"{raw.per_cpu_second:.1f}",
                        f"{r.per_second:.1f}",
                        f"{per_cpu:.1f}",
                        f"{client_ms[i]:.1f}",
                        f"{wall_ratios[i]:.0%}",
                        f"{fair_ratios[i]:.0%}",
                        f"{cpu_ratios[i]:.0%}",
                        f"{percentile(r.latencies, 50) * 1000:.0f}",
                        f"{percentile(r.latencies, 99) * 1000:.0f}",
                    ]
                    for i, (raw, r, per_cpu) in enumerate(rows)
                ],
            ),  # fmt: skip
        )
    )


# --- (b) History --------------------------------------------------------------------------------


def run_history(args: argparse.Namespace, stack: ProductionStack, web: harness.Process,
                results: Results) -> None:  # fmt: skip
    token = history.login_token(stack.base_url)
    history.run_load(stack.base_url, token, 200, args.history_concurrency)  # warm-up
    _, body = harness.http_request(
        "GET",
        stack.base_url + "/api/v1/me/participation",
        headers={"Authorization": f"Bearer {token}"},
    )
    periods = len(json.loads(body)["schemes"]["BHXH"]["periods"])
    _, packed = harness.http_request(
        "GET",
        stack.base_url + "/api/v1/me/participation",
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"},
    )
    gzipped = len(packed)
    per_core, wall, p50, p99 = [], [], [], []
    web_ms, pg_ms = [], []
    for rep in range(args.repeat):
        cpu0, pg0 = web.tree_cpu_seconds(), harness.service_cpu_seconds("postgres")
        latencies, seconds = history.run_load(
            stack.base_url, token, args.history_requests, args.history_concurrency
        )
        cpu = web.tree_cpu_seconds() - cpu0
        pg_ms.append(1000 * (harness.service_cpu_seconds("postgres") - pg0) / len(latencies))
        web_ms.append(1000 * cpu / len(latencies))
        per_core.append(len(latencies) / cpu)
        wall.append(len(latencies) / seconds)
        p50.append(percentile(latencies, 50) * 1000)
        p99.append(percentile(latencies, 99) * 1000)
        print(f"  rep {rep + 1}: {per_core[-1]:.0f}/s per core, {wall[-1]:.0f}/s wall, "
              f"p50 {p50[-1]:.1f} ms, p99 {p99[-1]:.1f} ms", flush=True)  # fmt: skip
    # Context: the same reads by a client that does not accept gzip (one round).
    cpu0 = web.tree_cpu_seconds()
    plain, _ = history.run_load(
        stack.base_url, token, args.history_requests, args.history_concurrency, compressed=False
    )
    identity = len(plain) / (web.tree_cpu_seconds() - cpu0)
    results.figures += [
        Figure("history read: requests / s per core (web workers' CPU)", per_core, "{:,.0f}",
               f"≥ {HISTORY_PER_CORE_GOAL}", statistics.median(per_core) >= HISTORY_PER_CORE_GOAL),
        Figure("history read: p99 latency, ms", p99, "{:.1f}", f"≤ {HISTORY_P99_GOAL_MS}",
               max(p99) <= HISTORY_P99_GOAL_MS, "worst repetition"),
        Figure("history read: p50 latency, ms", p50, "{:.1f}"),
        Figure("history read: requests / s (wall, client on the same cores)", wall, "{:,.0f}"),
        Figure("history read: CPU per request, ms: web process", web_ms, "{:.2f}"),
        Figure("history read without compression (identity): requests / s per core",
               [identity], "{:,.0f}"),
        Figure("history read: CPU per request, ms: PostgreSQL", pg_ms, "{:.2f}"),
    ]  # fmt: skip
    results.sections.append(
        (
            "Authenticated 35-year history read",
            f"`GET /api/v1/me/participation` with a bearer token: 420 months at 3 units, "
            f"{periods} BHXH periods, {len(body):,} bytes of JSON ({gzipped:,} bytes sent "
            "compressed: the client accepts gzip, as a phone's browser does; one more round "
            f"without it is given for context). {args.repeat} × "
            f"{args.history_requests:,} requests from {args.history_concurrency} client threads, "
            "each on its own keep-alive connection (re-opened when the server closes it), after "
            "200 unmeasured ones. Per core = requests ÷ CPU seconds of the web workers; the "
            "latency is the client's (it shares the cores).",
        )
    )


# --- (d) Recovery -------------------------------------------------------------------------------


def run_recovery(args: argparse.Namespace, stack: ProductionStack, results: Results) -> None:
    persons = recovery.recoverable_persons(stack)
    needed = args.recovery_concurrency + args.recovery_requests * args.repeat
    if len(persons) < needed:
        raise BenchError(f"{len(persons)} recoverable persons, {needed} needed")
    batches = [persons[: args.recovery_concurrency]] + [
        persons[args.recovery_concurrency + i * args.recovery_requests :][: args.recovery_requests]
        for i in range(args.repeat)
    ]
    rate = args.recovery_rate or None
    recovery.run_round(
        stack, batches[0], concurrency=args.recovery_concurrency, timeout=60, rate=rate
    )
    rounds = []
    for number, batch in enumerate(batches[1:], start=1):
        round_ = recovery.run_round(
            stack, batch, concurrency=args.recovery_concurrency, timeout=60, rate=rate
        )
        rounds.append(round_)
        otp = round_.email_seconds
        print(f"  rep {number}: OTP p50 {percentile(otp, 50):.3f} s, p95 "
              f"{percentile(otp, 95):.3f} s, {len(round_.accepted)}/{len(batch)} emails",
              flush=True)  # fmt: skip
    per_round = [recovery.figures(r) for r in rounds]
    results.figures += [
        Figure("recovery: p95 request → OTP email accepted by SMTP, s",
               [f["OTP email p95 (s)"] for f in per_round], "{:.3f}",
               f"≤ {recovery.GOAL_P95_SECONDS:g} s, every email",
               recovery.goal_met(rounds), "met when every repetition meets it"),
        Figure("recovery: p50 request → OTP email, s",
               [f["OTP email p50 (s)"] for f in per_round], "{:.3f}"),
        Figure("recovery: requests offered / s",
               [f["requests started per s (offered)"] for f in per_round], "{:.1f}"),
        Figure("recovery: requests answered / s",
               [f["requests answered per s"] for f in per_round], "{:.1f}"),
    ]  # fmt: skip
    names = [n for n in per_round[0] if "→" in n or "CPU" in n or "per s" in n]
    results.sections.append(
        (
            "Password recovery under load",
            f"{args.repeat} × {args.recovery_requests} recoveries of different persons "
            "(`POST /api/v1/auth/recovery`), "
            + (
                f"{args.recovery_rate:g} offered per second (an open loop, at most "
                f"{args.recovery_concurrency} in flight)"
                if args.recovery_rate
                else f"{args.recovery_concurrency} in flight"
            )
            + ", each on a new connection, after "
            f"{args.recovery_concurrency} unmeasured ones; {args.task_workers} × `ansinh "
            "worker`. From just before the client connects to the SMTP sink's 250 to DATA, "
            "same clock. `RECOVERY_IP_RATE_API` and `RECOVERY_IP_RATE` raised to "
            f"`{UNLIMITED}` (one client address).\n\n"
            + markdown_table(
                ["figure", "min", "median", "max"],
                [
                    [
                        n,
                        *(
                            f"{v:.3f}" if n.endswith("(s)") else f"{v:.1f}"
                            for v in (lambda s: (s.low, s.median, s.high))(
                                Spread.of([f.get(n, math.nan) for f in per_round])
                            )
                        ),
                    ]
                    for n in names
                ],
            ),  # fmt: skip
        )
    )


# --- Profiles (--profile DIR) -------------------------------------------------------------------


@contextlib.contextmanager
def profiled(directory: Path | None, part: str, stack: ProductionStack,
             web: harness.Process) -> Iterator[None]:  # fmt: skip
    """Sample the web workers and the task worker with py-spy while ``part`` runs; write the
    raw stacks and a summary (the functions most often on the stack) to ``directory``."""
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    targets = {f"web-{i + 1}": pid for i, pid in enumerate(web.children())}
    targets |= {p.name: p.pid for p in stack.processes if p.name.startswith("worker")}
    spies = {
        name: subprocess.Popen(  # noqa: S603 - our own tool, fixed arguments
            [
                str(PY_SPY),
                "record",
                "-p",
                str(pid),
                "-r",
                "200",
                "-f",
                "raw",
                "-o",
                str(directory / f"{part}-{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for name, pid in targets.items()
    }
    try:
        yield
    finally:
        for spy in spies.values():
            spy.send_signal(signal.SIGINT)  # py-spy writes its file and exits
        for spy in spies.values():
            spy.wait(60)
    summary = [f"# py-spy: {part}\n"]
    for name in spies:
        summary.append(top_frames(directory / f"{part}-{name}.txt", name))
    (directory / f"{part}.txt").write_text("\n".join(summary))
    print(f"  profile: {directory / f'{part}.txt'}", flush=True)


def top_frames(path: Path, name: str, count: int = 30) -> str:
    """The frames of An Sinh and its libraries most often on the stack (share of samples)."""
    total, inclusive, own = 0, Counter[str](), Counter[str]()
    if not path.exists():
        return f"## {name}: no samples"
    for line in path.read_text().splitlines():
        frames, _, samples = line.rpartition(" ")
        n = int(samples)
        total += n
        stack = frames.split(";")
        own[stack[-1]] += n
        for frame in set(stack):
            inclusive[frame] += n
    lines = [f"## {name}: {total} samples", "", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(count)]
    lines += ["", "own:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(count)]
    return "\n".join(lines) + "\n"


# --- Report -------------------------------------------------------------------------------------


def render(args: argparse.Namespace, results: Results, elapsed: float, notes: str) -> str:
    met = [f for f in results.figures if f.met is not None]
    missed = [f.name for f in met if not f.met]
    parts = [
        "# Benchmark results (DESIGN §8)",
        "Generated by `make bench` (`bench/run.py`, see `bench/README.md`); everything above "
        f"the notes is rewritten by each run. This run: `{harness.command_line()}`, "
        f"{elapsed / 60:.1f} minutes{' (--quick: indicative only)' if args.quick else ''}.",
        f"**{len(met) - len(missed)} of {len(met)} goals met.**"
        + (f" Not met: {'; '.join(missed)}." if missed else ""),
        "## Summary (min / median / max over "
        f"{args.repeat} repetition{'s' if args.repeat > 1 else ''})\n\n"
        + markdown_table(
            ["figure", "min", "median", "max", "goal", ""], [f.cells() for f in results.figures]
        ),
        "## Setup\n\n"
        f"Production profile (`ANSINH_PROFILE=production`) on this machine: `ansinh serve` "
        f"(gunicorn, {args.web_workers} worker processes × "
        f"{args.web_threads or 'the default number of'} threads), {args.task_workers} × `ansinh worker`, "
        f"PostgreSQL database `{args.database}` (and `{args.database}_ingest` for the ingest; "
        f"both dropped and re-created), Redis db {args.redis_db} (flushed), an SMTP server "
        "(aiosmtpd) in the load process. The load process, the web and task workers, "
        "PostgreSQL and Redis share the cores: the wall rates are those of the whole "
        "installation on this machine, the per-core rates divide by the web workers' CPU time.",
    ]
    parts += [f"## {heading}\n\n{text}" for heading, text in results.sections]
    parts.append("## Machine\n\n" + markdown_table(["", ""], results.machine))
    return "\n\n".join(parts) + f"\n\n{NOTES_MARKER}\n{notes}"


def existing_notes(path: Path) -> str:
    if path.exists():
        text = path.read_text()
        if NOTES_MARKER in text:
            return text.split(NOTES_MARKER, 1)[1].lstrip("\n")
    return ""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few minutes: 1 repetition, small counts (figures indicative)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="repetitions (default 3)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"any of {','.join(PARTS)}")
    parser.add_argument("--database", default="wtbench", help="PostgreSQL database name")
    parser.add_argument("--postgres", default=harness.DEFAULT_POSTGRES, help="admin URL")
    parser.add_argument("--redis", default=harness.DEFAULT_REDIS)
    parser.add_argument("--redis-db", type=int, default=harness.DEFAULT_REDIS_DB)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--task-workers",
        type=int,
        default=2,
        help="`ansinh worker` processes (default 2: one per core, as the web workers)",
    )
    parser.add_argument(
        "--web-threads",
        type=int,
        default=None,
        help="GUNICORN_THREADS (default: the production default)",
    )
    parser.add_argument(
        "--web-worker-class",
        default=None,
        help="GUNICORN_WORKER_CLASS, e.g. gthread (default: the production default)",
    )
    parser.add_argument("--login-seconds", type=float, default=None)
    parser.add_argument(
        "--login-concurrency",
        type=int,
        default=None,
        help="logins in flight (default: 2 per web worker)",
    )
    parser.add_argument("--history-requests", type=int, default=None)
    parser.add_argument("--history-concurrency", type=int, default=4)
    parser.add_argument("--recovery-requests", type=int, default=None)
    parser.add_argument(
        "--recovery-concurrency",
        type=int,
        default=50,
        help="recoveries in flight at most (default 50; also the unmeasured warm-up)",
    )
    parser.add_argument(
        "--recovery-rate",
        type=float,
        default=100,
        help="recoveries offered per second (default 100, issue 16; 0: a closed loop)",
    )
    parser.add_argument("--ingest-lines", type=int, default=None)
    parser.add_argument(
        "--pool-conn-max-age",
        type=int,
        default=60,
        help="pooling: DB_CONN_MAX_AGE of ansinh serve behind PgBouncer (default 60)",
    )
    parser.add_argument("--output", type=Path, default=harness.REPO / "bench" / "RESULTS.md")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the servers with py-spy during each part into DIR",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "repeat": 1 if quick else 3,
        "login_seconds": 4 if quick else 15,
        "login_concurrency": 2 * args.web_workers,
        "history_requests": 1000 if quick else 5000,
        "recovery_requests": 50 if quick else 200,
        "ingest_lines": 20_000 if quick else 200_000,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    harness.stop_on_signals()
    started = time.monotonic()
    results = Results(machine=harness.machine())
    if "ingest" in args.parts:
        with step(f"report ingest vs COPY ({args.ingest_lines:,} lines × {args.repeat})"):
            run_ingest(args, results)
    http_parts = [p for p in args.parts if p != "ingest"]
    if http_parts:
        needed = args.recovery_concurrency + args.recovery_requests * args.repeat
        synthetic = math.ceil(needed / recovery.RECOVERABLE_SHARE * 1.2)
        env = {"LOGIN_IP_RATE": UNLIMITED, "RECOVERY_IP_RATE_API": UNLIMITED,
               "RECOVERY_IP_RATE": UNLIMITED}  # fmt: skip
        with ProductionStack(
            name="bench",
            postgres=args.postgres,
            database=args.database,
            redis_url=args.redis,
            redis_db=args.redis_db,
            extra_env=env,
        ) as stack:
            print(f"  logs: {stack.log_dir}", flush=True)
            with step(f"migrate, demo data ({synthetic} synthetic persons), bench accounts"):
                stack.setup(synthetic=synthetic if "recovery" in http_parts else 0)
                users, encoded = login.setup_users(stack, 50)
                stack.ansinh("shell", "--command", history.SETUP)
            serve_env = {} if args.web_threads is None else {
                "GUNICORN_THREADS": str(args.web_threads)}  # fmt: skip
            if args.web_worker_class:
                serve_env["GUNICORN_WORKER_CLASS"] = args.web_worker_class
            with step(
                f"start ansinh serve ({args.web_workers} workers) and {args.task_workers} × ansinh worker"
            ):
                web = stack.serve(threads=args.web_workers, extra_env=serve_env)
                for _ in range(args.task_workers):
                    stack.worker()
                results.machine += stack.versions()
            steps: list[tuple[str, str, Callable[[], None]]] = [
                ("login", f"login vs raw argon2id ({2 * args.repeat + 1} × {args.login_seconds:g} s)",
                 lambda: run_login(args, stack, web, users, encoded, results)),
                ("history", f"history reads ({args.repeat} × {args.history_requests:,})",
                 lambda: run_history(args, stack, web, results)),
                ("recovery", f"recovery ({args.repeat} × {args.recovery_requests})",
                 lambda: run_recovery(args, stack, results)),
            ]  # fmt: skip
            for part, what, run in steps:
                if part in http_parts:
                    try:
                        with step(what), profiled(args.profile, part, stack, web):
                            run()
                    except BenchError as exc:  # reported; the other parts still run
                        print(f"  {part} failed: {exc}", flush=True)
                        results.figures.append(
                            Figure(f"{part}: failed", [], "", "", False, str(exc)[:300])
                        )
                    stack.check_alive()
            rss = [b / 2**20 for b in web.children_rss_bytes()]
            worker_rss = [p.rss_bytes() / 2**20 for p in stack.processes if p.name != "serve"]
            if "pooling" in http_parts:
                try:
                    run_pooled(args, stack, web, users, encoded, results, serve_env)
                except BenchError as exc:
                    print(f"  pooling failed: {exc}", flush=True)
                    results.figures.append(
                        Figure("PgBouncer: failed", [], "", "", False, str(exc)[:300])
                    )
        results.figures.append(
            Figure("RSS per web worker after the load, MiB", rss, "{:.0f}", "≤ 150 MB",
                   max(rss) <= 150 * 1e6 / 2**20, "min / median / max over the workers"),
        )  # fmt: skip
        results.figures.append(Figure("RSS of `ansinh worker` after the load, MiB",
                                      worker_rss, "{:.0f}"))  # fmt: skip
    results.machine.append(("load average at end (1, 5, 15 min)", harness.load_average()))
    elapsed = time.monotonic() - started
    text = render(args, results, elapsed, existing_notes(args.output))
    args.output.write_text(text)
    print("\n" + text.split("## Setup", 1)[0] + f"Written to {args.output} in {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":
    harness.run_main("bench/run.py", main)
