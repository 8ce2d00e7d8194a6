"""The registry's ``person.changed`` audit rows say who changed a person's data, through which
door and from which client address (issue 11 §2: services receive the ``Actor``). Before, the
registry services took a bare ``User`` and wrote the row without a channel or an address."""

from __future__ import annotations

import pytest
from django.test import Client

from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, run_on_commit
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

from .helpers import decide, last_code, token, unit_file

pytestmark = pytest.mark.django_db

ADDRESS = "5 Hàng Bài, Hoàn Kiếm, Hà Nội"


def _person_changed() -> AuditEvent:
    [row] = AuditEvent.objects.filter(event="person.changed")
    return row


def _filed(api, changes) -> str:
    response = unit_file(api, "0123456789", changes)
    assert response.status_code == 201, response.content
    return str(response.json()["dossier_id"])


def test_an_approved_dossiers_person_changed_row_carries_the_approvers_address_and_api_channel(
    api, unit_key, employees, clerk
):
    dossier_id = _filed(api, {"address": ADDRESS})
    staff_token = token(api, "canbo1", STAFF_PASSWORD)

    response = api.post(
        f"/staff/dossiers/{dossier_id}/decision",
        {"decisions": {"address": "approve"}},
        token=staff_token,
        remote_addr="198.51.100.31",
        headers={"User-Agent": "AnSinh-Staff/2.0"},
    )

    assert response.status_code == 200, response.content
    assert Person.objects.get(bhxh_code="0123456789").address == ADDRESS
    row = _person_changed()
    assert (row.actor, row.channel, row.client_ip, row.user_agent) == (
        clerk,
        "api",
        "198.51.100.31",
        "AnSinh-Staff/2.0",
    )
    assert row.details == {"fields": ["address"], "dossier": dossier_id}


def test_an_approved_dossiers_person_changed_row_carries_the_approvers_address_and_backoffice_channel(
    api, unit_key, employees, clerk
):
    dossier_id = _filed(api, {"address": ADDRESS})
    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    path = f"/backoffice/dossiers/{dossier_id}/"

    with run_on_commit():
        response = staff.post(
            path,
            {"csrfmiddlewaretoken": csrf_token(staff, path), "decision_address": "approve"},
            REMOTE_ADDR="198.51.100.32",
        )

    assert response.status_code == 302
    row = _person_changed()
    assert (row.actor, row.channel, row.client_ip) == (clerk, "backoffice", "198.51.100.32")


def test_a_confirmed_email_writes_person_changed_rows_with_each_actors_door_and_address(
    api, unit_key, employees, clerk, approver, citizen, mailoutbox
):
    new = "an.moi@example.net"
    dossier_id = _filed(api, {"email": new})
    decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    second = api.post(
        f"/staff/dossiers/{dossier_id}/decision",
        {"decisions": {"email": "approve"}},
        token=token(api, "canbo2", STAFF_PASSWORD),
        remote_addr="198.51.100.33",
    )
    assert second.json()["status"] == "approved", second.content

    confirmed = api.post(
        "/me/email/confirm",
        {"code": last_code(new)},
        token=token(api, "0123456789", CITIZEN_PASSWORD),
        remote_addr="198.51.100.34",
    )

    assert confirmed.status_code == 200, confirmed.content
    rows = AuditEvent.objects.filter(event="person.changed").order_by("pk")
    assert [(r.actor, r.channel, r.client_ip) for r in rows] == [
        (approver, "api", "198.51.100.33"),  # the approved address waits as pending_email
        (citizen, "api", "198.51.100.34"),  # its owner confirmed it by code
    ]
    assert Person.objects.get(bhxh_code="0123456789").email == new
