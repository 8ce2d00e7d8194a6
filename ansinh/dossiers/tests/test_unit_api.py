"""``POST /unit/dossiers``: TK1-TS from a unit (or collection organisation) for its current
employees (participants) only; unknown or revoked keys get 401; bad input 400."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from ansinh.accounts import keys
from ansinh.audit.models import DataAccess
from ansinh.conftest import UNIT_KEY
from ansinh.dossiers.models import Dossier, DossierEvent, FormKind, RequestedChange
from ansinh.lib.actor import Actor
from ansinh.notifications.models import Notice
from ansinh.people.models import CollectionOrganisation, Employment, Participation

from .helpers import unit_file

pytestmark = pytest.mark.django_db

MONDAY_MORNING = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_unit_files_tk1_ts_for_a_current_employee(api, unit_key, employees, office):
    response = unit_file(api, "0123456790", {"phone": "0987 654 321", "address": "5 Hàng Bài"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["due_date"] == "2026-03-09"  # 5 working days
    dossier = Dossier.objects.get(public_id=body["dossier_id"])
    assert body["dossier_id"].startswith("HS-2026-") and len(body["dossier_id"]) == 16
    assert (dossier.form, dossier.office, dossier.submitted_by_unit.code) == (
        FormKind.TK1_TS,
        office,
        "TA01234",
    )
    assert dossier.person.bhxh_code == "0123456790"
    changes = {c.field: (c.old_value, c.new_value) for c in RequestedChange.objects.all()}
    assert changes == {
        "phone": ("", "0987654321"),
        "address": (
            "12 Phố Kim Mã, Ba Đình, Hà Nội",
            "5 Hàng Bài",
        ),
    }
    assert list(DossierEvent.objects.values_list("kind", flat=True)) == ["submitted"]
    # Bình is told in the app (she has no email), and the unit's touch is in her access log.
    assert Notice.objects.get(user=employees[1]).kind == "dossier_submitted"
    access = DataAccess.objects.get()
    assert (access.person.bhxh_code, access.unit.code, access.staff) == (
        "0123456790",
        "TA01234",
        None,
    )


def test_the_key_may_also_come_as_a_bearer_token(api, unit_key, employees):
    response = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"phone": "0987654321"}},
        token=UNIT_KEY,
    )
    assert response.status_code == 201, response.content


def test_filing_for_a_stranger_or_an_unknown_code_is_refused_alike(
    api, unit_key, employees, outsider
):
    stranger = unit_file(api, "7912345678", {"phone": "0987654321"})
    unknown = unit_file(api, "0999999999", {"phone": "0987654321"})

    assert stranger.status_code == unknown.status_code == 403
    assert stranger.json()["error"]["code"] == "not_your_employee"
    assert stranger.content == unknown.content
    assert not Dossier.objects.exists()
    assert not DataAccess.objects.exists()


def test_a_former_employee_is_no_longer_yours(api, unit_key, employees):
    Employment.objects.filter(person__bhxh_code="0123456790").update(end_month="2019-12")
    response = unit_file(api, "0123456790", {"phone": "0987654321"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_your_employee"


def test_another_units_employee_is_not_yours(api, unit_key, citizen, office):
    from ansinh.people.models import Unit

    other = Unit.objects.create(code="TA09999", name="Công ty khác", office=office)
    Employment.objects.create(person=citizen.person, unit=other, start_month="2020-01")
    assert unit_file(api, "0123456789", {"phone": "0987654321"}).status_code == 403


@pytest.mark.parametrize("key", [None, "ansk_unknown", "demo-unit-key-TA01234"])
def test_unknown_or_missing_keys_get_401(api, unit_key, employees, key):
    headers = {"X-API-Key": key} if key else {}
    response = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"phone": "0987654321"}},
        headers=headers,
    )
    assert response.status_code == 401
    assert not Dossier.objects.exists()


def test_a_revoked_key_gets_401(api, unit_key, employees):
    key = keys.authenticate_key(UNIT_KEY)
    assert key is not None
    keys.revoke_key(key=key, actor=Actor.command())
    assert unit_file(api, "0123456790", {"phone": "0987654321"}).status_code == 401


def test_a_collection_organisation_files_for_its_participants_only(api, office, citizen, outsider):
    organisation = CollectionOrganisation.objects.create(
        code="TC0001", name="Bưu điện Ba Đình", office=office
    )
    raw = keys.issue_key(organisation=organisation, actor=Actor.command()).raw
    Participation.objects.create(
        person=citizen.person, organisation=organisation, start_month="2024-01"
    )

    mine = unit_file(api, "0123456789", {"address": "1 Tràng Tiền"}, key=raw)
    not_mine = unit_file(api, "7912345678", {"address": "1 Tràng Tiền"}, key=raw)

    assert mine.status_code == 201, mine.content
    assert Dossier.objects.get().submitted_by_organisation == organisation
    assert not_mine.status_code == 403
    assert not_mine.json()["error"]["code"] == "not_your_employee"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"email": ["a@x.vn", "b@x.vn"]}}, "invalid_input", "changes.email"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": ["email"]}, "invalid_input", "changes"),
        ({"form": "TK1-TS", "bhxh_code": 123, "changes": {"phone": "0987654321"}}, "invalid_input", "bhxh_code"),
        ({"form": "02/SĐ-GD", "bhxh_code": "0123456790", "changes": {"phone": "0987654321"}}, "invalid_input", "form"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"phone": "0987654321"}, "status": "approved"}, "invalid_input", "status"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"password": "x"}}, "invalid_input", "password"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"email": "not-an-email"}}, "invalid_input", "email"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"cccd": "001090012345"}}, "invalid_input", "cccd"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {}}, "no_changes", "changes"),
        ({"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"full_name": " Trần  Thị Bình "}}, "no_changes", "changes"),
    ],
)  # fmt: skip
def test_bad_input_is_400_and_files_nothing(api, unit_key, employees, body, code, field):
    response = api.post("/unit/dossiers", body, headers={"X-API-Key": UNIT_KEY})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert not Dossier.objects.exists()


def test_a_body_over_64_kib_is_still_refused_on_the_json_endpoints(api, unit_key, employees):
    raw = json.dumps(
        {"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"address": "x" * 70_000}}
    )
    response = api.post("/unit/dossiers", raw=raw, headers={"X-API-Key": UNIT_KEY})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_large"


def test_the_demo_unit_key_files_for_the_demo_employees(api):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", synthetic=0, stdout=StringIO())
    call_command("demo", synthetic=0, stdout=StringIO())  # idempotent: one employment each
    assert Employment.objects.filter(unit__code="TA01234").count() == 2

    for code in ("0123456789", "0123456790"):
        response = unit_file(
            api, code, {"address": "25 Phố Liễu Giai"}, key="demo-unit-key-TA01234"
        )
        assert response.status_code == 201, response.content


def test_the_new_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/unit/dossiers",
        "/api/v1/staff/dossiers",
        "/api/v1/staff/dossiers/{dossier_id}",
        "/api/v1/staff/dossiers/{dossier_id}/decision",
        "/api/v1/me/dossiers",
        "/api/v1/me/dossiers/{dossier_id}",
        "/api/v1/me/email/confirm",
        "/api/v1/me/notifications",
        "/api/v1/me/access-log",
    ):
        assert path in paths, path
    body = paths["/api/v1/me/dossiers"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
