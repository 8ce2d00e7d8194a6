"""Authenticated ``GET /api/v1/me/participation`` for a 35-year history (420 months at three
units, salary changes, some unpaid months) on the production profile (DESIGN §8: ≥ 400
requests/s per core, p99 ≤ 50 ms). Uses ``harness.ProductionStack`` (PostgreSQL, Redis,
``ansinh serve``).

    .venv/bin/python bench/history.py [--requests N] [--concurrency C] [--repeat R]
        [--database NAME] [--redis-db N] [--threads T] [--output FILE]

Per repetition: N requests from C client threads, each with its own keep-alive connection and
the same access token. Rate per core = requests / CPU seconds the web server used; latency is
measured by the client (p50, p99). The first request builds the person's participation snapshot;
it is made before the measured repetitions (warm-up).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    LOOPBACK,
    ProductionStack,
    http_request,
    machine,
    markdown_table,
    percentile,
    run_clients,
    stop_on_signals,
)

# A BHXH code of province 98, which the demo data does not use: the setup runs beside it.
USERNAME = "9800000001"
PASSWORD = "Bench-History-2026"  # noqa: S105 - a throw-away database's account
SETUP = r"""
import datetime as dt
from ansinh.accounts.models import Role, User
from ansinh.contributions.models import ContributionMonth
from ansinh.contributions.months import add_months
from ansinh.people.models import Office, Person, Unit
office, _ = Office.objects.get_or_create(
    code="01001", defaults={"name": "BHXH quận Ba Đình", "province_code": "01"})
units = [Unit.objects.get_or_create(code=f"TA0{i}000",
    defaults={"name": f"Công ty TNHH Số {i}", "office": office})[0] for i in range(3)]
person = Person.objects.create(bhxh_code=USERNAME, full_name="Nguyễn Văn An",
    date_of_birth=dt.date(1968, 5, 17), sex="M", province_code="98")
user = User(username=USERNAME, role=Role.CITIZEN, person=person)
user.set_password(PASSWORD)
user.save()
rows = []
first = dt.date(1991, 12, 1)
for i in range(420):
    month = add_months(first, i)
    unit = units[min(i // 140, 2)]
    salary = 3_000_000 + (i // 12) * 500_000
    rows.append(ContributionMonth(person=person, unit=unit, month=month, salary=salary,
        job_title=f"Bậc {i // 60 + 1}", schemes=15, paid=not (i % 97 == 5 or i >= 417)))
ContributionMonth.objects.bulk_create(rows)
print("months", ContributionMonth.objects.filter(person=person).count())
""".replace("USERNAME", repr(USERNAME)).replace("PASSWORD", repr(PASSWORD))


def login_token(base_url: str) -> str:
    """An access token of the person with the 35-year history."""
    status, body = http_request(
        "POST",
        base_url + "/api/v1/auth/login",
        body=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise SystemExit(f"login for the history failed: {status} {body[:200]!r}")
    return str(json.loads(body)["access_token"])


def run_load(
    base_url: str, token: str, requests: int, concurrency: int, *, compressed: bool = True
) -> tuple[list[float], float]:
    """``requests`` history reads from ``concurrency`` keep-alive connections; each answer is
    checked. ``compressed``: the client accepts gzip, as a phone's browser does (the body is
    decompressed and checked); otherwise it asks for the JSON as is."""
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_thread = requests // concurrency

    def worker() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        local: list[float] = []
        headers = {
            "Authorization": f"Bearer {token}",
            "Host": LOOPBACK,
            "Accept-Encoding": "gzip" if compressed else "identity",
        }
        for _ in range(per_thread):
            t0 = time.perf_counter()
            conn.request("GET", "/api/v1/me/participation", headers=headers)
            response = conn.getresponse()
            body = response.read()
            local.append(time.perf_counter() - t0)
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if response.status != 200 or not body.startswith(b'{"schemes"'):
                errors.append(f"{response.status} {body[:100]!r}")
        conn.close()
        with lock:
            latencies.extend(local)

    wall = run_clients(worker, concurrency)
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return latencies, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="web server threads")
    parser.add_argument("--database", default="ansinh_bench")
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    stop_on_signals()
    with ProductionStack(name="history", database=args.database, redis_db=args.redis_db) as stack:
        stack.ansinh("migrate", "--no-input", "--verbosity", "0")
        stack.ansinh("shell", "--command", SETUP)
        server = stack.serve(threads=args.threads)
        token = login_token(stack.base_url)
        warm, _ = run_load(stack.base_url, token, 200, 4)
        document = json.loads(
            http_request(
                "GET",
                stack.base_url + "/api/v1/me/participation",
                headers={"Authorization": f"Bearer {token}"},
            )[1]
        )
        periods = len(document["schemes"]["BHXH"]["periods"])
        results = []
        for rep in range(args.repeat):
            cpu0 = server.tree_cpu_seconds()
            latencies, wall = run_load(stack.base_url, token, args.requests, args.concurrency)
            cpu = server.tree_cpu_seconds() - cpu0
            n = len(latencies)
            results.append(
                {
                    "per_core": n / cpu,
                    "wall": n / wall,
                    "p50": percentile(latencies, 50) * 1000,
                    "p99": percentile(latencies, 99) * 1000,
                }
            )
            print(f"rep {rep + 1}: {results[-1]}", flush=True)

    def spread(key: str, fmt: str) -> list[str]:
        values = [r[key] for r in results]
        return [
            fmt.format(min(values)),
            fmt.format(statistics.median(values)),
            fmt.format(max(values)),
        ]

    table = markdown_table(
        ["", "min", "median", "max"],
        [
            ["requests / s per core (server CPU)", *spread("per_core", "{:,.0f}")],
            ["requests / s (wall, client on the same 2 cores)", *spread("wall", "{:,.0f}")],
            ["p50 latency, ms", *spread("p50", "{:.1f}")],
            ["p99 latency, ms", *spread("p99", "{:.1f}")],
        ],
    )
    per_core = statistics.median(r["per_core"] for r in results)
    p99 = max(r["p99"] for r in results)
    met = per_core >= 400 and p99 <= 50
    text = (
        f"### Authenticated participation read, 35-year history ({args.repeat} × {args.requests:,} "
        f"requests, {args.concurrency} client connections, {args.threads} server threads)\n\n"
        f"`{' '.join(sys.argv)}` — 420 month rows at 3 units, {periods} BHXH periods in the "
        f"answer ({len(json.dumps(document)):,} bytes).\n\n{table}\n\n"
        f"Goal (DESIGN §8): ≥ 400 requests/s per core and p99 ≤ 50 ms: "
        f"{'met' if met else 'NOT met'}.\n\nMachine:\n\n{markdown_table(['', ''], machine())}\n"
    )
    print(text)
    if args.output:
        with args.output.open("a") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
