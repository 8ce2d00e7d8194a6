"""Soak (issue 7 item 4; a benchmark, not a CI test): mixed traffic for a long time on the
production profile — does An Sinh keep answering correctly, does the memory of its processes
stay flat, and does the task queue drain?

    .venv/bin/python bench/soak.py [--minutes 30] [--clients 6] [--sample-seconds 10]
        [--web-workers 2] [--max-slope MIB_PER_HOUR] [--noise MIB]
        [--database NAME] [--redis-db N] [--output FILE]

Starts a ``harness.ProductionStack`` (PostgreSQL, Redis, SMTP sink, ``ansinh serve`` with
``--web-workers`` gunicorn workers, one ``ansinh worker``), loads ``ansinh demo --synthetic
3000``, then for ``--minutes`` minutes ``--clients`` client threads each repeat a weighted mix:

==========  ======  ===========================================================  ========
kind        weight  what                                                         expected
==========  ======  ===========================================================  ========
login         2     ``POST /api/v1/auth/login`` of a citizen with a password      200
history       6     ``GET /api/v1/me/participation`` with a recent access token  200
card          2     ``GET /api/v1/me/card``                                       200
recovery      1     ``POST /auth/recovery``, the OTP from the SMTP sink, then      202, 200
                    ``POST /auth/recovery/{id}/verify`` with a new password
dossier       1     ``POST /api/v1/unit/dossiers`` (TK1-TS, new phone) by the     201
                    demo unit for one of its employees
report        1     ``POST /api/v1/unit/reports`` (JSON, one salary change) by    201
                    the demo unit, a new reference each time
==========  ======  ===========================================================  ========

Every ``--sample-seconds`` it samples the resident memory (RSS) of each gunicorn worker, the
gunicorn master and the task worker. At the end it stops the traffic and waits for the task
queue (django-tasks-db) to drain. **Pass** when: no error (any answer other than the expected
status, any connection failure, any OTP email that did not arrive, any failed task); for every
process, the memory of the last two thirds of the samples (the first third is warm-up) does not
grow beyond noise — the least-squares slope is below ``--max-slope`` MiB per hour, or the
growth the fitted line predicts over that window is below ``--noise`` MiB; and the queue is
empty within two minutes. The exit status is 0 on pass, 1 on fail.

The load comes from one address and recovers the same persons again over a long run, so the
run raises the per-address limits (``LOGIN_IP_RATE``, ``RECOVERY_IP_RATE_API``) and the
per-identifier and per-email recovery limits; it turns gunicorn's worker recycling
(``GUNICORN_MAX_REQUESTS``) off so that a leak cannot hide behind it. The report
(``bench/results/soak.md``) says so. Nothing else differs from the production defaults.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import http.client
import json
import math
import os
import random
import re
import secrets
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    DEFAULT_DATABASE,
    DEFAULT_REDIS_DB,
    LOOPBACK,
    RESULTS,
    BenchError,
    Process,
    ProductionStack,
    Report,
    command_line,
    load_average,
    machine,
    markdown_table,
    percentile,
    step,
    stop_on_signals,
)

SYNTHETIC = 3000
PASSWORD = "Soak-Password-2026"  # noqa: S105 - throw-away benchmark database
DEMO_UNIT_KEY = "demo-unit-key-TA01234"  # ansinh.ops.demo.DEMO_UNIT_KEY (public demo key)
UNLIMITED = "1000000/h"
ENV = {
    "LOG_LEVEL": "WARNING",
    "LOGIN_IP_RATE": UNLIMITED,
    "RECOVERY_IP_RATE_API": UNLIMITED,
    "RECOVERY_IP_RATE": UNLIMITED,
    "RECOVERY_IDENTIFIER_RATE": UNLIMITED,
    "RECOVERY_MAILBOX_MAX_CODES": "1000000",  # the per-mailbox daily code cap (20)
    "GUNICORN_MAX_REQUESTS": "0",  # gunicorn: 0 = never recycle a worker
}
MIX = {"login": 2, "history": 6, "card": 2, "recovery": 1, "dossier": 1, "report": 1}
CODE_LINE = re.compile(r"^(?:Mã OTP|Code): (\d{6})\r?$", re.MULTILINE)
TOKEN_MAX_AGE = 10 * 60  # access tokens live 15 minutes; use only fresher ones
QUEUE_DRAIN_SECONDS = 120

# Who the traffic acts as, chosen from the demo data; printed as JSON.
SETUP = rf"""
import json
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from ansinh.accounts.models import Role, User
from ansinh.cards.models import Card
from ansinh.contributions.services import current_month
from ansinh.people.models import Employment
from ansinh.contributions.months import format_month
carded = Card.objects.values("person_id")
logins = list(User.objects.filter(role=Role.CITIZEN, is_active=True, person_id__in=carded,
    person__email="").order_by("username").values_list("pk", "username")[:40])
User.objects.filter(pk__in=[pk for pk, _ in logins]).update(password=make_password("{PASSWORD}"))
recoverable = list(User.objects.filter(role=Role.CITIZEN, is_active=True,
    person__email_verified=True).exclude(person__email="").order_by("username")
    .values_list("username", "person__email"))
month = format_month(current_month())
employees = sorted(set(Employment.objects.filter(unit__code="TA01234", start_month__lte=month)
    .filter(Q(end_month="") | Q(end_month__gte=month)).values_list("person__bhxh_code", flat=True)))
print(json.dumps({{"logins": [u for _, u in logins], "recoverable": recoverable,
    "employees": employees, "period": month}}))
"""

QUEUE = """
SELECT count(*) FILTER (WHERE status IN ('READY', 'RUNNING')),
       count(*) FILTER (WHERE status = 'FAILED'),
       count(*)
FROM django_tasks_database_dbtaskresult
"""


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


class Traffic:
    """The clients' shared state: who to act as, the tokens, and what happened."""

    def __init__(self, stack: ProductionStack, people: dict, deadline: float) -> None:
        self.stack = stack
        self.host, port = stack.base_url.removeprefix("http://").split(":")
        self.port = int(port)
        self.logins: list[str] = people["logins"]
        self.recoverable = deque(people["recoverable"])
        self.employees: list[str] = people["employees"]
        self.period: str = people["period"]
        self.deadline = deadline
        self.lock = threading.Lock()
        self.tokens: deque[tuple[float, str]] = deque(maxlen=50)
        self.outcomes: dict[str, Outcome] = defaultdict(Outcome)
        self.examples: list[str] = []
        self.reports = 0

    # -- bookkeeping --

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            outcome = self.outcomes[kind]
            outcome.latencies.append(seconds)
            if error:
                outcome.errors += 1
                if len(self.examples) < 20:
                    self.examples.append(f"{kind}: {error}")

    def token(self) -> str | None:
        with self.lock:
            fresh = [t for at, t in self.tokens if time.monotonic() - at < TOKEN_MAX_AGE]
        return random.choice(fresh) if fresh else None  # noqa: S311 - load mix

    # -- HTTP --

    def call(
        self,
        conn: http.client.HTTPConnection,
        kind: str,
        method: str,
        path: str,
        expected: int,
        *,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes] | None:
        """One request; records it under ``kind``; None when it failed (recorded as error)."""
        sent = {"Host": LOOPBACK, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.record(kind, time.perf_counter() - t0, f"{method} {path}: {exc!r}")
            return None
        seconds = time.perf_counter() - t0
        if response.status != expected:
            self.record(kind, seconds, f"{method} {path}: {response.status} {content[:160]!r}")
            return None
        self.record(kind, seconds)
        return response.status, content

    # -- the mix --

    def login(self, conn: http.client.HTTPConnection) -> None:
        username = random.choice(self.logins)  # noqa: S311
        body = {"username": username, "password": PASSWORD}
        result = self.call(conn, "login", "POST", "/api/v1/auth/login", 200, body=body)
        if result:
            with self.lock:
                self.tokens.append((time.monotonic(), json.loads(result[1])["access_token"]))

    def read(self, conn: http.client.HTTPConnection, kind: str, path: str) -> None:
        token = self.token()
        if token is None:
            self.login(conn)
            return
        self.call(conn, kind, "GET", path, 200, headers={"Authorization": f"Bearer {token}"})

    def recovery(self, conn: http.client.HTTPConnection) -> None:
        with self.lock:
            username, address = self.recoverable[0]
            self.recoverable.rotate(-1)
        seen = len(self.stack.smtp.by_recipient().get(address, []))
        body = {"username": username, "email": address}
        started = self.call(conn, "recovery start", "POST", "/api/v1/auth/recovery", 202, body=body)
        if not started:
            return
        recovery_id = json.loads(started[1])["recovery_id"]
        t0 = time.monotonic()
        code = None
        while time.monotonic() - t0 < 30 and code is None:
            # Other traffic mails the same address meanwhile (a dossier's "received" notice):
            # look for the code in every new message, not only the last one.
            for accepted in self.stack.smtp.by_recipient().get(address, [])[seen:]:
                message = email.message_from_bytes(accepted.content, policy=email.policy.default)
                text = message.get_body(("plain",))
                match = CODE_LINE.search(text.get_content() if text else "")
                if match:
                    code = match.group(1)
            if code is None:
                time.sleep(0.05)
        self.record("OTP email", time.monotonic() - t0, None if code else "no OTP email in 30 s")
        if code is None:
            return
        new_password = "Soak-New-" + secrets.token_urlsafe(9)
        self.call(
            conn,
            "recovery verify",
            "POST",
            f"/api/v1/auth/recovery/{recovery_id}/verify",
            200,
            body={"otp": code, "new_password": new_password},
        )

    def dossier(self, conn: http.client.HTTPConnection) -> None:
        body = {
            "form": "TK1-TS",
            "bhxh_code": random.choice(self.employees),  # noqa: S311
            "changes": {"phone": f"09{random.randrange(10**8):08d}"},  # noqa: S311
            "note": "soak",
        }
        headers = {"Authorization": f"Bearer {DEMO_UNIT_KEY}"}
        self.call(conn, "dossier", "POST", "/api/v1/unit/dossiers", 201, body=body, headers=headers)

    def report(self, conn: http.client.HTTPConnection) -> None:
        with self.lock:
            self.reports += 1
            number = self.reports
        line = {
            "bhxh_code": random.choice(self.employees),  # noqa: S311
            "type": "adjust_salary",
            "from_month": self.period,
            "salary": 8_000_000 + number * 1000,
            "job_title": "Nhân viên",
        }
        body = {"reference": f"SOAK-{number:06d}", "period": self.period, "lines": [line]}
        headers = {"Authorization": f"Bearer {DEMO_UNIT_KEY}"}
        self.call(conn, "report", "POST", "/api/v1/unit/reports", 201, body=body, headers=headers)

    def client(self, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311
        kinds = list(MIX)
        weights = [MIX[k] for k in kinds]
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        while time.monotonic() < self.deadline:
            kind = rng.choices(kinds, weights)[0]
            if kind == "login":
                self.login(conn)
            elif kind == "history":
                self.read(conn, "history", "/api/v1/me/participation")
            elif kind == "card":
                self.read(conn, "card", "/api/v1/me/card")
            elif kind == "recovery":
                self.recovery(conn)
            elif kind == "dossier":
                self.dossier(conn)
            else:
                self.report(conn)
        conn.close()


# --- Memory ---------------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    points: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, RSS)

    def fit(self) -> tuple[float, float, int]:
        """Least-squares slope (bytes per second) over the last two thirds, the growth the
        fitted line predicts over that window (bytes), and how many samples it used."""
        tail = self.points[len(self.points) // 3 :]
        if len(tail) < 3:
            return 0.0, 0.0, len(tail)
        xs = [t for t, _ in tail]
        ys = [float(r) for _, r in tail]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0
        return slope, slope * (xs[-1] - xs[0]), len(tail)


def sample(server: Process, worker: Process, series: dict[int, Series], start: float) -> None:
    now = time.monotonic() - start
    named = [(server.pid, "gunicorn master"), (worker.pid, "task worker")]
    named += [(pid, f"web worker {pid}") for pid in server.children()]
    for pid, name in named:
        try:
            rss = next(
                int(line.split()[1]) * 1024
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS:")
            )
        except (OSError, StopIteration):
            continue
        series.setdefault(pid, Series(name)).points.append((now, rss))


class DatabaseCpu:
    """CPU seconds the PostgreSQL backends serving the stack's database used during the run,
    sampled every second from ``/proc`` (PostgreSQL runs on this machine): the database's
    cost per request, for docs/scaling.md. A backend's last second before it closes is lost."""

    def __init__(self, stack: ProductionStack) -> None:
        self.stack = stack
        self.seen: dict[int, float] = {}
        self.first: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.stack.connect() as conn:
            while not self.stop.wait(1.0):
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in rows:
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                    self.first.setdefault(pid, cpu)
                    self.seen[pid] = cpu

    def seconds(self) -> float:
        return sum(self.seen[pid] - self.first[pid] for pid in self.seen)


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--max-slope", type=float, default=10.0, help="MiB per hour")
    parser.add_argument("--noise", type=float, default=2.0, help="MiB")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-db", type=int, default=DEFAULT_REDIS_DB)
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.md")
    args = parser.parse_args()
    stop_on_signals()
    environment = machine()
    series: dict[int, Series] = {}
    with ProductionStack(
        name="soak", database=args.database, redis_db=args.redis_db, extra_env=ENV
    ) as stack:
        with step(f"migrate and ansinh demo --synthetic {SYNTHETIC}"):
            stack.setup(synthetic=SYNTHETIC)
            people = json.loads(stack.ansinh("shell", "--command", SETUP).strip().splitlines()[-1])
        if not (people["logins"] and people["recoverable"] and people["employees"]):
            raise BenchError(f"the demo data lacks soak actors: {people}")
        # The e-BHYT card endpoints sign with CARD_KEYS_FILE; production has no default.
        keys = stack.log_dir / "card-keys.json"
        stack.ansinh("card", "new-key-file", str(keys), "--kid", "soak")
        stack.env["CARD_KEYS_FILE"] = str(keys)
        server = stack.serve(threads=args.web_workers)
        worker = stack.worker()
        database_cpu = DatabaseCpu(stack)
        database_cpu.thread.start()
        web_cpu0, worker_cpu0 = server.tree_cpu_seconds(), worker.cpu_seconds()
        start = time.monotonic()
        traffic = Traffic(stack, people, deadline=start + args.minutes * 60)
        clients = [
            threading.Thread(target=traffic.client, args=(i,), daemon=True)
            for i in range(args.clients)
        ]
        with step(f"{args.minutes:g} minutes of mixed traffic, {args.clients} clients"):
            for client in clients:
                client.start()
            next_sample = start
            next_progress = start + 60
            while any(c.is_alive() for c in clients):
                if time.monotonic() >= next_sample:
                    stack.check_alive()
                    sample(server, worker, series, start)
                    next_sample += args.sample_seconds
                if time.monotonic() >= next_progress:
                    done = sum(len(o.latencies) for o in traffic.outcomes.values())
                    errors = sum(o.errors for o in traffic.outcomes.values())
                    print(f"  {(time.monotonic() - start) / 60:.0f} min: {done:,} requests, "
                          f"{errors} errors", flush=True)  # fmt: skip
                    next_progress += 60
                time.sleep(0.2)
            sample(server, worker, series, start)
        elapsed = time.monotonic() - start
        database_cpu.stop.set()
        cpu = {
            "web": server.tree_cpu_seconds() - web_cpu0,
            "worker": worker.cpu_seconds() - worker_cpu0,
            "PostgreSQL": database_cpu.seconds(),
        }
        with step("waiting for the task queue to drain"):
            t0 = time.monotonic()
            with stack.connect() as conn:
                while True:
                    row = conn.execute(QUEUE).fetchone()
                    assert row is not None
                    pending, failed, tasks = row
                    if not pending or time.monotonic() - t0 > QUEUE_DRAIN_SECONDS:
                        break
                    time.sleep(0.5)
            drain = time.monotonic() - t0
        versions = stack.versions()
    report, passed = render(
        args, traffic, series, elapsed, (pending, failed, tasks, drain), environment + versions, cpu
    )
    print(report.render())
    report.write(args.output)
    print(f"written to {args.output}: {'PASS' if passed else 'FAIL'}")
    sys.exit(0 if passed else 1)


def render(
    args: argparse.Namespace,
    traffic: Traffic,
    series: dict[int, Series],
    elapsed: float,
    queue: tuple[int, int, int, float],
    environment: list[tuple[str, str]],
    cpu: dict[str, float],
) -> tuple[Report, bool]:
    pending, failed, tasks, drain = queue
    # HTTP requests; "OTP email" is a wait for an email, not a request (its errors count).
    total = sum(len(o.latencies) for k, o in traffic.outcomes.items() if k != "OTP email")
    errors = sum(o.errors for o in traffic.outcomes.values())
    rows = [
        [
            kind,
            f"{len(o.latencies):,}",
            o.errors,
            f"{percentile(o.latencies, 50) * 1000:.0f}",
            f"{percentile(o.latencies, 99) * 1000:.0f}",
        ]
        for kind, o in sorted(traffic.outcomes.items())
    ]
    memory_ok = True
    memory_rows = []
    for s in series.values():
        slope, growth, used = s.fit()
        per_hour = slope * 3600 / 2**20
        ok = per_hour < args.max_slope or growth / 2**20 < args.noise
        memory_ok &= ok
        rss = [r for _, r in s.points]
        memory_rows.append(
            [
                s.name,
                len(s.points),
                f"{rss[0] / 2**20:.1f}",
                f"{rss[-1] / 2**20:.1f}",
                f"{max(rss) / 2**20:.1f}",
                f"{per_hour:+.1f}",
                f"{growth / 2**20:+.2f}",
                "ok" if ok else "**grows**",
            ]
        )
    queue_ok = pending == 0 and failed == 0
    passed = errors == 0 and memory_ok and queue_ok
    report = Report(
        f"Soak: {args.minutes:g} minutes of mixed traffic — {'PASS' if passed else 'FAIL'}"
    )
    report.add(
        "",
        f"`{command_line()}` — {args.web_workers} gunicorn worker processes (the default `GUNICORN_THREADS`), one "
        f"`ansinh worker`, {args.clients} client threads (closed loop, keep-alive), "
        f"`ansinh demo --synthetic {SYNTHETIC}`; RSS sampled every {args.sample_seconds:g} s. "
        "Changed from the production defaults for one load generator on one address: "
        + ", ".join(f"`{k}={v}`" for k, v in ENV.items() if k != "LOG_LEVEL")
        + " (no worker recycling, so a leak cannot hide behind it).",
    )
    report.add(
        "Verdict",
        markdown_table(
            ["criterion", "result", "ok"],
            [
                [
                    "no errors (unexpected status, connection failure, missing OTP email)",
                    f"{errors} errors in {total:,} requests",
                    "yes" if errors == 0 else "**no**",
                ],
                [
                    f"memory: slope of the last 2/3 < {args.max_slope:g} MiB/h or fitted growth "
                    f"< {args.noise:g} MiB, every process",
                    "see below",
                    "yes" if memory_ok else "**no**",
                ],
                [
                    f"task queue drained within {QUEUE_DRAIN_SECONDS} s, no failed task",
                    f"{pending} pending, {failed} failed of {tasks:,} tasks after {drain:.1f} s",
                    "yes" if queue_ok else "**no**",
                ],
            ],
        ),  # fmt: skip
    )
    report.add(
        "Traffic",
        f"{total:,} requests in {elapsed / 60:.1f} min ({total / elapsed:.1f}/s); latency on the "
        "client's clock (OTP email = from the 202 to the email in the SMTP sink).\n\n"
        + markdown_table(["kind", "requests", "errors", "p50 ms", "p99 ms"], rows)
        + (
            "\n\nFirst errors:\n\n" + "\n".join(f"- `{e}`" for e in traffic.examples)
            if traffic.examples
            else ""
        ),  # fmt: skip
    )
    report.add(
        "CPU",
        "CPU seconds used during the traffic (the web server: gunicorn master and workers; the "
        "task worker; the PostgreSQL backends of the soak's database, sampled every second) per "
        "HTTP request of the mix above (logins are about 1 in 7, reads of history and card "
        "about 4 in 7).\n\n"
        + markdown_table(
            ["process", "CPU s", "ms per request"],
            [
                [name, f"{used:.1f}", f"{used / max(1, total) * 1000:.2f}"]
                for name, used in cpu.items()
            ],
        ),
    )
    report.add(
        "Memory (RSS, MiB)",
        markdown_table(
            [
                "process",
                "samples",
                "first",
                "last",
                "max",
                "slope MiB/h",
                "fitted growth MiB",
                "verdict",
            ],
            memory_rows,
        )  # fmt: skip
        + "\n\nThe samples, at most 12 evenly spaced (minute: MiB):\n\n"
        + "\n".join(
            f"- {s.name}: "
            + ", ".join(
                f"{t / 60:.1f}: {r / 2**20:.1f}"
                for t, r in s.points[:: max(1, math.ceil(len(s.points) / 12))]
            )
            for s in series.values()
        ),
    )
    report.add(
        "Machine",
        markdown_table(["", ""], [*environment, ("load average at the end", load_average())]),
    )
    return report, passed


if __name__ == "__main__":
    main()
