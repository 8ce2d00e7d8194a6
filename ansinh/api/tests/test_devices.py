"""``/auth/devices``: a person sees the app devices signed in to the account and signs one out
after re-entering the password (docs/security.md, ASVS 7.5.2)."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Khong-Phai-Mat-Khau-2026"


def _login(api, device_name: str, username: str = "0123456789", password: str = CITIZEN_PASSWORD):
    response = api.post(
        "/auth/login", {"username": username, "password": password, "device_name": device_name}
    )
    assert response.status_code == 200, response.content
    return response.json()


def _devices(api, token: str) -> list[dict]:
    response = api.get("/auth/devices", token=token)
    assert response.status_code == 200, response.content
    return list(response.json()["items"])


def _sign_out(api, token: str, device_id: str, password: str = CITIZEN_PASSWORD):
    return api.post(
        f"/auth/devices/{device_id}/logout", {"current_password": password}, token=token
    )


def test_the_list_shows_each_signed_in_device_and_marks_this_one(api, citizen):
    phone = _login(api, "Điện thoại")
    tablet = _login(api, "Máy tính bảng")

    items = _devices(api, phone["access_token"])

    assert sorted((d["device_name"], d["current"]) for d in items) == [
        ("Máy tính bảng", False),
        ("Điện thoại", True),
    ]
    assert len({d["device_id"] for d in items}) == 2
    body = api.get("/auth/devices", token=phone["access_token"]).content.decode()
    for secret in (phone["access_token"], phone["refresh_token"], tablet["refresh_token"]):
        assert secret not in body


def test_signing_out_another_device_needs_the_password_and_ends_only_that_device(api, citizen):
    phone = _login(api, "Điện thoại")
    tablet = _login(api, "Máy tính bảng")
    [tablet_id] = [d["device_id"] for d in _devices(api, phone["access_token"]) if not d["current"]]

    wrong = _sign_out(api, phone["access_token"], tablet_id, password=WRONG)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "wrong_current_password")
    assert api.get("/me", token=tablet["access_token"]).status_code == 200

    assert _sign_out(api, phone["access_token"], tablet_id).status_code == 204

    assert api.get("/me", token=tablet["access_token"]).status_code == 401
    refresh = api.post("/auth/refresh", {"refresh_token": tablet["refresh_token"]})
    assert refresh.status_code == 401
    assert api.get("/me", token=phone["access_token"]).status_code == 200
    assert [d["device_name"] for d in _devices(api, phone["access_token"])] == ["Điện thoại"]
    event = AuditEvent.objects.get(event="logout")
    assert event.details == {"device": tablet_id}
    assert AuditEvent.objects.filter(event="device.sign_out_failed").count() == 1
    # Ended already: there is nothing left to sign out.
    assert _sign_out(api, phone["access_token"], tablet_id).status_code == 404


def test_another_persons_device_and_malformed_ids_are_404_and_end_nothing(api, citizen, outsider):
    mine = _login(api, "Điện thoại")
    theirs = _login(api, "Của Cường", username="7912345678", password=OTHER_PASSWORD)
    [their_id] = [d["device_id"] for d in _devices(api, theirs["access_token"])]

    for device_id in (their_id, "00000000-0000-0000-0000-000000000000", "not-a-uuid", "x" * 300):
        response = _sign_out(api, mine["access_token"], device_id)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")

    assert api.get("/me", token=theirs["access_token"]).status_code == 200


def test_wrong_passwords_on_device_sign_out_are_throttled_like_logins(api, citizen):
    phone = _login(api, "Điện thoại")
    _login(api, "Máy tính bảng")
    [tablet_id] = [d["device_id"] for d in _devices(api, phone["access_token"]) if not d["current"]]

    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            _sign_out(api, phone["access_token"], tablet_id, password=f"{WRONG}-{i}").status_code
            for i in range(6)
        ]
        right = _sign_out(api, phone["access_token"], tablet_id)

    assert statuses == [400] * 5 + [429]
    assert (right.status_code, right.json()["error"]["code"]) == (429, "too_many_attempts")
    assert len(_devices(api, phone["access_token"])) == 2


def test_the_devices_need_a_token(api, citizen):
    assert api.get("/auth/devices").status_code == 401
    assert api.post("/auth/devices/x/logout", {"current_password": "x"}).status_code == 401
