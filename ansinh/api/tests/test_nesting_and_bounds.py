"""Deeply nested JSON and huge or negative numbers are bad input: a 400 with a stable code and a
readable message, never a 500 (issue 11, defect j). Every JSON body the API reads goes through
``ansinh.api.parser`` (one nesting limit); every integer query parameter has bounds in its type
(``parser.Limit`` and ``parser.Offset``), so the OpenAPI document shows them and ninja enforces
them before a view runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ansinh.accounts.services import issue_tokens
from ansinh.api.parser import MAX_DEPTH
from ansinh.api.urls import api as ninja_api
from ansinh.conftest import Api
from ansinh.contributions.tests.conftest import codes
from ansinh.dossiers.models import Dossier
from ansinh.dossiers.tests.helpers import change_request

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
# Deep enough for Python's json module to give up (RecursionError), small enough for the
# multipart field limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 64 KiB).
DEEP_SMALL = "[" * 30_000 + "]" * 30_000


def _token(user: Any) -> str:
    return issue_tokens(user=user, device_name="test").access_token


def _error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    return dict(error)


# --- Nesting ---------------------------------------------------------------------------------


def test_deeply_nested_json_in_a_unit_report_is_400_invalid_json(api: Api, unit_key: str) -> None:
    raw = '{"reference": "R-1", "period": "2026-10", "lines": [%s]}' % DEEP  # noqa: UP031

    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert _error(response)["code"] == "invalid_json"


def test_deeply_nested_json_in_a_report_field_before_the_lines_is_400(
    api: Api, unit_key: str
) -> None:
    raw = '{"reference": %s, "period": "2026-10", "lines": []}' % DEEP  # noqa: UP031

    response = api.call("POST", "/unit/reports", raw=raw, headers={"X-API-Key": unit_key})

    assert _error(response)["code"] == "invalid_json"


def test_deeply_nested_json_in_a_change_request_payload_is_400_and_files_nothing(
    client: Client, citizen: Any, office: Any
) -> None:
    payload = '{"form": "change_request", "office_code": "01001", "changes": %s}' % DEEP_SMALL  # noqa: UP031

    response = change_request(client, _token(citizen), changes={}, payload=payload)

    error = _error(response)
    assert error["code"] == "invalid_input"
    assert "payload" in error["fields"]
    assert not Dossier.objects.exists()


def test_deeply_nested_json_in_any_api_body_is_400_invalid_json(api: Api) -> None:
    raw = '{"username": %s, "password": "x"}' % DEEP_SMALL  # noqa: UP031

    assert _error(api.call("POST", "/auth/login", raw=raw))["code"] == "invalid_json"


def test_json_nested_just_within_the_limit_is_parsed(api: Api, unit_key: str) -> None:
    # A line nested to the limit (with the body and the list of lines around it) is JSON the
    # API reads: the answer is about the line, not the body; one level more is refused.
    def report(levels: int) -> str:
        inner = "[" * levels + "]" * levels
        return '{"reference": "R-1", "period": "2026-10", "lines": [%s]}' % inner  # noqa: UP031

    within = api.call(
        "POST", "/unit/reports", raw=report(MAX_DEPTH - 2), headers={"X-API-Key": unit_key}
    )
    beyond = api.call(
        "POST", "/unit/reports", raw=report(MAX_DEPTH - 1), headers={"X-API-Key": unit_key}
    )

    assert within.status_code == 422, within.content
    assert codes(within.json()["error"]["lines"]) == [
        {"line": 1, "fields": {"line": "must_be_object"}}
    ]
    assert _error(beyond)["code"] == "invalid_json"


def test_brackets_inside_strings_do_not_count_as_nesting(api: Api) -> None:
    raw = '{"username": "%s", "password": "x"}' % ("[" * 1000)  # noqa: UP031

    assert _error(api.call("POST", "/auth/login", raw=raw))["code"] == "invalid_input"


# --- Integers in query strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",
        "offset=18446744073709551616",
        "offset=" + "9" * 40,
        "offset=-1",
        "offset=-9223372036854775809",
        "limit=9223372036854775808",
        "limit=-5",
        "limit=0",
    ],
)
def test_a_huge_or_negative_staff_queue_number_is_400_invalid_input(
    api: Api, clerk: Any, query: str
) -> None:
    response = api.get(f"/staff/dossiers?{query}", token=_token(clerk))

    error = _error(response)
    assert error["code"] == "invalid_input"
    assert query.split("=")[0] in error["fields"]


def test_the_last_offset_within_bounds_answers_an_empty_page(api: Api, clerk: Any) -> None:
    from ansinh.api.parser import MAX_OFFSET

    response = api.get(f"/staff/dossiers?offset={MAX_OFFSET}&limit=200", token=_token(clerk))

    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


@pytest.mark.parametrize("limit", ["9223372036854775808", "-1", "0", "1" + "0" * 30])
def test_a_huge_or_negative_notices_limit_is_400_invalid_input(
    api: Api, citizen: Any, limit: str
) -> None:
    response = api.get(f"/me/notifications?limit={limit}", token=_token(citizen))

    assert _error(response)["code"] == "invalid_input"


def test_every_integer_query_parameter_of_the_api_has_bounds() -> None:
    """An unbounded integer reaches the database (an OFFSET above 2⁶³ answered 500): every
    integer parameter must say its minimum and maximum, which ninja then enforces."""
    document = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    unbounded = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["schema"].get("type") == "integer"
        and not {"minimum", "maximum"} <= set(parameter["schema"])
    ]
    assert unbounded == []
