"""A hire line must not tell whether a BHXH code exists (issue 11 c).

A hire names its person by BHXH code and date of birth, as a real D02-LT does. An unknown code
and a wrong date of birth answer one and the same ``person_not_matched``; a right pair is
stored. Each unit key may send ``UNIT_UNMATCHED_HIRES_PER_DAY`` unmatched hire lines a day;
past it every report with a hire is refused whole (429 ``too_many_unmatched_people``), so a
date of birth cannot be guessed. Through ``POST /unit/reports``, as JSON and as CSV; on
PostgreSQL these go through the set-based ingest (``pgingest``), on SQLite the generic one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from ansinh.audit.models import AuditEvent
from ansinh.contributions.models import Employment, Report
from ansinh.notifications.models import Notice, OutboundEmail

from .conftest import codes, line, send

pytestmark = pytest.mark.django_db

UNKNOWN = "7999999999"  # nobody's code
AN_BORN = "1990-05-17"  # the citizen 0123456789's date of birth
CSV_HEADER = "bhxh_code,type,from_month,to_month,salary,job_title,schemes,date_of_birth\n"


def _post_csv(client: Any, key: str, reference: str, rows: list[str]) -> Any:
    return client.post(
        f"/api/v1/unit/reports?reference={reference}&period=2026-10",
        data=CSV_HEADER + "".join(f"{row}\n" for row in rows),
        content_type="text/csv",
        HTTP_X_API_KEY=key,
    )


def _hire_row(code: str, born: str) -> str:
    return f"{code},hire,2026-10,,9000000,Kế toán,,{born}"


def _entries(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    return codes(response.json()["error"]["lines"])


def _sent_code_hidden(response: Any, code: str) -> bytes:
    """The body with the BHXH code the report sent (shown back in ``bhxh_code`` and in the
    message) replaced: all else must be byte for byte the same whoever the code names."""
    return bytes(response.content).replace(code.encode(), b"<sent>")


def test_an_unknown_code_and_a_wrong_date_of_birth_answer_identically_in_json(
    api, citizen, unit_key
):
    unknown = send(
        api, unit_key, "R-1", "2026-10",
        [line(UNKNOWN, "hire", "2026-10", salary=9_000_000, date_of_birth="1990-05-17")],
    )  # fmt: skip
    wrong_date = send(
        api, unit_key, "R-1", "2026-10",
        [line("0123456789", "hire", "2026-10", salary=9_000_000, date_of_birth="1990-05-18")],
    )  # fmt: skip

    assert unknown.status_code == wrong_date.status_code == 422
    # Byte-identical, messages included, but for the code each report sent.
    assert _sent_code_hidden(unknown, UNKNOWN) == _sent_code_hidden(wrong_date, "0123456789")
    assert _entries(unknown) == [{"line": 1, "fields": {"bhxh_code": "person_not_matched"}}]
    assert not Report.objects.exists() and not Employment.objects.exists()


def test_an_unknown_code_and_a_wrong_date_of_birth_answer_identically_in_csv(
    client, citizen, unit_key
):
    unknown = _post_csv(client, unit_key, "R-1", [_hire_row(UNKNOWN, AN_BORN)])
    wrong_date = _post_csv(client, unit_key, "R-1", [_hire_row("0123456789", "1991-05-17")])

    assert unknown.status_code == wrong_date.status_code == 422
    assert _sent_code_hidden(unknown, UNKNOWN) == _sent_code_hidden(wrong_date, "0123456789")
    assert _entries(unknown) == [{"line": 1, "fields": {"bhxh_code": "person_not_matched"}}]
    assert not Report.objects.exists()


def test_a_hire_with_the_right_code_and_date_of_birth_is_stored(api, client, citizen, unit_key):
    response = send(
        api, unit_key, "R-1", "2026-10",
        [line("0123456789", "hire", "2026-10", salary=9_000_000, date_of_birth=AN_BORN)],
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert Employment.objects.filter(person__bhxh_code="0123456789", ended=None).count() == 1


def test_a_csv_hire_with_the_right_code_and_date_of_birth_is_stored(client, citizen, unit_key):
    response = _post_csv(client, unit_key, "R-1", [_hire_row("0123456789", AN_BORN)])

    assert response.status_code == 201, response.content
    assert response.json()["counts"]["hire"] == 1


def test_a_hire_without_a_date_of_birth_and_a_date_on_another_line_are_line_errors(
    api, citizen, unit_key
):
    response = send(
        api, unit_key, "R-1", "2026-10",
        [
            {"bhxh_code": "0123456789", "type": "hire", "from_month": "2026-10", "salary": 1},
            line("0123456789", "leave", "2026-10", date_of_birth=AN_BORN),
            line(UNKNOWN, "hire", "2026-10", salary=1, date_of_birth="1990-02-30"),
        ],
    )  # fmt: skip

    assert _entries(response) == [
        {"line": 1, "fields": {"date_of_birth": "required"}},
        {"line": 2, "fields": {"date_of_birth": "only_for_hires"}},
        {"line": 3, "fields": {"date_of_birth": "invalid_date"}},
    ]


def test_a_report_of_unmatched_hires_plus_a_bad_line_leaks_nothing(
    api, client, citizen, outsider, unit_key
):
    """The attack of issue 11 c: hires of codes the key wants classified, plus one bad line
    so that nothing is stored and nobody is told. Real people with a wrong date of birth and
    codes of nobody answer the same entry."""
    guessed = ["0123456789", "7912345678", UNKNOWN, "0100000001"]
    lines = [line(code, "hire", "2026-10", salary=9_000_000, date_of_birth="1970-01-01")
             for code in guessed]  # fmt: skip
    lines.append(line("0123456789", "leave", "2026-13"))

    response = send(api, unit_key, "R-1", "2026-10", lines)
    as_csv = _post_csv(
        client, unit_key, "R-2", [*(_hire_row(c, "1970-01-01") for c in guessed), "x,leave,,,,,,"]
    )

    for answer in (response, as_csv):
        entries = _entries(answer)
        hires = [entry["fields"] for entry in entries[:4]]
        assert hires == [{"bhxh_code": "person_not_matched"}] * 4
        assert len({json.dumps(fields) for fields in hires}) == 1
    assert not Report.objects.exists() and not Employment.objects.exists()
    assert not Notice.objects.exists() and not OutboundEmail.objects.exists()


def test_the_budget_refuses_past_20_unmatched_hire_lines_a_day_per_key(
    api, client, citizen, unit_key, other_unit_key, _clock
):
    twenty = [line(f"79{n:08d}", "hire", "2026-10", salary=1, date_of_birth="1980-01-01")
              for n in range(20)]  # fmt: skip
    first = send(api, unit_key, "R-1", "2026-10", twenty)
    assert len(_entries(first)) == 20

    one_more = send(api, unit_key, "R-2", "2026-10", twenty[:1])
    assert one_more.status_code == 429, one_more.content
    error = one_more.json()["error"]
    assert error["code"] == "too_many_unmatched_people"
    assert "ngày sinh" in error["message"]  # Vietnamese first
    assert "lines" not in error  # no line errors past the budget
    assert int(one_more["Retry-After"]) > 0
    # Past the budget, a right pair is refused too: "stored" against "refused" would still
    # answer guesses of a date of birth.
    right = [line("0123456789", "hire", "2026-10", salary=1, date_of_birth=AN_BORN)]
    assert send(api, unit_key, "R-3", "2026-10", right).status_code == 429
    csv = _post_csv(client, unit_key, "R-4", [_hire_row("0123456789", "1990-01-01")])
    assert csv.status_code == 429
    assert csv.json()["error"]["code"] == "too_many_unmatched_people"
    assert not Report.objects.exists()
    refused = AuditEvent.objects.filter(event="report.unmatched_hires_refused")
    assert refused.count() == 3
    assert refused.first().details["office"] == "01001"

    # Another unit's key has its own budget.
    other = send(api, other_unit_key, "R-1", "2026-10", twenty[:1])
    assert _entries(other) == [{"line": 1, "fields": {"bhxh_code": "person_not_matched"}}]

    # A report without hires is not affected; the next day the key may hire again.
    assert (
        send(api, unit_key, "R-5", "2026-10", [line("0123456789", "leave", "2026-10")]).status_code
        == 422
    )
    _clock.shift(dt.timedelta(days=1))
    assert send(api, unit_key, "R-3", "2026-10", right).status_code == 201


def test_one_report_that_goes_past_the_budget_is_refused_whole(api, citizen, unit_key):
    lines = [line(f"79{n:08d}", "hire", "2026-10", salary=1, date_of_birth="1980-01-01")
             for n in range(21)]  # fmt: skip

    response = send(api, unit_key, "R-1", "2026-10", lines)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_unmatched_people"


def test_the_openapi_document_shows_the_date_of_birth_of_a_line_and_the_429(api):
    document = api.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/unit/reports"]["post"]
    line_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "date_of_birth" in line_schema["properties"]["lines"]["items"]["properties"]
    assert "429" in operation["responses"]
