"""Memory of a web process while it reads a unit's JSON report (issue 11, defect h).

A benchmark, not a test. On the production profile (PostgreSQL, Redis, ``ansinh serve`` with one
web process, bench/harness.py), it sends ``POST /api/v1/unit/reports`` bodies of the given sizes
with the demo unit's key and reads, for each process of the server, the peak resident memory
(``VmHWM``, reset before each request) and the resident memory (``VmRSS``) before and after. The peak's growth is the
memory the request needed: before issue 11 the body was held whole and parsed into Python
objects (a 24 MB body added 627 MB); now it is read as a stream.

The lines of the n-th report hire persons ``7n00000000``, ``7n00000001``, …: with ``--seed`` they are added to the
registry first (one SQL statement), so each report is read, checked, stored and applied (201);
without it every line is ``person_not_matched`` and the report is rejected whole (422, the
daily budget of unmatched hires lifted for the bench), which also measures what the error list
costs. The seeded persons are born 1990-01-01, the date every hire line carries.

    .venv/bin/python bench/report_memory.py                   # this checkout ("after")
    .venv/bin/python bench/report_memory.py --code /tmp/base --label before --sizes 24
    make bench-report-memory

``--code DIR`` runs the server from another checkout of the same schema (``PYTHONPATH``), to
measure the code before a change with the same harness. Writes (or adds a section to)
bench/results/report-memory.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402 - bench/ is not a package
    LOOPBACK,
    RESULTS,
    BenchError,
    Process,
    ProductionStack,
    stop_on_signals,
)

UNIT_KEY = "demo-unit-key-TA01234"
LINE = (
    '{"bhxh_code": "%s%08d", "type": "hire", "from_month": "2026-08", "salary": %d, '
    '"job_title": "Nhân viên kinh doanh khu vực phía Bắc", "date_of_birth": "1990-01-01"}'
)
MIB = 1 << 20


def report_body(megabytes: float, *, reference: str, prefix: str = "79") -> tuple[bytes, int]:
    """A JSON report of about ``megabytes`` MB (10⁶ bytes) and its number of lines."""
    one = len((LINE % (prefix, 0, 10_000_000)).encode()) + 2
    count = max(1, int(megabytes * 1_000_000) // one)
    head = json.dumps({"reference": reference, "period": "2026-10"})[:-1] + ', "lines": [\n'
    body = bytearray(head.encode())
    for start in range(0, count, 100_000):
        part = ",\n".join(
            LINE % (prefix, i, 10_000_000 + i) for i in range(start, min(count, start + 100_000))
        )
        if start:
            body += b",\n"
        body += part.encode()
    body += b"\n]}"
    return bytes(body), count


def seed_persons(stack: ProductionStack, prefix: str, count: int) -> None:
    """Persons ``prefix``xxxxxxxx for a report's lines, straight into the registry's table."""
    with stack.connect() as conn:
        conn.execute(
            """
            INSERT INTO people_person (public_id, bhxh_code, full_name, date_of_birth, sex,
                nationality, ethnicity, address, province_code, phone, email, email_verified,
                language, created_at, updated_at, pending_email)
            SELECT gen_random_uuid(), %s || lpad(i::text, 8, '0'), 'Người ' || i,
                '1990-01-01', 'M', 'VN', 'Kinh', '', '79', '', '', false, 'vi', now(), now(), ''
            FROM generate_series(0, %s - 1) AS i
            """,
            (prefix, count),
        )


def memory(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of ``pid`` in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[name] = int(value.split()[0]) * 1024
    return fields["VmHWM"], fields["VmRSS"]


def reset_peak(pid: int) -> None:
    """Set ``VmHWM`` back to the current ``VmRSS`` (Linux ≥ 4.0), so that each request's peak is
    its own and not an earlier, larger one's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def tree(process: Process) -> list[int]:
    return [process.pid, *process.children()]


def post(base_url: str, body: bytes) -> tuple[int, str, float]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=1800)
    started = time.monotonic()
    try:
        conn.request(
            "POST",
            "/api/v1/unit/reports",
            body=body,
            headers={"Content-Type": "application/json", "X-API-Key": UNIT_KEY},
        )
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    seconds = time.monotonic() - started
    try:
        error = json.loads(payload).get("error", {})
        code = error.get("code", "") + (f" {error.get('fields')}" if error.get("fields") else "")
        code += f" {error['lines'][:1]}" if error.get("lines") else ""
    except ValueError:
        code = payload[:80].decode(errors="replace")
    return response.status, code, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="ansinh_bench_report")
    parser.add_argument("--redis-db", type=int, default=7)
    parser.add_argument(
        "--sizes", default="24,245", help="body sizes in MB, comma-separated (default 24,245)"
    )
    parser.add_argument("--code", help="run the server from this checkout (PYTHONPATH)")
    parser.add_argument("--label", default="after")
    parser.add_argument(
        "--seed", action="store_true", help="add the lines' persons first: reports are stored"
    )
    parser.add_argument("--output", default=str(RESULTS / "report-memory.md"))
    args = parser.parse_args()
    stop_on_signals()

    sizes = [float(s) for s in args.sizes.split(",")]
    extra = {"GUNICORN_TIMEOUT": "1800", "GUNICORN_MAX_REQUESTS": "100000"}
    # Unseeded reports are all unmatched hires: measured as 422s, not refused by the budget.
    extra["UNIT_UNMATCHED_HIRES_PER_DAY"] = "100000000"
    if args.code:
        extra["PYTHONPATH"] = str(Path(args.code).resolve())
    rows: list[str] = []
    with ProductionStack(
        name="report-memory", database=args.database, redis_db=args.redis_db, extra_env=extra
    ) as stack:
        stack.setup(synthetic=10)
        if args.seed:
            for n, size in enumerate(sizes):
                seed_persons(stack, f"7{n}", report_body(size, reference="")[1])
        server = stack.serve(threads=1)
        limit_bytes = int(stack.setting("REPORT_MAX_BYTES"))
        limit_lines = int(stack.setting("REPORT_MAX_LINES"))
        # Warm up: the code paths of a report are loaded before anything is measured.
        for n in range(3):
            body, _ = report_body(0.05, reference=f"WARM-{n}", prefix="69")  # unknown: 422
            post(stack.base_url, body)
        for n, size in enumerate(sizes):
            # Each report hires its own persons (7n00000000, …).
            body, lines = report_body(size, reference=f"MEM-{n}-{size:g}", prefix=f"7{n}")
            if len(body) > limit_bytes or lines > limit_lines:
                raise BenchError(f"{size} MB is over the limits ({limit_bytes} B, {limit_lines})")
            pids = tree(server)
            for pid in pids:
                reset_peak(pid)
            before = {pid: memory(pid) for pid in pids}
            status, code, seconds = post(stack.base_url, body)
            server.check_alive()
            after = {pid: memory(pid) for pid in pids if Path(f"/proc/{pid}").exists()}
            peak = max(after[p][0] - before[p][1] for p in after)
            rss = max(after[p][1] - before[p][1] for p in after)
            largest = max(after[p][0] for p in after)
            print(
                f"{len(body) / 1e6:7.1f} MB, {lines:,} lines: {status} {code} in {seconds:.1f} s; "
                f"peak +{peak / MIB:.1f} MiB, resident +{rss / MIB:.1f} MiB "
                f"(process peak {largest / MIB:.0f} MiB)",
                flush=True,
            )
            rows.append(
                f"| {args.label} | {len(body) / 1e6:.1f} MB | {lines:,} | {status} | "
                f"{peak / MIB:.1f} MiB | {rss / MIB:.1f} MiB | {largest / MIB:.0f} MiB | "
                f"{seconds:.1f} s |"
            )
        versions = ", ".join(f"{name} {v}" for name, v in stack.versions())

    output = Path(args.output)
    header = (
        "| code | body | lines | status | peak growth (VmHWM) | resident growth (VmRSS) "
        "| process peak | time |\n|---|---|---|---|---|---|---|---|\n"
    )
    section = (
        f"\n## {args.label}: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n\n"
        f"`bench/report_memory.py --label {args.label} --sizes {args.sizes}"
        f"{' --seed' if args.seed else ''}"
        f"{' --code …' if args.code else ''}` on {LOOPBACK}, one web process, {versions}.\n\n"
        + header
        + "\n".join(rows)
        + "\n"
    )
    if not output.exists():
        output.write_text("# Report memory (issue 11, defect h)\n" + section)
    else:
        output.write_text(output.read_text() + section)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
