"""Contributions benchmarks run in-process against PostgreSQL (DESIGN §8; bench/RESULTS.md):

* ``ingest``: a report of N lines (CSV, default 1,000,000 hires) through
  ``contributions.services.ingest_report`` — parse, validate whole, store, apply — side by side
  with the physical limit of the data model: a ``COPY`` of exactly the rows that ingest wrote
  (report, report lines, employments, month rows, statements, registry employments, audit
  event: every table whose rows it changed) into the same tables, emptied, with the same
  indexes, constraints and (deferred) foreign keys, in one transaction up to its commit, as the
  ingest is timed. As context, a raw ``COPY`` of the CSV into one bare table. R repetitions,
  each: bare COPY, ingest, same-table COPY of its rows;
* ``statements``: ``compute_all_statements`` for the next month with 10k, 100k and 1M open
  employments (spread over 10 units): how the time grows.

Usage (the database is dropped and re-created; Redis is not used)::

    .venv/bin/python bench/contributions.py ingest [--lines N] [--repeat R] [--profile FILE]
    .venv/bin/python bench/contributions.py statements [--sizes 10000,100000,1000000]

Options: ``--postgres URL`` (admin connection), ``--database NAME`` (default ``ansinh_bench``).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import logging
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from harness import machine, markdown_table  # noqa: E402

PERIOD = "2026-10"
UNITS = 10


def _reset(admin: str, database: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return admin.rsplit("/", 1)[0] + "/" + database


def _django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        ANSINH_PROFILE="production",
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        SMTP_HOST="127.0.0.1",
        SITE_URL="http://127.0.0.1:8000",
        WEBAUTHN_RP_ID="localhost",
        WEBAUTHN_ORIGINS="http://localhost:8000",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ansinh.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _code(i: int) -> str:
    return f"{10_000_000_00 + i:010d}"


def _persons(count: int) -> None:
    """``count`` persons and ``UNITS`` units, with COPY (not part of any measurement)."""
    from django.db import connection

    from ansinh.people.models import Office, Unit

    office = Office.objects.create(code="01001", name="BHXH quận Ba Đình", province_code="01")
    for u in range(UNITS):
        Unit.objects.create(code=f"BE{u:05d}", name=f"Công ty {u}", office=office)
    now = dt.datetime.now(dt.UTC)
    columns = (
        "public_id", "bhxh_code", "full_name", "date_of_birth", "sex", "nationality",
        "ethnicity", "address", "province_code", "phone", "email", "email_verified",
        "language", "created_at", "updated_at", "pending_email",
    )  # fmt: skip
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            sql.SQL("COPY people_person ({}) FROM STDIN").format(
                sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        ) as copy:
            for i in range(count):
                copy.write_row(
                    (uuid.uuid4(), _code(i), "Nguyễn Văn Bench", dt.date(1990, 1, 1), "M", "VN",
                     "Kinh", "", "10", "", "", False, "vi", now, now, "")
                )  # fmt: skip
        cursor.execute("ANALYZE people_person")


def _csv(count: int, offset: int = 0) -> bytes:
    out = io.StringIO()
    out.write("bhxh_code,type,from_month,to_month,salary,job_title,schemes,date_of_birth\n")
    for i in range(offset, offset + count):
        # A hire names its person by code and date of birth (the registry's, see ``_persons``).
        salary = 5_000_000 + (i % 200) * 100_000
        out.write(f"{_code(i)},hire,{PERIOD},,{salary},Công nhân may,,1990-01-01\n")
    return out.getvalue().encode()


def _chunks(data: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


# The tables an ingest writes (emptied between repetitions); any other table whose row count an
# ingest changes stops the benchmark (the same-table COPY would not be the same rows).
OUTPUT_TABLES = (
    "contributions_report", "contributions_reportline", "contributions_employment",
    "contributions_contributionmonth", "contributions_statement",
    "contributions_participationsnapshot", "people_employment", "audit_auditevent",
    "tasks_task",
)  # fmt: skip


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_existing(cursor, OUTPUT_TABLES))} CASCADE")


def _existing(cursor: object, tables: tuple[str, ...]) -> list[str]:
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s)",
        (list(tables),),
    )
    return sorted(row[0] for row in cursor.fetchall())  # type: ignore[attr-defined]


def _row_counts() -> dict[str, int]:
    """Rows of every table of the schema (partitions counted through their parent)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
        names = sorted(row[0] for row in cursor.fetchall())
        counts = {}
        for name in names:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
            counts[name] = cursor.fetchone()[0]
    return counts


def _capture(before: dict[str, int]) -> dict[str, tuple[list[str], bytes, int]]:
    """The rows the ingest just wrote, per table (binary COPY, every stored column)."""
    from django.db import connection

    after = _row_counts()
    changed = sorted(name for name in after if after[name] != before.get(name))
    unexpected = [name for name in changed if name not in OUTPUT_TABLES]
    if unexpected:
        raise SystemExit(f"the ingest wrote to tables the benchmark does not empty: {unexpected}")
    captured = {}
    with connection.cursor() as cursor:
        for name in changed:
            if before.get(name):
                raise SystemExit(f"{name} was not empty before the ingest")
            cursor.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                (name,),
            )
            columns = [row[0] for row in cursor.fetchall()]
            out = io.BytesIO()
            with cursor.cursor.copy(
                # A query, not the table: COPY … TO refuses a partitioned table.
                sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT binary)").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(name)
                )
            ) as copy:
                for data in copy:
                    out.write(data)
            captured[name] = (columns, out.getvalue(), after[name])
    return captured


def _copy_same_tables(captured: dict[str, tuple[list[str], bytes, int]]) -> float:
    """Seconds to COPY the captured rows into the (emptied) same tables, up to the commit:
    the same indexes, constraints and deferred foreign-key checks as the ingest's."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, (columns, data, _) in captured.items():
            with cursor.cursor.copy(
                sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
            ) as copy:
                for chunk in _chunks(data, 1 << 20):
                    copy.write(chunk)
    return time.perf_counter() - t0


def _print_profile(profiler: cProfile.Profile, path: Path) -> None:
    """Write the profile of one ingest to ``path`` (pstats) and print where the time went."""
    profiler.dump_stats(str(path))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(25)
    print(out.getvalue(), flush=True)


def ingest(args: argparse.Namespace) -> str:
    from django.db import connection, transaction

    from ansinh.contributions.parsing import csv_rows
    from ansinh.contributions.services import ingest_report
    from ansinh.lib.actor import Actor
    from ansinh.people.models import Unit

    started = time.monotonic()
    _persons(args.lines)
    setup = time.monotonic() - started
    data = _csv(args.lines)
    unit = Unit.objects.get(code="BE00000")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw_lines (bhxh_code text, type text, from_month text, "
            "to_month text, salary bigint, job_title text, schemes text, date_of_birth text)"
        )
    _truncate()
    rows = []
    written: dict[str, int] = {}
    for rep in range(args.repeat):
        with transaction.atomic(), connection.cursor() as cursor:
            t0 = time.perf_counter()
            with cursor.cursor.copy(
                "COPY bench_raw_lines FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy:
                for chunk in _chunks(data):
                    copy.write(chunk)
            copy_s = time.perf_counter() - t0
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_raw_lines")
        before = _row_counts()
        profiler = cProfile.Profile() if args.profile and rep == 0 else None
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        result = ingest_report(
            unit=unit, reference=f"BENCH-{rep}", period=PERIOD, lines=csv_rows(_chunks(data)),
            csv_rows=True, actor=Actor.command(),
        )  # fmt: skip
        ingest_s = time.perf_counter() - t0
        if profiler:
            profiler.disable()
            _print_profile(profiler, args.profile)
        assert result.created and result.report.line_count == args.lines
        captured = _capture(before)
        written = {name: count for name, (_, _, count) in captured.items()}
        _truncate()
        same_s = _copy_same_tables(captured)
        _truncate()
        rows.append((copy_s, same_s, ingest_s))
        print(
            f"rep {rep + 1}: COPY {copy_s:.2f} s, same-table COPY {same_s:.2f} s, "
            f"ingest {ingest_s:.2f} s",
            flush=True,
        )
    copy_rates = [args.lines / c for c, _, _ in rows]
    same_rates = [args.lines / s for _, s, _ in rows]
    ingest_rates = [args.lines / i for _, _, i in rows]
    ratios = [s / i for _, s, i in rows]
    bare_ratios = [c / i for c, _, i in rows]

    def spread(values: list[float], fmt: str) -> list[str]:
        return [
            fmt.format(min(values)),
            fmt.format(statistics.median(values)),
            fmt.format(max(values)),
        ]

    table = markdown_table(
        ["", "min", "median", "max"],
        [
            ["ingest ÷ same-table COPY of its rows (same repetition)", *spread(ratios, "{:.1%}")],
            ["ingest ÷ raw COPY into one bare table (context)", *spread(bare_ratios, "{:.1%}")],
            ["ingest_report, lines/s", *spread(ingest_rates, "{:,.0f}")],
            ["same-table COPY of the ingest's rows, lines/s", *spread(same_rates, "{:,.0f}")],
            ["raw COPY into one bare table, lines/s", *spread(copy_rates, "{:,.0f}")],
            ["ingest_report, seconds", *spread([i for _, _, i in rows], "{:.1f}")],
            ["same-table COPY, seconds", *spread([s for _, s, _ in rows], "{:.1f}")],
        ],
    )
    tables = ", ".join(f"`{name}` {count:,}" for name, count in written.items())
    return (
        f"### Report ingest vs COPY of its rows ({args.lines:,} lines, {args.repeat} repetitions)\n\n"
        f"`{' '.join(sys.argv)}` — setup ({args.lines:,} persons by COPY) {setup:.0f} s. "
        f"Rows the ingest wrote, copied back (binary COPY, one transaction, timed up to its "
        f"commit) into the same tables after `TRUNCATE`: {tables}.\n\n"
        f"{table}\n\nGoal (issue 16): ingest ≥ 50 % of the same-table COPY's rate: "
        f"{'met' if statistics.median(ratios) >= 0.5 else 'NOT met'} (median "
        f"{statistics.median(ratios):.1%}).\n"
    )


def statements(args: argparse.Namespace) -> str:
    from django.db import connection

    from ansinh.contributions.months import parse_month
    from ansinh.contributions.statements import compute_all_statements

    sizes = [int(s) for s in args.sizes.split(",")]
    _persons(max(sizes))
    person_ids = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT bhxh_code, id FROM people_person")
        person_ids = dict(cursor.fetchall())
        cursor.execute("SELECT id FROM people_unit ORDER BY code")
        units = [row[0] for row in cursor.fetchall()]
    september, october = parse_month("2026-09"), parse_month("2026-10")
    rows = []
    for size in sizes:
        _truncate()
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                "COPY contributions_employment (person_id, unit_id, started, salary, job_title, "
                "schemes, covered_to) FROM STDIN"
            ) as copy:
                for i in range(size):
                    copy.write_row(
                        (person_ids[_code(i)], units[i % UNITS], september, 8_000_000 + i % 97 * 1000,
                         "Công nhân", 15, september)
                    )  # fmt: skip
            with cursor.cursor.copy(
                "COPY contributions_contributionmonth (person_id, unit_id, month, salary, "
                "job_title, schemes, paid) FROM STDIN"
            ) as copy:
                for i in range(size):
                    copy.write_row(
                        (person_ids[_code(i)], units[i % UNITS], september, 8_000_000 + i % 97 * 1000,
                         "Công nhân", 15, False)
                    )  # fmt: skip
            cursor.execute("ANALYZE")
        compute_all_statements(month=september)  # the previous month, not measured
        t0 = time.perf_counter()
        count = compute_all_statements(month=october)
        seconds = time.perf_counter() - t0
        assert count == UNITS
        print(f"{size:,} employees: {seconds:.2f} s", flush=True)
        rows.append([f"{size:,}", f"{seconds:.2f}", f"{size / seconds:,.0f}"])
    table = markdown_table(["open employments", "seconds", "employees/s"], rows)
    return (
        f"### Statement computation (`ansinh statements`) for the next month, {UNITS} units\n\n"
        f"`{' '.join(sys.argv)}` — each size: employments and the previous month's rows loaded by "
        "COPY, previous month's statements computed, then timed: carry every open employment on "
        "to the month (insert its month row), recompute the statements, settle payments.\n\n"
        f"{table}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["ingest", "statements"])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="ansinh_bench")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--output", type=Path, help="append the Markdown section to this file")
    parser.add_argument(
        "--profile", type=Path, help="ingest: cProfile the first repetition into this file"
    )
    args = parser.parse_args()
    _django(_reset(args.postgres, args.database))
    if args.profile:  # the PostgreSQL ingest logs its steps' seconds at DEBUG
        steps = logging.getLogger("ansinh.contributions.pgingest")
        steps.setLevel(logging.DEBUG)
        steps.addHandler(logging.StreamHandler(sys.stdout))
        steps.propagate = False
    section = ingest(args) if args.what == "ingest" else statements(args)
    header = markdown_table(["", ""], machine())
    text = f"{section}\nMachine:\n\n{header}\n"
    print(text)
    if args.output:
        with args.output.open("a") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
