"""What the API fuzzer (``test_fuzz.py``) and its follow-up probes found, one named test each, so
that each stays fixed even where the fuzzer's sample would not hit it again. Every one of
these answered 500 or an undocumented status before its fix."""

from __future__ import annotations

from typing import Any

import pytest

from ansinh.accounts.services import issue_tokens
from ansinh.api.urls import api as ninja_api
from ansinh.conftest import Api
from ansinh.contributions.tests.conftest import codes
from ansinh.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

BAD_TEXT = ["1 Phố\\u0000 Huế", "1 Phố Huế\\ud800", "1 Phố\\u001b[31m Huế"]


def _document() -> dict[str, Any]:
    return ninja_api.get_openapi_schema(path_prefix="/api/v1")


def _token(user: Any) -> str:
    return issue_tokens(user=user, device_name="test").access_token


def test_a_notices_limit_that_is_not_a_number_is_a_documented_400(api: Api, citizen: Any) -> None:
    response = api.get("/me/notifications?limit=abc", token=_token(citizen))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert 400 in _document()["paths"]["/api/v1/me/notifications"]["get"]["responses"]


def test_a_report_in_another_media_type_is_a_documented_415(api: Api, unit_key: str) -> None:
    response = api.client.generic(
        "POST",
        "/api/v1/unit/reports",
        data=b"x",
        content_type="text/plain",
        HTTP_X_API_KEY=unit_key,
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    operation = _document()["paths"]["/api/v1/unit/reports"]["post"]
    assert 415 in operation["responses"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "multipart/form-data",
    }


def test_the_participation_document_names_the_from_field_as_clients_read_it() -> None:
    period = _document()["components"]["schemas"]["PeriodOut"]

    assert "from" in period["properties"] and "from" in period["required"]
    assert "from_" not in period["properties"]


@pytest.mark.parametrize("field", ["address", "full_name"])
@pytest.mark.parametrize("value", BAD_TEXT)
def test_a_control_character_or_lone_surrogate_in_a_change_is_400_and_files_nothing(
    api: Api, employees: Any, unit_key: str, field: str, value: str
) -> None:
    raw = (
        '{"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"%s": "%s"}}' % (field, value)  # noqa: UP031
    )

    response = api.call("POST", "/unit/dossiers", raw=raw, headers={"X-API-Key": unit_key})

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_input"
    assert field in response.json()["error"]["fields"]
    assert not Dossier.objects.exists()


def test_a_lone_surrogate_in_a_report_job_title_is_a_line_error(api: Api, unit_key: str) -> None:
    raw = (
        '{"reference": "R-1", "period": "2026-10", "lines": [{"bhxh_code": "0123456789", '
        '"type": "hire", "from_month": "2026-10", "salary": 9000000, "job_title": "K\\ud800", '
        '"date_of_birth": "1990-05-17"}]}'
    )

    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert response.status_code == 422, response.content
    assert codes(response.json()["error"]["lines"]) == [
        {"line": 1, "fields": {"job_title": "invalid_characters"}}
    ]


@pytest.mark.parametrize("value", BAD_TEXT)
def test_a_control_character_or_lone_surrogate_in_a_rejection_reason_is_400(
    api: Api, employees: Any, unit_key: str, approver: Any, value: str
) -> None:
    filed = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"address": "1 Phố Huế"}},
        headers={"X-API-Key": unit_key},
    )
    dossier_id = filed.json()["dossier_id"]
    raw = '{"decisions": {"address": "reject"}, "reasons": {"address": "%s"}}' % value  # noqa: UP031

    response = api.call(
        "POST", f"/staff/dossiers/{dossier_id}/decision", raw=raw, token=_token(approver)
    )

    assert response.status_code == 400, response.content
    assert Dossier.objects.get(public_id=dossier_id).status == "submitted"
