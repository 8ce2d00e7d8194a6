"""The citizen's correction case (issue 15 §2): filed with evidence, answered by the unit with
a correction report through the unit API, or escalated and decided by the office; and what
others may not see or do."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ansinh.audit.models import DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.contributions.models import ContributionMonth
from ansinh.dossiers.models import CaseEvent, CorrectionCase
from ansinh.notifications.models import Notice
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _file(api: Any, token: str, **payload: Any) -> Any:
    body = {
        "unit_code": "TA01234",
        "from_month": "2026-05",
        "to_month": "2026-07",
        "problem": "missing_months",
        "salary": 10_000_000,
        **payload,
    }
    return api.client.post(
        "/api/v1/me/correction-cases",
        {"payload": json.dumps(body), "evidence": SimpleUploadedFile("luong.png", PNG)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def _months(bhxh_code: str = "0123456789") -> dict[str, int]:
    rows = ContributionMonth.objects.filter(person__bhxh_code=bhxh_code, unit__code="TA01234")
    return {row.month.strftime("%Y-%m"): row.salary for row in rows}


@pytest.fixture
def token(api: Any, citizen: Any, reported: None) -> str:
    return str(api.login("0123456789", CITIZEN_PASSWORD)["access_token"])


@pytest.fixture
def filed(api: Any, token: str) -> dict[str, Any]:
    response = _file(api, token)
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_filed_case_corrected_by_the_units_report_through_the_unit_api(api, token, filed, unit_key):
    assert "2026-05" not in _months()
    assert filed["status"] == "awaiting_unit"
    assert filed["evidence"] == 1
    # Filed on Sunday 2026-11-15: 10 working days are Mon 16 … Fri 27 November.
    assert filed["unit_due"] == "2026-11-27"
    case_id = filed["case_id"]

    listed = api.get("/unit/correction-cases", headers={"X-API-Key": unit_key}).json()
    assert [item["case_id"] for item in listed["items"]] == [case_id]
    response = api.post(
        f"/unit/correction-cases/{case_id}/answer",
        {
            "action": "correct",
            "reference": "DC-2026-11",
            "lines": [{"from_month": "2026-05", "to_month": "2026-07", "salary": 9_000_000}],
        },
        headers={"X-API-Key": unit_key},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "corrected"
    assert response.json()["report_id"]
    months = _months()
    assert [months[m] for m in ("2026-05", "2026-06", "2026-07")] == [9_000_000] * 3
    mine = api.get(f"/me/correction-cases/{case_id}", token=token).json()
    assert [event["kind"] for event in mine["events"]] == ["filed", "corrected"]
    kinds = set(Notice.objects.values_list("kind", flat=True))
    assert {"correction_case_filed", "correction_case_corrected"} <= kinds


def test_unanswered_case_escalated_and_upheld_by_the_office(
    api, token, filed, unit_key, clerk, time_machine
):
    time_machine.move_to("2026-12-01 08:00:00+07:00")
    call_command("escalate_correction_cases")
    case = CorrectionCase.objects.get(public_id=filed["case_id"])
    assert case.status == "escalated"
    # The unit may no longer answer: the office decides.
    late = api.post(
        f"/unit/correction-cases/{case.public_id}/answer",
        {"action": "dispute", "reason": "Không đúng"},
        headers={"X-API-Key": unit_key},
    )
    assert late.status_code == 409

    staff = api.login("canbo1", STAFF_PASSWORD)["access_token"]
    seen = api.get(f"/staff/correction-cases/{case.public_id}", token=staff)
    assert seen.json()["person"]["full_name"] == "Nguyễn Văn An"
    response = api.post(
        f"/staff/correction-cases/{case.public_id}/decision", {"uphold": True}, token=staff
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "upheld"
    months = _months()
    assert [months[m] for m in ("2026-05", "2026-06", "2026-07")] == [10_000_000] * 3
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["filed", "escalated", "upheld"]
    assert DataAccess.objects.filter(what="correction_case").exists()


def test_disputed_case_rejected_by_the_office_changes_nothing(api, token, filed, unit_key, clerk):
    before = _months()
    answer = api.post(
        f"/unit/correction-cases/{filed['case_id']}/answer",
        {"action": "dispute", "reason": "Người lao động nghỉ việc từ tháng 4"},
        headers={"X-API-Key": unit_key},
    )
    assert answer.json()["status"] == "disputed"
    staff = api.login("canbo1", STAFF_PASSWORD)["access_token"]
    no_reason = api.post(
        f"/staff/correction-cases/{filed['case_id']}/decision", {"uphold": False}, token=staff
    )
    assert no_reason.status_code == 400
    response = api.post(
        f"/staff/correction-cases/{filed['case_id']}/decision",
        {"uphold": False, "reason": "Hợp đồng chấm dứt tháng 4"},
        token=staff,
    )
    assert response.json()["status"] == "rejected"
    assert _months() == before


def test_unit_never_sees_the_name_unless_allowed(api, token, filed, unit_key):
    hidden = api.get(f"/unit/correction-cases/{filed['case_id']}", headers={"X-API-Key": unit_key})
    assert hidden.status_code == 200
    assert hidden.json()["person"] is None
    assert "Nguyễn Văn An" not in hidden.content.decode()
    assert "0123456789" not in hidden.content.decode()

    shown = _file(api, token, name_visible=True).json()
    allowed = api.get(f"/unit/correction-cases/{shown['case_id']}", headers={"X-API-Key": unit_key})
    assert allowed.json()["person"]["full_name"] == "Nguyễn Văn An"


def test_another_unit_cannot_see_or_answer(api, filed, other_unit_key):
    case_id = filed["case_id"]
    headers = {"X-API-Key": other_unit_key}
    assert api.get("/unit/correction-cases", headers=headers).json()["items"] == []
    assert api.get(f"/unit/correction-cases/{case_id}", headers=headers).status_code == 404
    answer = api.post(
        f"/unit/correction-cases/{case_id}/answer",
        {"action": "dispute", "reason": "x"},
        headers=headers,
    )
    assert answer.status_code == 404
    assert CorrectionCase.objects.get(public_id=case_id).status == "awaiting_unit"


def test_another_person_cannot_see_the_case(api, filed, citizen_no_email):
    other = api.login("0123456790", CITIZEN_PASSWORD)["access_token"]
    assert api.get(f"/me/correction-cases/{filed['case_id']}", token=other).status_code == 404
    assert api.get("/me/correction-cases", token=other).json()["items"] == []


def test_a_unit_cannot_answer_twice(api, filed, unit_key):
    path = f"/unit/correction-cases/{filed['case_id']}/answer"
    headers = {"X-API-Key": unit_key}
    first = api.post(path, {"action": "dispute", "reason": "Sai"}, headers=headers)
    assert first.status_code == 200
    again = api.post(
        path,
        {
            "action": "correct",
            "reference": "DC-2",
            "lines": [{"from_month": "2026-05", "to_month": "2026-05", "salary": 1_000_000}],
        },
        headers=headers,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "case_answered"
    assert "2026-05" not in _months()


def test_a_correction_outside_the_case_months_is_refused(api, filed, unit_key):
    response = api.post(
        f"/unit/correction-cases/{filed['case_id']}/answer",
        {
            "action": "correct",
            "reference": "DC-3",
            "lines": [{"from_month": "2026-01", "to_month": "2026-02", "salary": 1_000_000}],
        },
        headers={"X-API-Key": unit_key},
    )
    assert response.status_code == 400
    assert CorrectionCase.objects.get(public_id=filed["case_id"]).status == "awaiting_unit"


@pytest.mark.parametrize(
    ("from_month", "to_month", "field", "code"),
    [
        ("2026-07", "2026-05", "to_month", "before_from_month"),
        ("2026-05", "2027-01", "to_month", "future_month"),
        ("2016-01", "2026-05", "to_month", "too_many_months"),
        ("2026-13", "2026-05", "from_month", "invalid_month"),
    ],
)
def test_a_bad_month_range_is_400_and_changes_nothing(
    api, token, from_month, to_month, field, code
):
    response = _file(api, token, from_month=from_month, to_month=to_month)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {field: code}
    assert not CorrectionCase.objects.exists()
    assert not Notice.objects.filter(kind__startswith="correction_case").exists()


def test_unit_due_counts_working_days(api, citizen, unit, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC))  # Saturday, local
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    response = _file(api, token)
    assert response.json()["unit_due"] == "2026-12-04"


def test_the_office_decides_on_its_back_office_page(client, api, filed, unit_key, clerk):
    case_id = filed["case_id"]
    api.post(
        f"/unit/correction-cases/{case_id}/answer",
        {"action": "dispute", "reason": "Sai"},
        headers={"X-API-Key": unit_key},
    )
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    page = client.get(f"/backoffice/correction-cases/{case_id}/")
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.content.decode()
    assert 'id="case-decision"' in page.content.decode()
    assert client.get("/backoffice/correction-cases/KN-2026-KHONGCO/").status_code == 404

    response = client.post(
        f"/backoffice/correction-cases/{case_id}/", {"decision": "uphold", "salary": "8000000"}
    )

    assert response.status_code == 302
    months = _months()
    assert [months[m] for m in ("2026-05", "2026-06", "2026-07")] == [8_000_000] * 3
    assert CorrectionCase.objects.get(public_id=case_id).status == "upheld"


def test_another_office_cannot_see_or_decide(api, filed, unit_key, other_office):
    from ansinh.accounts.models import Role
    from ansinh.conftest import make_staff

    make_staff(username="canbo9", role=Role.CLERK, office=other_office)
    api.post(
        f"/unit/correction-cases/{filed['case_id']}/answer",
        {"action": "dispute", "reason": "Sai"},
        headers={"X-API-Key": unit_key},
    )
    staff = api.login("canbo9", STAFF_PASSWORD)["access_token"]
    path = f"/staff/correction-cases/{filed['case_id']}"
    assert api.get(path, token=staff).status_code == 404
    decided = api.post(f"{path}/decision", {"uphold": True}, token=staff)
    assert decided.status_code == 404
    assert CorrectionCase.objects.get(public_id=filed["case_id"]).status == "disputed"
