"""The PostgreSQL path of report ingest (``pgingest``) gives exactly the generic path's results.

Each test runs the same sequence of reports twice from the same state, once through each path
(``REPORT_INGEST_SQL``), and compares every outcome (stored, replayed, conflict, or the errors
of a rejected report) and every row the reports touch, after every step. PostgreSQL only (on
SQLite there is one path).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from ansinh.audit.models import AuditEvent
from ansinh.contributions import payments, pgingest, statements
from ansinh.contributions.models import (
    ContributionMonth,
    Employment,
    ParticipationSnapshot,
    Report,
    ReportLine,
    Statement,
)
from ansinh.contributions.parsing import csv_rows
from ansinh.contributions.receipt import ReportConflict
from ansinh.contributions.services import REPORT_LINE_COLUMNS, ingest_report
from ansinh.contributions.validation import ReportRejected
from ansinh.lib.actor import Actor
from ansinh.people.models import Employment as RegistryEmployment
from ansinh.people.models import Person, Unit

from .conftest import codes as line_codes

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL path exists on PostgreSQL only"
)

HEADER = "bhxh_code,type,from_month,to_month,salary,job_title,schemes,date_of_birth\n"


def code(n: int) -> str:
    return f"01{n:08d}"


@pytest.fixture
def persons(db: None) -> list[Person]:
    return Person.objects.bulk_create(
        Person(
            bhxh_code=code(n),
            full_name=f"Người {n}",
            date_of_birth=dt.date(1990, 1, 1),
            sex="M",
            province_code="01",
        )
        for n in range(1, 2101)
    )


def snapshot() -> dict[str, Any]:
    """Every row the reports touch, without generated ids and times."""
    reports = dict(Report.objects.values_list("pk", "reference"))
    return {
        "reports": sorted(
            Report.objects.values_list(
                "unit__code", "reference", "period", "digest", "channel", "line_count", "counts"
            ),
            key=repr,
        ),
        "lines": sorted(
            (reports[r[0]], *r[1:]) for r in ReportLine.objects.values_list(*REPORT_LINE_COLUMNS)
        ),
        "employments": sorted(
            Employment.objects.values_list(
                "person_id",
                "unit_id",
                "started",
                "ended",
                "salary",
                "job_title",
                "schemes",
                "covered_to",
            ),  # fmt: skip
            key=repr,
        ),
        "months": sorted(
            ContributionMonth.objects.values_list(
                "person_id", "unit_id", "month", "salary", "job_title", "schemes", "paid"
            )
        ),
        "statements": sorted(
            Statement.objects.values_list(
                "unit_id", "month", "headcount", "salary_fund", "due_by_fund", "due"
            ),
            key=repr,
        ),
        "registry": sorted(
            RegistryEmployment.objects.values_list(
                "person_id", "unit_id", "start_month", "end_month"
            )
        ),
        "snapshots": sorted(ParticipationSnapshot.objects.values_list("person_id", flat=True)),
        "audit": AuditEvent.objects.filter(event="report.received").count(),
    }


Step = Callable[[], Any]


def outcome(step: Step) -> Any:
    try:
        result = step()
    except ReportRejected as exc:
        return ("rejected", exc.fields, exc.lines, exc.error_count)
    except ReportConflict:
        return ("conflict",)
    if result is None:
        return None
    return ("stored", result.created, result.report.reference, result.report.line_count)


def both_paths(settings: Any, steps: list[Step]) -> list[Any]:
    """Run ``steps`` through each path from the same state; assert equal results; return
    the outcomes."""
    runs = []
    for sql in (False, True):
        settings.REPORT_INGEST_SQL = sql
        with transaction.atomic():
            run = []
            for step in steps:
                run.append((outcome(step), snapshot()))
            runs.append(run)
            transaction.set_rollback(True)
    generic, fast = runs
    assert len(generic) == len(fast)
    for number, (expected, got) in enumerate(zip(generic, fast, strict=True), start=1):
        assert got[0] == expected[0], f"step {number}: outcome"
        for table in expected[1]:
            assert got[1][table] == expected[1][table], f"step {number}: {table}"
    return [result for result, _ in generic]


def csv_report(unit: Unit, reference: str, period: str, text: str, chunk: int = 1 << 16) -> Step:
    data = text.encode()
    return lambda: ingest_report(
        unit=unit,
        reference=reference,
        period=period,
        lines=csv_rows(data[i : i + chunk] for i in range(0, len(data), chunk)),
        csv_rows=True,
        actor=Actor.command(),
    )


def json_report(unit: Unit, reference: str, period: str, lines: list[Any]) -> Step:
    return lambda: ingest_report(
        unit=unit, reference=reference, period=period, lines=lines, actor=Actor.command()
    )


def setup_steps(unit: Unit, other_unit: Unit) -> list[Step]:
    """Person 1 employed since 2025-01, 2 from 2024-06 to 2025-06, 3 since 2026-01, 5 at the
    other unit, 6 since 2026-03, 9 from 2024-01 to 2024-12; a payment for the first months."""

    def hire(n: int, month: str, salary: int) -> dict[str, Any]:
        return {"bhxh_code": code(n), "type": "hire", "from_month": month, "salary": salary,
                "date_of_birth": "1990-01-01"}  # fmt: skip

    def pay() -> None:
        unit_statements = Statement.objects.filter(unit=unit).order_by("month")[:20]
        payments.record_payment(
            unit_code=unit.code,
            amount=sum(s.due for s in unit_statements) + 12345,
            paid_on=dt.date(2026, 6, 30),
            actor=Actor.command(),
        )

    return [
        json_report(
            unit,
            "R0",
            "2026-06",
            [
                hire(1, "2025-01", 8_000_000),
                hire(2, "2024-06", 6_500_000),
                {"bhxh_code": code(2), "type": "leave", "from_month": "2025-07"},
                hire(3, "2026-01", 9_000_000),
                hire(6, "2026-03", 5_000_000) | {"job_title": "Thợ máy", "schemes": ["BHYT"]},
                hire(9, "2024-01", 6_000_000),
                hire(15, "2025-03", 6_100_000),
                {"bhxh_code": code(9), "type": "leave", "from_month": "2025-01"},
            ],
        ),
        json_report(other_unit, "R0-OTHER", "2026-06", [hire(5, "2025-05", 7_000_000)]),
        pay,
    ]


VALID = (
    HEADER
    + f"{code(4)},hire,2026-08,,6000000,Công nhân,BHYT|BHXH,1990-01-01\n"
    + f'{code(2)},hire,2026-02,,7000000,"Kế toán, tổng hợp",,1990-01-01\n'
    + f"{code(3)},adjust_salary,2026-09,,9500000,,,\n"
    + f"{code(1)},leave,2026-07,,,,,\n"
    + f"{code(1)},correct_period,2024-11,2025-02,7700000,Nhân viên,,\n"
    + f"{code(6)},correct_period,2026-03,2026-04,5500000,,BHXH|BHYT|BHTN,\n"
    + "\n"
    # A correction needs an employment at the unit at some time (issue 11 c): person 9's.
    + f"{code(9)},correct_period,2024-01,2024-03,4800000,Kỹ sư,BHTNLD_BNN,\r\n"
    + f"{code(7)},hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(7)},adjust_salary,2026-10,,5200000,Tổ trưởng,,\n"
    + f" {code(6)} , adjust_salary , 2026-05 ,, 6600000 , Thợ máy , BHXH | BHYT ,\n"
    + f"{code(10)},hire,2026-10,,1000000000000,Giám đốc,,1990-01-01\n"
    + f"{code(11)},hire,2026-10,,5000000,Kỹ sư,,1990-01-01\n"
    + f"{code(15)},leave,2026-04,,,,,\n"
)

INVALID = (
    HEADER
    + "abc,fire,2026-13,,x,,,\n"
    + f"{code(4)},hire,1990-01,,5000000,,,1990-01-01\n"
    + f"{code(12)},hire,2026-11,,5000000,,,1990-01-01\n"
    + f"{code(12)},hire,2026-10,,0,,,1990-01-01\n"
    + f"{code(12)},hire,2026-10,,,,,1990-01-01\n"
    + f"{code(12)},hire,2026-10,2026-10,5000000,,,1990-01-01\n"
    + f"{code(12)},correct_period,2026-05,2026-04,5000000,,,\n"
    + f"{code(12)},correct_period,2026-05,,5000000,,,\n"
    + f"{code(12)},leave,2026-05,,5000000,X,BHXH,\n"
    + f"{code(12)},hire,2026-10,,5000000,{'x' * 101},,1990-01-01\n"
    + f"{code(12)},hire,2026-10,,5000000,,BHXH|BHXH,1990-01-01\n"
    + f"{code(12)},hire,2026-10,,5000000,,FOO,1990-01-01\n"
    + f"{code(12)},hire\n"
    + ",hire,2026-10,,5000000,,,1990-01-01\n"
    + "0999999999,hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(3)},hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(9)},hire,2024-10,,5000000,,,1990-01-01\n"
    + f"{code(5)},leave,2026-10,,,,,\n"
    + f"{code(5)},adjust_salary,2026-10,,6000000,,,\n"
    + f"{code(3)},leave,2026-01,,,,,\n"
    + f"{code(3)},adjust_salary,2025-12,,6000000,,,\n"
    + f"{code(4)},hire,2014-12,,5000000,,,1990-01-01\n"
    + f"{code(13)},hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(13)},hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(9)},hire,2026-05,,5000000,,,1990-01-01\n"
    + f"{code(9)},leave,2026-05,,,,,\n"
    + f'{code(12)},hire,2026-10,,5000000,"two\nlines",,1990-01-01\n'
    + f"{code(12)},hire,2026-10,,5000000,\x7fdel,,1990-01-01\n"
    + f"{code(12)},hire,2026-10,,5000000,trailing\u00a0,,1990-01-01\n"
    + f"{code(14)},hire,2026-10,,5000000,,,1990-01-01\n"
    # Issue 11 c: an unknown code and a person never employed here answer alike.
    + "0999999998,leave,2026-10,,,,,\n"
    + f"{code(8)},correct_period,2025-01,2025-03,4800000,,,\n"
    # Issue 11 c: an unknown code and a wrong date of birth answer alike (person_not_matched),
    # also for a person the unit employs or a hire followed by other lines of the person.
    + f"{code(16)},hire,2026-10,,5000000,,,1990-01-02\n"
    + "0999999997,hire,2026-10,,5000000,,,1990-01-01\n"
    + f"{code(3)},hire,2026-10,,5000000,,,1991-01-01\n"
    + f"{code(17)},hire,2026-10,,5000000,,,1990-01-02\n"
    + f"{code(17)},adjust_salary,2026-10,,6000000,,,\n"
    + f"{code(18)},hire,2026-10,,5000000,,,2999-01-01\n"
    + f"{code(19)},hire,2026-10,,5000000,,,1990-02-30\n"
    + f"{code(19)},hire,2026-10,,5000000,,,1899-12-31\n"
    + f"{code(19)},hire,2026-10,,5000000,,,90-01-01\n"
    + f"{code(19)},hire,2026-10,,5000000,,,\n"
    + f"{code(19)},leave,2026-10,,,,,1990-01-01\n"
    + f"{code(19)},correct_period,2026-01,2026-02,1,,,1990-01-01\n"
    + f"{code(20)},hire,2026-10,,5000000,,, 1990-01-01 \n"
    + f'{code(21)},hire,2026-10,,5000000,,,"1990-01-01"\n'
    + f"{code(22)},hire,2026-10,,5000000,,,1990-01-01x\n"
)


def test_a_report_with_every_kind_of_line_gives_the_same_rows_and_errors(
    settings, persons, unit, other_unit
):
    results = both_paths(
        settings,
        [
            *setup_steps(unit, other_unit),
            csv_report(unit, "R1", "2026-10", VALID),
            csv_report(unit, "R2", "2026-10", INVALID),
            csv_report(unit, "R1", "2026-10", VALID),  # replay
            csv_report(unit, "R1", "2026-10", VALID.replace("9500000", "9600000")),  # conflict
        ],
    )

    assert results[3] == ("stored", True, "R1", 13)
    rejected = results[4]
    assert rejected[0] == "rejected" and rejected[3] == 42
    assert line_codes(rejected[2][-15:]) == [
        {"line": 31, "fields": {"bhxh_code": "not_employed"}},
        {"line": 32, "fields": {"bhxh_code": "not_employed"}},
        # The probes of issue 11 c: every unmatched hire gives the one entry.
        {"line": 33, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 34, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 35, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 36, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 37, "fields": {"bhxh_code": "not_employed"}},
        {"line": 38, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 39, "fields": {"date_of_birth": "invalid_date"}},
        {"line": 40, "fields": {"date_of_birth": "invalid_date"}},
        {"line": 41, "fields": {"date_of_birth": "invalid_date"}},
        {"line": 42, "fields": {"date_of_birth": "required"}},
        {"line": 43, "fields": {"date_of_birth": "only_for_hires"}},
        {"line": 44, "fields": {"date_of_birth": "only_for_hires"}},
        {"line": 47, "fields": {"date_of_birth": "invalid_date"}},
    ]
    codes = {code for line in rejected[2] for code in line["fields"].values()}
    assert codes >= {
        "invalid_bhxh_code", "invalid_type", "invalid_month", "invalid_salary", "month_too_early",
        "after_report_period", "required", "only_for_corrections", "before_from_month",
        "not_for_leave", "too_long", "invalid_schemes", "wrong_number_of_columns",
        "person_not_matched", "already_employed", "overlaps_previous_employment", "not_employed",
        "not_after_start", "before_start", "no_rates_for_month", "invalid_characters",
        "invalid_date", "only_for_hires",
    }  # fmt: skip
    assert results[5] == ("stored", False, "R1", 13)
    assert results[6] == ("conflict",)


def test_json_reports_give_the_same_rows_and_errors(settings, persons, unit, other_unit):
    born = {"date_of_birth": "1990-01-01"}
    bad = [
        "not an object",
        {"bhxh_code": 123, "type": "hire", "from_month": "2026-10", "salary": 5_000_000} | born,
        {"bhxh_code": code(12), "type": "hire", "from_month": "2026-10", "salary": "5000000"}
        | born,
        {"bhxh_code": code(12), "type": "hire", "from_month": "2026-10", "salary": 1,
         "schemes": "BHXH"} | born,
        {"bhxh_code": code(12), "type": "hire", "from_month": "2026-10", "salary": 1, "bonus": 1}
        | born,
        {"bhxh_code": code(3), "type": "hire", "from_month": "2026-10", "salary": 1} | born,
        {"bhxh_code": code(12), "type": "leave", "from_month": "2026-10"},
        # Issue 11 c: a hire names its person by code and date of birth.
        {"bhxh_code": code(16), "type": "hire", "from_month": "2026-10", "salary": 1,
         "date_of_birth": "1990-01-02"},
        {"bhxh_code": "0999999997", "type": "hire", "from_month": "2026-10", "salary": 1} | born,
        {"bhxh_code": code(17), "type": "hire", "from_month": "2026-10", "salary": 1},
        {"bhxh_code": code(17), "type": "hire", "from_month": "2026-10", "salary": 1,
         "date_of_birth": 19900101},
        {"bhxh_code": code(17), "type": "leave", "from_month": "2026-10"} | born,
        {"bhxh_code": code(17), "type": "hire", "from_month": "2026-10", "salary": 1,
         "date_of_birth": "1990-1-1"},
    ]  # fmt: skip
    good = [
        {"bhxh_code": code(12), "type": "hire", "from_month": "2026-10", "salary": 5_000_000,
         "job_title": " padded ", "schemes": ["BHTN", "BHXH"]} | born,
        {"bhxh_code": code(3), "type": "leave", "from_month": "2026-10"},
        {"bhxh_code": code(1), "type": "correct_period", "from_month": "2024-12",
         "to_month": "2025-01", "salary": 7_000_000},
    ]  # fmt: skip
    results = both_paths(
        settings,
        [
            *setup_steps(unit, other_unit),
            json_report(unit, "J1", "2026-10", bad),
            json_report(unit, "J2", "2026-10", good),
            json_report(unit, "J2", "2026-10", good),
            csv_report(
                unit, "J2", "2026-10", HEADER + f"{code(12)},hire,2026-10,,5000000,,,1990-01-01\n"
            ),
        ],
    )

    assert results[3][0] == "rejected" and results[3][3] == 13
    assert line_codes(results[3][2][6:]) == [
        {"line": 7, "fields": {"bhxh_code": "not_employed"}},
        {"line": 8, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 9, "fields": {"bhxh_code": "person_not_matched"}},
        {"line": 10, "fields": {"date_of_birth": "required"}},
        {"line": 11, "fields": {"date_of_birth": "must_be_text"}},
        {"line": 12, "fields": {"date_of_birth": "only_for_hires"}},
        {"line": 13, "fields": {"date_of_birth": "invalid_date"}},
    ]
    assert results[4] == ("stored", True, "J2", 3)
    assert results[5] == ("stored", False, "J2", 3)
    assert results[6] == ("conflict",)


def test_a_csv_report_replays_a_json_report_of_the_same_lines(settings, persons, unit):
    line = {"bhxh_code": code(1), "type": "hire", "from_month": "2026-10", "salary": 5_000_000,
            "date_of_birth": "1990-01-01"}  # fmt: skip
    results = both_paths(
        settings,
        [
            json_report(unit, "X", "2026-10", [line]),
            csv_report(
                unit, "X", "2026-10", HEADER + f"{code(1)},hire,2026-10,,5000000,,,1990-01-01\n"
            ),
        ],
    )

    assert results == [("stored", True, "X", 1), ("stored", False, "X", 1)]


@pytest.mark.parametrize("bulk_lines", [20_000, 1], ids=["small", "as-bulk"])
def test_a_large_plain_report_streamed_in_small_chunks_gives_the_same_rows(
    settings, persons, unit, monkeypatch, bulk_lines
):
    monkeypatch.setattr(pgingest, "BULK_LINES", bulk_lines)  # the plans of large reports
    body = "".join(
        f"{code(n)},hire,2026-{1 + n % 10:02d},,{5_000_000 + n},Công nhân may,,1990-01-01\n"
        for n in range(100, 2100)
    )
    odd = body.replace(f"{code(1500)},hire", f'"{code(1500)}",hire')  # one quoted field
    columns = "type,from_month,bhxh_code,salary,job_title,to_month,schemes\n"
    reordered = "".join(
        f"adjust_salary,2026-10,{code(n)},{6_000_000 + n},,,BHXH\n" for n in range(100, 2100, 3)
    )

    results = both_paths(
        settings,
        [
            csv_report(unit, "BIG", "2026-10", HEADER + odd, chunk=4096),
            csv_report(unit, "BIG-2", "2026-10", columns + reordered, chunk=1000),
            csv_report(unit, "BIG", "2026-10", HEADER + body, chunk=777),  # the same lines
        ],
    )

    assert results == [
        ("stored", True, "BIG", 2000),
        ("stored", True, "BIG-2", 667),
        ("stored", False, "BIG", 2000),
    ]


def test_the_error_list_is_cut_the_same_way(settings, persons, unit, other_unit):
    settings.REPORT_MAX_LINE_ERRORS = 4

    results = both_paths(
        settings, [*setup_steps(unit, other_unit), csv_report(unit, "R2", "2026-10", INVALID)]
    )

    assert len(results[3][2]) == 4 and results[3][3] == 41


@pytest.mark.parametrize(
    "body, code",
    [
        ("", "empty_csv"),
        ("bhxh_code,type\n", "missing_columns"),
        (HEADER + f'{code(1)},hire,"2026-10"x,,5000000,,\n', "invalid_csv"),
    ],
)
def test_csv_format_errors_are_the_same(settings, persons, unit, body, code):
    from ansinh.contributions.parsing import CsvFormatError

    found = []
    for sql in (False, True):
        settings.REPORT_INGEST_SQL = sql
        with pytest.raises(CsvFormatError) as caught:
            csv_report(unit, "F", "2026-10", body)()
        found.append((caught.value.code, caught.value.detail))
    assert found[0] == found[1] and found[0][0] == code
    assert not Report.objects.exists()


def test_an_empty_or_too_long_report_is_rejected_the_same_way(settings, persons, unit):
    settings.REPORT_MAX_LINES = 3
    results = both_paths(
        settings,
        [
            csv_report(unit, "E", "2026-10", HEADER + "\n\n"),
            csv_report(
                unit,
                "L",
                "2026-10",
                HEADER
                + "".join(f"{code(n)},hire,2026-10,,5000000,,,1990-01-01\n" for n in range(1, 5)),
            ),
            json_report(unit, "E2", "2026-10", []),
            json_report(
                unit,
                "L2",
                "2026-10",
                [{"bhxh_code": code(n), "type": "hire", "from_month": "2026-10"} for n in range(4)],
            ),
        ],
    )

    assert results == [
        ("rejected", {"lines": "empty_report"}, [], 0),
        ("rejected", {"lines": "too_many_lines"}, [], 0),
        ("rejected", {"lines": "empty_report"}, [], 0),
        ("rejected", {"lines": "too_many_lines"}, [], 0),
    ]


def test_a_failure_while_applying_leaves_no_rows(settings, persons, unit, monkeypatch):
    settings.REPORT_INGEST_SQL = True
    before = snapshot()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(statements, "refresh_statements", broken)
    body = HEADER + "".join(
        f"{code(n)},hire,2026-0{n},,5000000,,,1990-01-01\n" for n in range(1, 9)
    )
    with pytest.raises(RuntimeError):
        csv_report(
            unit, "F", "2026-10", body + f"{code(8)},correct_period,2026-08,2026-09,1,,,\n"
        )()

    assert snapshot() == before
    monkeypatch.undo()
    assert outcome(
        csv_report(unit, "F", "2026-10", HEADER + f"{code(1)},hire,2026-10,,1,,,1990-01-01\n")
    )


@pytest.mark.parametrize("sql", [False, True], ids=["generic", "sql"])
def test_a_report_stored_meanwhile_by_a_concurrent_request_is_replayed(
    settings, persons, unit, monkeypatch, sql
):
    settings.REPORT_INGEST_SQL = sql
    # A correction: no open-employment checks, which a real racer passes before the other
    # commits. It needs an employment at the unit at some time (issue 11 c): a past one.
    Employment.objects.create(
        person=persons[0],
        unit=unit,
        started=dt.date(2024, 1, 1),
        ended=dt.date(2024, 12, 1),
        salary=5_000_000,
        covered_to=dt.date(2024, 12, 1),
    )
    body = HEADER + f"{code(1)},correct_period,2026-01,2026-03,5000000,,,\n"
    first = csv_report(unit, "RACE", "2026-10", body)()
    real_filter = Report.objects.filter
    calls: list[int] = []

    def blind_filter(*args: Any, **kwargs: Any) -> Any:
        # The check before the insert does not see the other request's row yet.
        calls.append(1)
        found = real_filter(*args, **kwargs)
        return found.none() if len(calls) == 1 else found

    monkeypatch.setattr(Report.objects, "filter", blind_filter)
    second = csv_report(unit, "RACE", "2026-10", body)()
    monkeypatch.undo()

    assert len(calls) == 2  # the check, then the look-up after the unique violation
    assert (second.created, second.report.pk) == (False, first.report.pk)
    assert Report.objects.count() == 1
    assert ContributionMonth.objects.count() == 3


def test_vietnamese_headers_and_words_and_blank_rows_give_the_same_errors_on_both_paths(
    settings, unit, persons
):
    text = (
        "\ufeffMã số BHXH,Họ và tên,Loại biến động,Từ tháng,Mức lương,ngay sinh\n"
        f"{code(1)},Người Một,Tăng,2026-01,8000000,1990-01-01\n"
        "\n"
        f"{code(2)},,increase,2026-01,abc,\n"
        f'{code(3)},"Người, Ba",GIAM,2026-02,,\n'
        f"{code(4)},Người Bốn,hire,2026-01,8000000,1990-01-01\n"  # the plain (COPY) form
    )
    sources = []

    def step() -> Any:
        sources.append(csv_rows([text.encode()]))
        return ingest_report(
            unit=unit,
            reference="VN-1",
            period="2026-06",
            lines=sources[-1],
            csv_rows=True,
            actor=Actor.command(),
        )

    [result] = both_paths(settings, [step])

    assert result[0] == "rejected"
    assert result[2] == [
        {
            "line": 2,
            "fields": {"type": "invalid_type", "salary": "invalid_salary"},
            "values": {"bhxh_code": code(2), "type": "increase", "salary": "abc"},
        },
        {"line": 3, "fields": {"bhxh_code": "not_employed"}, "values": {"bhxh_code": code(3)}},
    ]
    # Rows as the file shows them (the header is row 1, the blank row 3 counts), on both.
    assert [[s.row_map.row(n) for n in (1, 2, 3, 4)] for s in sources] == [[2, 4, 5, 6]] * 2


@pytest.mark.parametrize("limit", [3, 5, 1000])
def test_registry_and_employment_errors_are_cut_to_the_first_lines_the_same_way(
    settings, persons, unit, other_unit, limit
):
    # No form errors: unknown persons (many, some before and some after the others), lines
    # of single persons refused by the employment checks, and persons with several lines
    # refused by the state machine, interleaved. Only the first ``limit`` by line are kept
    # (pgcheck.FirstErrors, issue 16) and all are counted, exactly as the generic path does.
    settings.REPORT_MAX_LINE_ERRORS = limit
    unknown = [f"{code(5000 + n)},hire,2026-10,,5000000,,,1990-01-01\n" for n in range(40)]
    body = (
        HEADER
        + unknown[0]
        + f"{code(13)},hire,2026-10,,5000000,,,1990-01-01\n"
        + f"{code(3)},hire,2026-10,,5000000,,,1990-01-01\n"  # already employed
        + f"{code(13)},hire,2026-10,,5000000,,,1990-01-01\n"  # the second hire of 13
        + "".join(unknown[1:20])
        + f"{code(5)},leave,2026-10,,,,,\n"  # not employed here
        + f"{code(9)},hire,2026-05,,5000000,,,1990-01-01\n"
        + f"{code(9)},leave,2026-05,,,,,\n"  # not after the start
        + "".join(unknown[20:])
    )

    results = both_paths(
        settings, [*setup_steps(unit, other_unit), csv_report(unit, "R3", "2026-10", body)]
    )

    rejected, _fields, lines, count = results[3]
    assert rejected == "rejected" and count == 40 + 4
    assert [line["line"] for line in lines] == sorted(line["line"] for line in lines)
    assert len(lines) == min(limit, count)
    assert lines[0]["line"] == 1 and lines[0]["values"]["bhxh_code"] == code(5000)
