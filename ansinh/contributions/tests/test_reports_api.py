"""``POST /unit/reports`` (DESIGN §3.5, §4): JSON and CSV, validated whole, stored once per
reference, applied to the history the citizen reads; a unit reports only for itself."""

from __future__ import annotations

import pytest

from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.contributions.models import ContributionMonth, Employment, Report, ReportLine

from .conftest import codes, line, participation, send

pytestmark = pytest.mark.django_db


def _csv(api, key, body: str, *, reference="CSV-1", period="2026-10"):
    return api.call(
        "POST",
        f"/unit/reports?reference={reference}&period={period}",
        raw=body,
        headers={"X-API-Key": key, "Content-Type": "text/csv"},
    )


def _post_csv(client, key, body: str, *, reference="CSV-1", period="2026-10"):
    return client.generic(
        "POST",
        f"/api/v1/unit/reports?reference={reference}&period={period}",
        data=body.encode(),
        content_type="text/csv",
        HTTP_X_API_KEY=key,
    )


def test_a_hire_shows_in_the_citizens_history_from_its_month(api, citizen, unit_key):
    response = send(
        api,
        unit_key,
        "D02-2026-10",
        "2026-10",
        [line("0123456789", "hire", "2026-08", salary=10_000_000, job_title="Kế toán")],
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"] == {
        "lines": 1, "hire": 1, "leave": 0, "adjust_salary": 0, "correct_period": 0
    }  # fmt: skip
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    bhxh = participation(api, token)["schemes"]["BHXH"]
    period = {
        "unit_code": "TA01234",
        "unit_name": "Công ty TNHH An Khang",
        "job_title": "Kế toán",
        "salary": 10_000_000,
    }
    # On 2026-11-15, 2026-10 is still within its payment period (due by 2026-11-30).
    assert bhxh["periods"] == [
        {"from": "2026-08", "to": "2026-09", **period, "status": "unpaid", "lateness": "late"},
        {"from": "2026-10", "to": "2026-10", **period, "status": "due", "lateness": None},
    ]
    assert (bhxh["total_months"], bhxh["unpaid_months"]) == (3, 2)


def test_the_same_report_twice_is_stored_once_with_the_same_report_id(api, citizen, unit_key):
    lines = [line("0123456789", "hire", "2026-10", salary=9_000_000)]
    first = send(api, unit_key, "R-1", "2026-10", lines)
    second = send(api, unit_key, "R-1", "2026-10", lines)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["report_id"] == second.json()["report_id"]
    assert second.json()["replayed"] is True
    assert Report.objects.count() == 1
    assert ReportLine.objects.count() == 1
    assert ContributionMonth.objects.count() == 1


def test_another_body_under_a_used_reference_is_a_conflict(api, citizen, unit_key):
    send(api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=9_000_000)])

    response = send(
        api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=9_500_000)]
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reference_conflict"
    assert ContributionMonth.objects.get().salary == 9_000_000


def test_one_bad_line_rejects_the_report_with_every_lines_errors_and_stores_nothing(
    api, citizen, citizen_no_email, unit_key
):
    response = send(
        api,
        unit_key,
        "R-bad",
        "2026-10",
        [
            line("0123456789", "hire", "2026-10", salary=9_000_000),
            line("012345678", "hire", "2026-13", salary=-5),
            line("0123456790", "leave", "2026-10"),
            line("9999999999", "hire", "2026-10", salary=1, date_of_birth="1990-05-17"),
            line("0123456790", "correct_period", "2026-09", salary=5_000_000),
        ],
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_report"
    assert error["error_count"] == 4
    by_line = {item["line"]: item["fields"] for item in error["lines"]}
    assert by_line[2] == {
        "bhxh_code": "invalid_bhxh_code",
        "from_month": "invalid_month",
        "salary": "invalid_salary",
        "date_of_birth": "required",
    }
    assert by_line[3] == {"bhxh_code": "not_employed"}
    assert by_line[4] == {"bhxh_code": "person_not_matched"}
    assert by_line[5] == {"to_month": "required"}
    assert set(by_line) == {2, 3, 4, 5}
    assert not Report.objects.exists()
    assert not ContributionMonth.objects.exists()

    response = send(
        api,
        unit_key,
        "R-bad",
        "2026-10",
        [
            line("0123456789", "hire", "2026-10", salary=9_000_000),
            line("0123456790", "leave", "2026-10"),
            line("9999999999", "hire", "2026-10", salary=1, date_of_birth="1990-05-17"),
        ],
    )
    assert response.status_code == 422
    assert codes(response.json()["error"]["lines"]) == [
        {"line": 2, "fields": {"bhxh_code": "not_employed"}},
        {"line": 3, "fields": {"bhxh_code": "person_not_matched"}},
    ]
    assert not Report.objects.exists() and not Employment.objects.exists()


def test_leave_and_rehire_make_two_periods_with_a_gap(api, citizen, unit_key):
    send(api, unit_key, "R-1", "2026-01", [line("0123456789", "hire", "2025-11", salary=8_000_000)])
    send(api, unit_key, "R-2", "2026-04", [line("0123456789", "leave", "2026-03")])
    send(api, unit_key, "R-3", "2026-08", [line("0123456789", "hire", "2026-07", salary=8_500_000)])

    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    bhxh = participation(api, token)["schemes"]["BHXH"]
    # On 2026-11-15 the unpaid 2026-07 (due 2026-08-31) is past 60 days: evasion, 2026-08 late.
    assert [(p["from"], p["to"], p["salary"], p["lateness"]) for p in bhxh["periods"]] == [
        ("2025-11", "2026-02", 8_000_000, "evasion"),
        ("2026-07", "2026-07", 8_500_000, "evasion"),
        ("2026-08", "2026-08", 8_500_000, "late"),
    ]
    assert bhxh["total_months"] == 6
    assert Employment.objects.filter(ended__isnull=True).count() == 1


def test_a_rehire_inside_the_previous_employment_is_refused(api, citizen, unit_key):
    send(api, unit_key, "R-1", "2026-01", [line("0123456789", "hire", "2025-11", salary=8_000_000)])
    send(api, unit_key, "R-2", "2026-04", [line("0123456789", "leave", "2026-03")])

    response = send(
        api, unit_key, "R-3", "2026-04", [line("0123456789", "hire", "2026-02", salary=1_000_000)]
    )

    assert response.status_code == 422
    assert codes(response.json()["error"]["lines"]) == [
        {"line": 1, "fields": {"from_month": "overlaps_previous_employment"}}
    ]


def test_a_salary_change_splits_the_period(api, citizen, unit_key):
    send(api, unit_key, "R-1", "2026-03", [line("0123456789", "hire", "2026-01", salary=8_000_000)])
    send(
        api,
        unit_key,
        "R-2",
        "2026-05",
        [line("0123456789", "adjust_salary", "2026-04", salary=9_000_000, job_title="Trưởng nhóm")],
    )

    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    periods = participation(api, token)["schemes"]["BHYT"]["periods"]
    assert [(p["from"], p["to"], p["salary"], p["job_title"]) for p in periods] == [
        ("2026-01", "2026-03", 8_000_000, ""),
        ("2026-04", "2026-05", 9_000_000, "Trưởng nhóm"),
    ]


def test_a_correction_of_a_past_period_is_a_new_line_and_changes_those_months_only(
    api, citizen, unit_key
):
    send(api, unit_key, "R-1", "2026-06", [line("0123456789", "hire", "2026-01", salary=8_000_000)])

    response = send(
        api,
        unit_key,
        "R-2",
        "2026-06",
        [
            line(
                "0123456789",
                "correct_period",
                "2025-11",
                to_month="2026-02",
                salary=7_500_000,
                job_title="Kế toán",
            )
        ],
    )

    assert response.status_code == 201, response.content
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    periods = participation(api, token)["schemes"]["BHXH"]["periods"]
    assert [(p["from"], p["to"], p["salary"]) for p in periods] == [
        ("2025-11", "2026-02", 7_500_000),
        ("2026-03", "2026-06", 8_000_000),
    ]
    # The original hire line is untouched: history is append-only.
    assert list(ReportLine.objects.order_by("pk").values_list("type", "salary")) == [
        ("hire", 8_000_000),
        ("correct_period", 7_500_000),
    ]


def test_schemes_restrict_which_tabs_show_the_months(api, citizen, unit_key):
    send(
        api,
        unit_key,
        "R-1",
        "2026-10",
        [line("0123456789", "hire", "2026-10", salary=5_000_000, schemes=["BHYT"])],
    )

    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    schemes = participation(api, token)["schemes"]
    assert schemes["BHYT"]["total_months"] == 1
    assert schemes["BHXH"] == {"periods": [], "total_months": 0, "unpaid_months": 0}


def test_csv_report_with_the_same_columns(client, api, citizen, citizen_no_email, unit_key):
    body = (
        "bhxh_code,type,from_month,to_month,salary,job_title,schemes,date_of_birth\n"
        '0123456789,hire,2026-09,,10000000,"Kế toán, tổng hợp",,1990-05-17\n'
        "0123456790,hire,2026-10,,6000000,Thủ kho,BHXH|BHYT,1992-03-08\n"
    )

    response = _post_csv(client, unit_key, body)

    assert response.status_code == 201, response.content
    assert response.json()["counts"]["hire"] == 2
    month = ContributionMonth.objects.get(person__bhxh_code="0123456790")
    assert (month.schemes, month.job_title) == (3, "Thủ kho")
    assert ContributionMonth.objects.filter(job_title="Kế toán, tổng hợp").count() == 2


def test_csv_report_as_a_multipart_upload(client, citizen, unit_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "d02.csv",
        b"bhxh_code,type,from_month,salary,date_of_birth\n0123456789,hire,2026-10,7000000,1990-05-17\n",
        "text/csv",
    )
    response = client.post(
        "/api/v1/unit/reports",
        {"reference": "UP-1", "period": "2026-10", "file": upload},
        HTTP_X_API_KEY=unit_key,
    )

    assert response.status_code == 201, response.content


def test_csv_errors_are_reported_per_line(client, citizen, unit_key):
    body = (
        "bhxh_code,type,from_month,salary,date_of_birth\n0123456789,hire,2026-10,7000000,1990-05-17\n"
        "abc,fire,2026-10,x,\n0123456789,hire\n"
    )

    response = _post_csv(client, unit_key, body)

    assert response.status_code == 422
    assert codes(response.json()["error"]["lines"]) == [
        {
            "line": 2,
            "fields": {
                "bhxh_code": "invalid_bhxh_code",
                "type": "invalid_type",
                "salary": "invalid_salary",
            },
        },
        {"line": 3, "fields": {"line": "wrong_number_of_columns"}},
    ]


def test_a_csv_with_an_unknown_column_is_rejected_whole(client, citizen, unit_key):
    response = _post_csv(client, unit_key, "bhxh_code,type,from_month,bonus\n")

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"csv": "unknown_columns"}


def test_a_unit_cannot_leave_or_adjust_a_person_another_unit_employs(
    api, citizen, unit_key, other_unit_key
):
    send(api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-01", salary=8_000_000)])

    for kind, extra in (("leave", {}), ("adjust_salary", {"salary": 1})):
        response = send(
            api,
            other_unit_key,
            f"X-{kind}",
            "2026-10",
            [line("0123456789", kind, "2026-10", **extra)],
        )
        assert response.status_code == 422
        assert response.json()["error"]["lines"][0]["fields"] == {"bhxh_code": "not_employed"}
    assert Employment.objects.get().ended is None


def test_the_same_reference_at_two_units_is_two_reports(api, citizen, unit_key, other_unit_key):
    first = send(
        api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=1_000_000)]
    )
    second = send(
        api,
        other_unit_key,
        "R-1",
        "2026-10",
        [line("0123456789", "hire", "2026-10", salary=2_000_000)],
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["report_id"] != second.json()["report_id"]


def test_a_unit_cannot_read_another_units_report(api, citizen, unit_key, other_unit_key):
    report_id = send(
        api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=1_000_000)]
    ).json()["report_id"]

    assert api.get(f"/unit/reports/{report_id}", headers={"X-API-Key": unit_key}).status_code == 200
    assert (
        api.get(f"/unit/reports/{report_id}", headers={"X-API-Key": other_unit_key}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": ["R"], "period": "2026-10", "lines": []}, "reference"),
        ({"reference": "R", "period": 202610, "lines": []}, "period"),
        ({"reference": "R", "period": "2026-10", "lines": {}}, "lines"),
        ({"reference": "R", "period": "2026-10", "lines": [], "extra": 1}, "extra"),
    ],
)
def test_wrong_types_are_400_invalid_input(api, unit_key, body, field):
    response = api.post("/unit/reports", body, headers={"X-API-Key": unit_key})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "bad_line",
    [
        {"bhxh_code": 123, "type": "hire", "from_month": "2026-10", "salary": 1},
        {"bhxh_code": "0123456789", "type": "hire", "from_month": "2026-10", "salary": "1000"},
        {"bhxh_code": "0123456789", "type": "hire", "from_month": "2026-10", "salary": True},
        {"bhxh_code": "0123456789", "type": "hire", "from_month": "2026-10", "salary": 1.5},
        {
            "bhxh_code": "0123456789",
            "type": "hire",
            "from_month": "2026-10",
            "salary": 1,
            "schemes": "BHYT",
        },
        {"bhxh_code": "0123456789", "type": "hire", "from_month": "2026-12", "salary": 1},
        {"bhxh_code": "０１２３４５６７８９", "type": "hire", "from_month": "2026-10", "salary": 1},
        "not an object",
    ],
)
def test_a_badly_typed_line_is_a_422_line_error_never_a_500(api, citizen, unit_key, bad_line):
    response = send(api, unit_key, "R-1", "2026-10", [bad_line])

    assert response.status_code == 422
    assert response.json()["error"]["lines"][0]["line"] == 1


def test_reports_need_a_unit_key(api, citizen):
    response = send(api, "ansk_not-a-key", "R-1", "2026-10", [])

    assert response.status_code == 401


def test_a_citizen_token_is_not_a_unit_key(api, citizen):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]

    response = api.post(
        "/unit/reports", {"reference": "R", "period": "2026-10", "lines": []}, token=token
    )

    assert response.status_code == 401


def test_a_future_period_and_an_empty_report_are_rejected(api, unit_key):
    assert send(api, unit_key, "R-1", "2026-12", [{}]).json()["error"]["fields"] == {
        "period": "future_period"
    }
    assert send(api, unit_key, "R-1", "2026-10", []).json()["error"]["fields"] == {
        "lines": "empty_report"
    }


def test_the_citizen_sees_only_their_own_participation(api, citizen, outsider, unit_key):
    send(api, unit_key, "R-1", "2026-10", [line("0123456789", "hire", "2026-10", salary=1_000_000)])

    token = api.login("7912345678", OTHER_PASSWORD)["access_token"]
    schemes = participation(api, token)["schemes"]

    assert all(s["periods"] == [] for s in schemes.values())


def test_a_month_before_the_rate_table_is_a_line_error_not_a_500(api, citizen, unit_key):
    response = send(
        api, unit_key, "R-old", "2026-10", [line("0123456789", "hire", "2010-01", salary=1)]
    )

    assert response.status_code == 422
    assert codes(response.json()["error"]["lines"]) == [
        {"line": 1, "fields": {"from_month": "no_rates_for_month"}}
    ]


def test_reported_hires_and_leaves_decide_whom_the_unit_may_file_dossiers_for(
    api, citizen, unit_key
):
    def file_tk1():
        return api.post(
            "/unit/dossiers",
            {"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"phone": "0987654321"}},
            headers={"X-API-Key": unit_key},
        )

    assert file_tk1().status_code == 403  # not (yet) an employee
    hire = [line("0123456789", "hire", "2026-08", salary=10_000_000, job_title="Kế toán")]
    assert send(api, unit_key, "D02-HIRE", "2026-10", hire).status_code == 201
    assert file_tk1().status_code == 201
    leave = [line("0123456789", "leave", "2026-10")]
    assert send(api, unit_key, "D02-LEAVE", "2026-11", leave).status_code == 201
    refused = file_tk1()
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_your_employee"
