"""The API's request path: no web session, still every security header; the token lookup
loads the device, user, person and office in one query (bench/RESULTS.md)."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.utils import timezone

from ansinh.accounts.models import DeviceSession, User
from ansinh.accounts.services import access_token_device
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.portal.tests.helpers import PORTAL_HOME, is_signed_in, login

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def test_api_answers_keep_the_security_headers_and_request_id_but_touch_no_session(api, citizen):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    response = api.get("/me", token=token)

    assert response.status_code == 200
    for header in SECURITY_HEADERS:
        assert response.has_header(header), header
    assert len(response["X-Request-ID"]) == 32
    assert response["Content-Language"] == "vi"  # the locale middleware still runs
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_a_portal_session_does_not_authenticate_the_api(client, api, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    assert is_signed_in(client)  # the portal keeps its session

    response = api.get("/me")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert client.get(PORTAL_HOME).status_code == 200


def _same_fields(loaded: Model, fresh: Model) -> None:
    for field in type(fresh)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(fresh, field.attname), field.name


@pytest.mark.parametrize("who", ["citizen", "clerk"])
def test_token_lookup_loads_device_user_person_and_office_in_one_query(
    api, who, request, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    password = CITIZEN_PASSWORD if who == "citizen" else STAFF_PASSWORD
    raw = api.login(user.username, password)["access_token"]

    with django_assert_num_queries(1):
        device = access_token_device(raw)
    with django_assert_num_queries(0):
        assert device is not None
        loaded_user, person, office = device.user, device.user.person, device.user.office
        if person is not None:
            assert person.account is loaded_user  # the reverse side is cached too

    _same_fields(device, DeviceSession.objects.get(pk=device.pk))
    _same_fields(loaded_user, User.objects.get(pk=user.pk))
    assert (person is None) == (who == "clerk")
    assert (office is None) == (who == "citizen")
    if person is not None:
        _same_fields(person, user.person)
    if office is not None:
        _same_fields(office, user.office)


def test_token_lookup_refuses_a_revoked_device_and_an_inactive_user(api, citizen):
    raw = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]
    assert access_token_device(raw) is not None

    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert access_token_device(raw) is None

    User.objects.filter(pk=citizen.pk).update(is_active=True)
    DeviceSession.objects.filter(user=citizen).update(revoked_at=timezone.now())
    assert access_token_device(raw) is None
