"""Password recovery under load (DESIGN §8): K concurrent recoveries against the production
profile, timed from each request to the moment the SMTP server accepts its OTP email.

Goal: every OTP email accepted by the SMTP server, p95 ≤ 1 s after the request (issue 16;
DESIGN §8 asked for 2 s).

The bench starts a fresh production stack (``harness.ProductionStack``: its own PostgreSQL
database and Redis db, an SMTP server in this process, ``ansinh serve`` and ``ansinh worker``),
picks K persons with an account and a verified email, and sends ``POST /api/v1/auth/recovery``
for each with C requests in flight at a time (a closed loop; each request on a new
connection). Every answer must be 202. It then waits for the K OTP emails and computes, per
recipient, SMTP acceptance time − request start time, on this process's monotonic clock. It
repeats that R times with other persons (the per-identifier-and-email limit is 5/h) and
writes ``bench/results/recovery.md``.

All the load comes from one address, so the per-address recovery limits
(``RECOVERY_IP_RATE_API``, ``RECOVERY_IP_RATE``) are raised for the run; nothing else is.

    .venv/bin/python bench/recovery.py                       # K=200, C=20, R=3
    .venv/bin/python bench/recovery.py -k 500 -c 50 -r 5 --workers 2
"""

from __future__ import annotations

import argparse
import email
import email.message
import email.policy
import json
import math
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import harness
from harness import Accepted, BenchError, ProductionStack, Report, Spread, percentile, step

# DESIGN §8 asked for 2 s; issue 16 raised the goal to 1 s at 100 recoveries/s offered.
GOAL_P95_SECONDS = 1.0
RECOVERY_PATH = "/api/v1/auth/recovery"
# The worker task that issues the code, as django-tasks-db records it.
ISSUE_CODE_TASK = "ansinh.recovery.services.issue_code"
# Per-address limits for the run: far above anything one load generator sends.
UNLIMITED_RATE = "1000000/h"
# Share of synthetic persons with both an account (about 1/2) and an email (about 7/10).
RECOVERABLE_SHARE = 0.35
# The code line of the text part, in Vietnamese or English (templates/emails/recovery_code.txt).
CODE_LINE = re.compile(r"^(?:Mã OTP|Code): \d{6}\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Person:
    bhxh_code: str
    email: str


@dataclass(frozen=True)
class Sent:
    """One recovery request as the client saw it."""

    person: Person
    started: float  # monotonic
    started_wall: float
    answered: float  # monotonic
    status: int
    recovery_id: str

    @property
    def http_seconds(self) -> float:
        return self.answered - self.started


@dataclass(frozen=True)
class Round:
    """One repetition: K requests and the emails they caused."""

    sent: list[Sent]
    accepted: dict[str, Accepted]  # first message per recipient
    duplicates: int  # messages beyond the first per recipient (must be 0)
    without_code: int  # accepted messages without a 6-digit code (must be 0)
    stages: dict[str, list[float]]  # where the time went, per recovery, in seconds
    cpu: dict[str, float]  # CPU seconds each kind of process used during the repetition

    @property
    def missing(self) -> int:
        return sum(1 for s in self.sent if s.person.email not in self.accepted)

    @property
    def email_seconds(self) -> list[float]:
        return [
            self.accepted[s.person.email].monotonic - s.started
            for s in self.sent
            if s.person.email in self.accepted
        ]

    @property
    def http_seconds(self) -> list[float]:
        return [s.http_seconds for s in self.sent]

    @property
    def request_rate(self) -> float:
        """Answered requests per second over the whole burst."""
        span = max(s.answered for s in self.sent) - min(s.started for s in self.sent)
        return len(self.sent) / span

    @property
    def offered_rate(self) -> float:
        """Requests started per second, from the first to the last."""
        starts = [s.started for s in self.sent]
        span = max(starts) - min(starts)
        return (len(starts) - 1) / span if span > 0 else math.inf

    @property
    def email_rate(self) -> float:
        """Accepted OTP emails per second, from the first request to the last email."""
        if not self.accepted:
            return 0.0
        span = max(a.monotonic for a in self.accepted.values()) - min(s.started for s in self.sent)
        return len(self.accepted) / span


# --- Setup ----------------------------------------------------------------------------------------


def recoverable_persons(stack: ProductionStack) -> list[Person]:
    """Every person a recovery sends a code to: an active citizen account and a verified email."""
    with stack.connect() as conn:
        rows = conn.execute(
            """
            SELECT p.bhxh_code, p.email
            FROM people_person p JOIN accounts_user u ON u.person_id = p.id
            WHERE u.role = 'citizen' AND u.is_active AND p.email_verified AND p.email <> ''
            ORDER BY p.id
            """
        ).fetchall()
    return [Person(bhxh_code=code, email=email) for code, email in rows]


# --- Load -----------------------------------------------------------------------------------------


def request_recovery(base_url: str, person: Person) -> Sent:
    body = json.dumps({"username": person.bhxh_code, "email": person.email}).encode()
    started_wall, started = time.time(), time.monotonic()
    status, answer = harness.http_request(
        "POST",
        base_url + RECOVERY_PATH,
        body=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    answered = time.monotonic()
    recovery_id = ""
    if status == 202:
        recovery_id = str(json.loads(answer)["recovery_id"])
    elif status >= 400:
        print(f"  {person.bhxh_code}: HTTP {status} {answer[:200]!r}", file=sys.stderr)
    return Sent(person, started, started_wall, answered, status, recovery_id)


def carries_code(raw: bytes) -> bool:
    """Whether a message's text part has the line with the one-time code."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    return part is not None and bool(CODE_LINE.search(str(part.get_content())))


def cpu_seconds(stack: ProductionStack) -> dict[str, float]:
    """CPU time used so far by the web server and by all the workers together."""
    used = {"web": 0.0, "workers": 0.0}
    for process in stack.processes:
        # gunicorn's workers are children of `ansinh serve`: count them while they live.
        used["web" if process.name == "serve" else "workers"] += process.tree_cpu_seconds()
    return used


def run_round(
    stack: ProductionStack,
    persons: Sequence[Person],
    *,
    concurrency: int,
    timeout: float,
    rate: float | None = None,
) -> Round:
    """Send one recovery per person with at most ``concurrency`` in flight: as fast as they
    answer (a closed loop), or, with ``rate``, the i-th at ``i / rate`` seconds after the first
    (an open loop offering ``rate`` recoveries per second; a request whose turn comes while
    ``concurrency`` are in flight starts late, which ``Round.offered_rate`` shows)."""
    cpu_before = cpu_seconds(stack)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client")
    start = time.monotonic() + 0.05

    def send(numbered: tuple[int, Person]) -> Sent:
        number, person = numbered
        if rate:
            time.sleep(max(0.0, start + number / rate - time.monotonic()))
        return request_recovery(stack.base_url, person)

    try:
        sent = list(pool.map(send, enumerate(persons)))
    finally:  # on Ctrl-C, only the requests already in flight finish
        pool.shutdown(cancel_futures=True)
    statuses = sorted({s.status for s in sent})
    if statuses != [202]:
        counts = {code: sum(1 for s in sent if s.status == code) for code in statuses}
        raise BenchError(f"every recovery request must answer 202; got {counts}")
    recipients = {p.email for p in persons}
    accepted = stack.smtp.wait_for(recipients, timeout=timeout)
    stack.check_alive()
    cpu_after = cpu_seconds(stack)
    messages = stack.smtp.by_recipient()
    return Round(
        sent=sent,
        accepted=accepted,
        duplicates=sum(len(messages.get(r, [])) - 1 for r in accepted),
        without_code=sum(1 for a in accepted.values() if not carries_code(a.content)),
        stages=stages(stack, sent, accepted),
        cpu={kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_before},
    )


def stages(
    stack: ProductionStack, sent: Sequence[Sent], accepted: dict[str, Accepted]
) -> dict[str, list[float]]:
    """Split each recovery's time at the moments the database recorded (one machine, one wall
    clock): committed and queued (the ``issue_code`` task row), picked up by a worker, email
    accepted by SMTP."""
    by_id = {s.recovery_id: s for s in sent}
    with stack.connect() as conn:
        rows = conn.execute(
            """
            SELECT r.public_id::text, extract(epoch FROM t.enqueued_at),
                   extract(epoch FROM t.started_at)
            FROM recovery_recovery r
            JOIN django_tasks_database_dbtaskresult t
              ON t.task_path = %s AND (t.args_kwargs -> 'args' ->> 0)::bigint = r.id
            WHERE r.public_id::text = ANY(%s)
            """,
            (ISSUE_CODE_TASK, list(by_id)),
        ).fetchall()
    result: dict[str, list[float]] = {
        "request → queued": [],
        "queued → picked up": [],
        "picked up → SMTP accepted": [],
    }
    for public_id, enqueued, started in rows:
        request = by_id[public_id]
        result["request → queued"].append(float(enqueued) - request.started_wall)
        if started is None:
            continue
        result["queued → picked up"].append(float(started) - float(enqueued))
        message = accepted.get(request.person.email)
        if message is not None:
            result["picked up → SMTP accepted"].append(message.wall - float(started))
    return result


# --- Report ---------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.3f}"


def figures(round_: Round) -> dict[str, float]:
    """The headline figures of one repetition (seconds, except the rates)."""
    otp, http = round_.email_seconds, round_.http_seconds
    values = {
        "OTP email p50 (s)": percentile(otp, 50) if otp else math.nan,
        "OTP email p95 (s)": percentile(otp, 95) if otp else math.nan,
        "OTP email max (s)": max(otp) if otp else math.nan,
        "HTTP 202 p50 (s)": percentile(http, 50),
        "HTTP 202 p95 (s)": percentile(http, 95),
        "HTTP 202 max (s)": max(http),
        "requests started per s (offered)": round_.offered_rate,
        "requests answered per s": round_.request_rate,
        "OTP emails accepted per s": round_.email_rate,
        "web server CPU per recovery (ms)": 1000 * round_.cpu["web"] / len(round_.sent),
        "worker CPU per recovery (ms)": 1000 * round_.cpu["workers"] / len(round_.sent),
    }
    for stage, durations in round_.stages.items():
        if durations:
            values[f"{stage} p50 (s)"] = percentile(durations, 50)
            values[f"{stage} p95 (s)"] = percentile(durations, 95)
    return values


def goal_met(rounds: Sequence[Round]) -> bool:
    """Every OTP email of every repetition arrived, with its code, and every repetition's p95
    is within the goal."""
    return all(
        r.missing == 0
        and r.without_code == 0
        and percentile(r.email_seconds, 95) <= GOAL_P95_SECONDS
        for r in rounds
    )


def where_the_time_goes(per_round: Sequence[dict[str, float]]) -> str:
    """One sentence: the share of the median OTP latency spent waiting for a worker."""
    try:
        total = percentile([f["OTP email p50 (s)"] for f in per_round], 50)
        queued = percentile([f["queued → picked up p50 (s)"] for f in per_round], 50)
        web = percentile([f["requests answered per s"] for f in per_round], 50)
        drained = percentile([f["OTP emails accepted per s"] for f in per_round], 50)
    except KeyError:
        return ""
    return (
        f"Median request: {queued:.3f} s of its {total:.3f} s waited in the task queue for a "
        f"worker. The web server answered {web:.1f} recoveries/s; the worker(s) got "
        f"{drained:.1f} OTP emails/s out."
    )


def build_report(
    args: argparse.Namespace,
    *,
    rounds: Sequence[Round],
    machine: list[tuple[str, str]],
    synthetic: int,
    recoverable: int,
    worker_interval: str,
) -> Report:
    report = Report("Password recovery under load")
    report.add(
        "",
        "Generated by `bench/recovery.py` (see `bench/README.md`); do not edit by hand.\n\n"
        f"Goal (DESIGN §8): every OTP email accepted by the SMTP server, "
        f"p95 ≤ {GOAL_P95_SECONDS:g} s after the request.",
    )
    met = goal_met(rounds)
    worst = max(
        (percentile(r.email_seconds, 95) for r in rounds if r.email_seconds), default=math.nan
    )
    missing = sum(r.missing for r in rounds)
    per_round = [figures(r) for r in rounds]
    report.add(
        "Result",
        f"**Goal {'met' if met else 'NOT met'}**: p95 of the worst of {len(rounds)} "
        f"repetitions {worst:.3f} s; {sum(len(r.accepted) for r in rounds)} of "
        f"{sum(len(r.sent) for r in rounds)} OTP emails accepted"
        + (f" ({missing} missing after {args.timeout:g} s)" if missing else "")
        + ". "
        + where_the_time_goes(per_round),
    )
    names = list(per_round[0])
    rows = []
    for name in names:
        spread = Spread.of([f[name] for f in per_round])
        fmt = seconds if name.endswith("(s)") else (lambda v: f"{v:.1f}")
        rows.append([name, fmt(spread.low), fmt(spread.median), fmt(spread.high)])
    report.add(
        "Figures (min / median / max over the repetitions)",
        "Latencies are per request, from just before the client opens its connection: "
        '"OTP email" ends when the SMTP server accepts the message (its 250 to DATA), '
        '"HTTP 202" when the client has read the answer. The stage rows split the same '
        "interval at the times PostgreSQL recorded for the `issue_code` task (same machine, "
        "same wall clock).\n\n" + harness.markdown_table(["figure", "min", "median", "max"], rows),
    )
    report.add(
        "Per repetition",
        harness.markdown_table(
            ["#", "requests", "202", "emails", "missing", "without code", "duplicates"]
            + ["p50 (s)", "p95 (s)", "max (s)"],
            [
                [
                    i + 1,
                    len(r.sent),
                    sum(1 for s in r.sent if s.status == 202),
                    len(r.accepted),
                    r.missing,
                    r.without_code,
                    r.duplicates,
                    seconds(percentile(r.email_seconds, 50)) if r.email_seconds else "–",
                    seconds(percentile(r.email_seconds, 95)) if r.email_seconds else "–",
                    seconds(max(r.email_seconds)) if r.email_seconds else "–",
                ]
                for i, r in enumerate(rounds)
            ],
        ),
    )
    report.add(
        "Parameters",
        harness.markdown_table(
            ["parameter", "value"],
            [
                ["recoveries per repetition (K)", args.requests],
                [
                    "requests in flight (C)",
                    f"at most {args.concurrency}" if args.rate else args.concurrency,
                ],
                ["offered rate", f"{args.rate:g} recoveries/s" if args.rate else "closed loop"],
                ["repetitions (R), each with other persons", args.repetitions],
                ["warm-up recoveries (not measured)", args.warmup],
                ["web server", f"1 × `ansinh serve`, WEB_CONCURRENCY={args.web_threads} threads"],
                [
                    "task workers",
                    f"{args.workers} × `ansinh worker`, TASK_WORKER_INTERVAL="
                    + (
                        f"{worker_interval} s (the default)"
                        if args.worker_interval is None
                        else f"{args.worker_interval:g} s"
                    ),
                ],
                [
                    "registry",
                    f"`ansinh demo --allow-production --synthetic {synthetic}`: "
                    f"{recoverable} persons with an account and a verified email",
                ],
                ["wait for emails", f"{args.timeout:g} s per repetition"],
                [
                    "settings changed from the production defaults",
                    f"`RECOVERY_IP_RATE_API` and `RECOVERY_IP_RATE` = `{UNLIMITED_RATE}`: all "
                    "load comes from one address (per-identifier-and-email limit unchanged)",
                ],
                ["command", f"`{harness.command_line()}`"],
            ],
        ),
    )
    report.add("Machine", harness.markdown_table(["", ""], machine))
    report.add(
        "Setup",
        "Production profile (`ANSINH_PROFILE=production`): PostgreSQL database "
        f"`{args.database}` (dropped and re-created), Redis db {args.redis_db} (flushed), "
        "SMTP relay = an aiosmtpd server in the benchmark process on loopback, no TLS "
        "(`SECURE_SSL_REDIRECT=0`). The load generator, the web server, the workers, "
        "PostgreSQL and Redis all share this machine's cores (and share them with whatever "
        "else runs: see the load averages).",
    )
    return report


# --- Main -----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", "--requests", type=int, default=200, help="recoveries per repetition")
    parser.add_argument("-c", "--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="offer this many recoveries per second (an open loop, at most C in flight; "
        "default: a closed loop of C in flight)",
    )
    parser.add_argument("-r", "--repetitions", type=int, default=3)
    parser.add_argument(
        "--warmup", type=int, default=None, help="unmeasured recoveries first (default: C)"
    )
    parser.add_argument(
        "--web-threads", type=int, default=8, help="WEB_CONCURRENCY of `ansinh serve`"
    )
    parser.add_argument("--workers", type=int, default=1, help="`ansinh worker` processes")
    parser.add_argument(
        "--worker-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="TASK_WORKER_INTERVAL of the workers (default: unset, the production default)",
    )
    parser.add_argument(
        "--synthetic", type=int, default=None, help="synthetic persons (default: enough)"
    )
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for emails")
    parser.add_argument("--postgres", default=harness.DEFAULT_POSTGRES, help="admin URL")
    parser.add_argument("--database", default=harness.DEFAULT_DATABASE)
    parser.add_argument("--redis", default=harness.DEFAULT_REDIS)
    parser.add_argument("--redis-db", type=int, default=harness.DEFAULT_REDIS_DB)
    parser.add_argument("--output", type=Path, default=harness.RESULTS / "recovery.md")
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = args.concurrency
    if min(args.requests, args.concurrency, args.repetitions, args.workers) < 1:
        parser.error("-k, -c, -r and --workers must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    harness.stop_on_signals()
    needed = args.warmup + args.requests * args.repetitions
    synthetic = args.synthetic or math.ceil(needed / RECOVERABLE_SHARE * 1.2)
    rounds: list[Round] = []
    machine = harness.machine()
    print(f"Password recovery under load: K={args.requests} C={args.concurrency} "
          f"R={args.repetitions}")  # fmt: skip
    with ProductionStack(
        name="recovery",
        postgres=args.postgres,
        database=args.database,
        redis_url=args.redis,
        redis_db=args.redis_db,
        extra_env={"RECOVERY_IP_RATE_API": UNLIMITED_RATE, "RECOVERY_IP_RATE": UNLIMITED_RATE},
    ) as stack:
        print(f"  logs: {stack.log_dir}")
        with step(f"migrate and load the demo data ({synthetic} synthetic persons)"):
            stack.setup(synthetic=synthetic)
            worker_interval = stack.setting("TASK_WORKER_INTERVAL")
        persons = recoverable_persons(stack)
        if len(persons) < needed:
            raise BenchError(
                f"{len(persons)} recoverable persons, {needed} needed: raise --synthetic"
            )
        with step(f"start ansinh serve ({args.web_threads} threads) and {args.workers} worker(s)"):
            stack.serve(threads=args.web_threads)
            interval = args.worker_interval
            for _ in range(args.workers):
                stack.worker(
                    extra_env={} if interval is None else {"TASK_WORKER_INTERVAL": f"{interval:g}"}
                )
        machine += stack.versions()
        batches = [persons[: args.warmup]] + [
            persons[args.warmup + i * args.requests : args.warmup + (i + 1) * args.requests]
            for i in range(args.repetitions)
        ]
        with step(f"warm-up: {args.warmup} recoveries"):
            run_round(
                stack,
                batches[0],
                concurrency=args.concurrency,
                timeout=args.timeout,
                rate=args.rate,
            )
        for number, batch in enumerate(batches[1:], start=1):
            with step(f"repetition {number}/{args.repetitions}: {len(batch)} recoveries"):
                round_ = run_round(
                    stack, batch, concurrency=args.concurrency, timeout=args.timeout, rate=args.rate
                )
            rounds.append(round_)
            otp = round_.email_seconds
            print(
                f"  OTP email p50 {percentile(otp, 50):.3f} s, p95 {percentile(otp, 95):.3f}"
                f" s, max {max(otp):.3f} s; HTTP p95 {percentile(round_.http_seconds, 95):.3f}"
                f" s; {len(round_.accepted)}/{len(batch)} emails"
                if otp
                else "  no email arrived"
            )
    machine.append(("load average at end (1, 5, 15 min)", harness.load_average()))
    report = build_report(
        args,
        rounds=rounds,
        machine=machine,
        synthetic=synthetic,
        recoverable=len(persons),
        worker_interval=worker_interval,
    )
    path = report.write(args.output)
    print(f"\n{report.section('Result')}\n\n{report.section('Figures')}\n\nWritten to {path}")
    return 0


if __name__ == "__main__":
    harness.run_main("bench/recovery.py", main)
