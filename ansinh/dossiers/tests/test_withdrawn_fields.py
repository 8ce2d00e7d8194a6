"""A withdrawn dossier shows consistent field statuses through every door (issue 12 §2): every
field that did not take effect reads "withdrawn, not applied" — never a "pending" or "approved"
leftover — on the portal, in the app's API, in the staff API and in the back office; a field
rejected before the withdrawal keeps its rejection. Nothing of it reaches the registry."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login, text

from .helpers import change_request, decide, token

pytestmark = pytest.mark.django_db

CHANGES = {
    "address": "5 Hàng Bài, Hoàn Kiếm",  # approved by the clerk, not yet applied
    "email": "an.moi@example.com",  # four eyes: approved once, awaiting the second approver
    "cccd": "001090099999",  # rejected with a reason
    "phone": "0987654321",  # not decided yet
}
EXPECTED = {"address": "withdrawn", "email": "withdrawn", "phone": "withdrawn", "cccd": "rejected"}


@pytest.fixture
def withdrawn(client, api, citizen, clerk, office):
    """An's change request, partly decided by the clerk, then withdrawn by An."""
    an = token(api, "0123456789", CITIZEN_PASSWORD)
    filed = change_request(client, an, changes=CHANGES)
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]
    decided = decide(
        api,
        token(api, "canbo1", STAFF_PASSWORD),
        dossier_id,
        {"address": "approve", "email": "approve", "cccd": "reject"},
        reasons={"cccd": "Ảnh CCCD không rõ"},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "in_review"
    response = api.post(f"/me/dossiers/{dossier_id}/withdraw", token=an)
    assert response.status_code == 200, response.content
    return dossier_id, an


def _statuses(changes: list[dict]) -> dict[str, str]:
    return {c["field"]: c["status"] for c in changes}


def test_the_apps_dossier_detail_says_withdrawn_for_every_field_not_rejected(api, withdrawn):
    dossier_id, an = withdrawn

    body = api.get(f"/me/dossiers/{dossier_id}", token=an).json()

    assert body["status"] == "withdrawn"
    assert _statuses(body["changes"]) == EXPECTED
    rejection = next(c for c in body["changes"] if c["field"] == "cccd")["decisions"]
    assert [d["reason"] for d in rejection] == ["Ảnh CCCD không rõ"]  # kept with its reason


def test_the_staff_api_says_the_same(api, withdrawn):
    dossier_id, _an = withdrawn

    body = api.get(
        f"/staff/dossiers/{dossier_id}", token=token(api, "canbo1", STAFF_PASSWORD)
    ).json()

    assert _statuses(body["changes"]) == EXPECTED


def test_the_portal_detail_shows_no_pending_or_approved_leftovers(client, withdrawn):
    dossier_id, _an = withdrawn
    login(client, "0123456789", CITIZEN_PASSWORD)

    page = client.get(f"/ca-nhan/ho-so/{dossier_id}/").content.decode()

    rows = dict(re.findall(r'<tr data-field="(\w+)" data-status="(\w+)"', page))
    assert rows == EXPECTED
    changes = text(page.split('id="changes"')[1].split("</table>")[0])
    assert changes.count("Đã rút, không áp dụng") == 3
    for leftover in ("Chờ duyệt", "Chờ người duyệt thứ hai", "Đã duyệt"):
        assert leftover not in changes
    assert 'id="withdraw"' not in page


def test_the_back_office_shows_the_same_and_offers_no_decision(withdrawn):
    dossier_id, _an = withdrawn
    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    page = staff.get(f"/backoffice/dossiers/{dossier_id}/").content.decode()

    rows = dict(re.findall(r'<tr data-field="(\w+)" data-status="(\w+)"', page))
    assert rows == EXPECTED
    assert 'name="decision_' not in page  # nothing left to decide on a withdrawn dossier
    # And a decision posted anyway is refused as closed, changing nothing.
    refused = staff.post(
        f"/backoffice/dossiers/{dossier_id}/",
        {
            "csrfmiddlewaretoken": csrf_token(staff, f"/backoffice/dossiers/{dossier_id}/"),
            "decision_phone": "approve",
        },
    )
    assert refused.status_code in (400, 409)


def test_nothing_of_a_withdrawn_dossier_reaches_the_registry(withdrawn):
    person = Person.objects.get(bhxh_code="0123456789")
    assert person.address == "12 Phố Kim Mã, Ba Đình, Hà Nội"
    assert (person.email, person.pending_email) == ("an.nguyen@example.com", "")
    assert person.phone == "0912345678"


def test_the_migration_clears_the_leftovers_of_dossiers_withdrawn_before_it(withdrawn):
    import importlib

    from django.apps import apps

    from ansinh.dossiers.models import Dossier, RequestedChange

    migration = importlib.import_module("ansinh.dossiers.migrations.0005_withdrawn_fields")
    dossier = Dossier.objects.get(public_id=withdrawn[0])
    # As such a dossier was stored before: its fields left as they were when it was withdrawn.
    for field, status in (
        ("address", "approved"),
        ("email", "awaiting_second"),
        ("phone", "pending"),
    ):
        RequestedChange.objects.filter(dossier=dossier, field=field).update(status=status)

    migration.withdraw_leftover_fields(apps, None)

    assert dict(dossier.changes.values_list("field", "status")) == EXPECTED
