"""Concurrent decisions and confirmations on the real PostgreSQL: the dossier's row lock
serialises them, so of many parallel second approvals exactly one applies the change (one
email change, one code email), the same clerk racing with themselves still needs a second
person, and of many parallel right codes exactly one confirms the address."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, Api, make_staff
from ansinh.dossiers.models import EmailChange, FieldDecision
from ansinh.notifications.models import OutboundEmail

from .helpers import decide, last_code, token, unit_file

PARALLEL = 6
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")


def _race(path: str, requests: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(requests))

    def attempt(request: tuple[str, dict]) -> int:
        bearer, body = request
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                "/api/v1" + path,
                data=json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {bearer}",
            )
            return int(response.status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(attempt, requests))


def _filed(api: Api) -> str:
    response = unit_file(api, "0123456790", {"email": "binh@example.org"})
    assert response.status_code == 201, response.content
    return str(response.json()["dossier_id"])


def test_parallel_second_approvals_apply_the_change_once(
    unit_key, employees, clerk, office, mailoutbox
):
    _postgres_only()
    api = Api(Client())
    dossier_id = _filed(api)
    decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    approvers = []
    for n in range(PARALLEL):
        make_staff(username=f"duyet{n}", role="approver", office=office)
        approvers.append(token(api, f"duyet{n}", STAFF_PASSWORD))

    statuses = _race(
        f"/staff/dossiers/{dossier_id}/decision",
        [(t, {"decisions": {"email": "approve"}}) for t in approvers],
    )

    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1)
    assert FieldDecision.objects.count() == 2
    assert EmailChange.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="email_change_code").count() == 1


def test_the_same_clerk_racing_themselves_still_needs_a_second_person(
    unit_key, employees, clerk, mailoutbox
):
    _postgres_only()
    api = Api(Client())
    dossier_id = _filed(api)
    clerk_token = token(api, "canbo1", STAFF_PASSWORD)

    statuses = _race(
        f"/staff/dossiers/{dossier_id}/decision",
        [(clerk_token, {"decisions": {"email": "approve"}})] * PARALLEL,
    )

    assert sorted(statuses) == [200] + [409] * (PARALLEL - 1)
    assert FieldDecision.objects.count() == 1
    assert not EmailChange.objects.exists()


def test_parallel_right_codes_confirm_the_address_once(
    unit_key, employees, clerk, approver, mailoutbox
):
    _postgres_only()
    api = Api(Client())
    dossier_id = _filed(api)
    decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    code = last_code("binh@example.org")
    binh = token(api, "0123456790", CITIZEN_PASSWORD)

    statuses = _race("/me/email/confirm", [(binh, {"code": code})] * PARALLEL)

    assert sorted(statuses) == [200] + [404] * (PARALLEL - 1)
    assert EmailChange.objects.get().status == "confirmed"
