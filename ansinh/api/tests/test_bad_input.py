"""Bad input gets a 400 with a stable code and changes nothing — never a 500 (DESIGN §4)."""

import json

import pytest

from ansinh.accounts.models import DeviceSession
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD

pytestmark = pytest.mark.django_db


def _error(response, status=400):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert error["message"]
    return error


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b'{"username": "0123456789", "username": "0999999999", "password": "x"}',
        b"[1, 2]",
        b'"a string"',
        b"\xff\xfe",
    ],
)
def test_unparsable_or_non_object_bodies_get_invalid_json(api, citizen, raw):
    assert _error(api.post("/auth/login", raw=raw))["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": ["0123456789", "0999999999"], "password": CITIZEN_PASSWORD}, "username"),
        ({"username": 123456789, "password": CITIZEN_PASSWORD}, "username"),
        ({"username": "0123456789", "password": {"$ne": ""}}, "password"),
        ({"username": "0123456789", "password": None}, "password"),
        ({"username": "0123456789"}, "password"),
        ({"username": "0" * 65, "password": CITIZEN_PASSWORD}, "username"),
        ({"username": "0123456789", "password": "p" * 257}, "password"),
        (
            {"username": "0123456789", "password": CITIZEN_PASSWORD, "device_name": "d" * 101},
            "device_name",
        ),
        ({"username": "0123456789", "password": CITIZEN_PASSWORD, "is_staff": True}, "is_staff"),
        ({"username": "", "password": CITIZEN_PASSWORD}, "username"),
    ],
)
def test_wrong_types_lists_and_over_long_values_get_invalid_input(api, citizen, body, field):
    error = _error(api.post("/auth/login", body))
    assert error["code"] == "invalid_input"
    assert field in error["fields"]
    assert not DeviceSession.objects.exists()
    assert not AuditEvent.objects.exists()


def test_oversized_body_gets_body_too_large(api, citizen):
    body = json.dumps(
        {"username": "0123456789", "password": CITIZEN_PASSWORD, "pad": "x" * 100_000}
    )
    assert _error(api.post("/auth/login", raw=body))["code"] == "body_too_large"


@pytest.mark.parametrize("username", ["0123456789\x00", "0123456789\r\nX-Injected: 1", "\x7f"])
def test_control_characters_in_identifiers_get_invalid_input(api, citizen, username):
    error = _error(api.post("/auth/login", {"username": username, "password": CITIZEN_PASSWORD}))
    assert error["code"] == "invalid_input"
    assert "username" in error["fields"]
    assert not AuditEvent.objects.exists()


def test_sql_meta_characters_are_just_wrong_credentials(api, citizen):
    for username in ("' OR 1=1 --", "0123456789; DROP TABLE people_person", "canbo1' --"):
        response = api.post("/auth/login", {"username": username, "password": CITIZEN_PASSWORD})
        assert response.status_code == 401
    assert (
        api.post(
            "/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD}
        ).status_code
        == 200
    )


def test_password_change_with_wrong_types_gets_invalid_input(api, citizen):
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": ["a", "b"]},
        token=tokens["access_token"],
    )
    assert _error(response)["code"] == "invalid_input"
    citizen.refresh_from_db()
    assert citizen.check_password(CITIZEN_PASSWORD)


def test_unknown_api_path_gets_a_json_404(api):
    response = api.get("/no-such-thing")
    assert _error(response, 404)["code"] == "not_found"


def test_openapi_schema_and_docs_are_published(api, client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout-all",
        "/api/v1/auth/password",
        "/api/v1/me",
    ):
        assert path in paths
    assert "401" in paths["/api/v1/auth/login"]["post"]["responses"]
    assert client.get("/api/v1/docs").status_code == 200


def test_api_responses_are_never_cached(api, citizen):
    response = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert "no-store" in response["Cache-Control"]
