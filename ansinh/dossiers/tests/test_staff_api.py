"""``/staff/dossiers``: the office's queue, counter intake (02/SĐ-GD), the dossier with its
diff, per-field decisions with four eyes for email and phone, and the office boundary."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ansinh.audit.models import AuditEvent, DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, make_staff
from ansinh.dossiers.models import Dossier, DossierEvent, FieldDecision
from ansinh.notifications.models import Notice, OutboundEmail
from ansinh.people.models import Person, PersonChange

from .helpers import decide, token, unit_file

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def clerk_token(api, clerk):
    return token(api, "canbo1", STAFF_PASSWORD)


@pytest.fixture
def approver_token(api, approver):
    return token(api, "canbo2", STAFF_PASSWORD)


@pytest.fixture
def other_clerk_token(api, other_office):
    make_staff(username="canbo9", role="clerk", office=other_office)
    return token(api, "canbo9", STAFF_PASSWORD)


def _file(api, code="0123456789", changes=None):
    response = unit_file(api, code, changes or {"address": "5 Hàng Bài, Hoàn Kiếm, Hà Nội"})
    assert response.status_code == 201, response.content
    return response.json()["dossier_id"]


# --- The queue ------------------------------------------------------------------------------------


def test_the_queue_lists_the_offices_dossiers_with_filters(api, unit_key, employees, clerk_token):
    address = _file(api)
    phone = _file(api, "0123456790", {"phone": "0987654321"})

    everything = api.get("/staff/dossiers", token=clerk_token).json()
    assert everything["count"] == 2
    assert {i["dossier_id"] for i in everything["items"]} == {address, phone}
    item = next(i for i in everything["items"] if i["dossier_id"] == phone)
    assert item["person"] == {"bhxh_code": "0123456790", "full_name": "Trần Thị Bình"}
    assert item["submitted_by"]["kind"] == "unit" and item["fields"] == ["phone"]

    decide(api, clerk_token, phone, {"phone": "approve"})
    waiting = api.get("/staff/dossiers?status=awaiting_second_approval", token=clerk_token).json()
    assert [i["dossier_id"] for i in waiting["items"]] == [phone]
    tk1 = api.get("/staff/dossiers?form=TK1-TS", token=clerk_token).json()
    assert tk1["count"] == 2
    assert api.get("/staff/dossiers?form=01/ĐK-GD", token=clerk_token).json()["count"] == 0
    bad = api.get("/staff/dossiers?status=bogus", token=clerk_token)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"


def test_overdue_dossiers_stand_out_after_the_sla(api, unit_key, employees, clerk_token):
    with time_machine.travel(MONDAY, tick=False):
        dossier_id = _file(api)
    with time_machine.travel(MONDAY + dt.timedelta(days=7), tick=False):  # next Monday: due
        fresh = api.get("/staff/dossiers?overdue=true", token=token(api, "canbo1", STAFF_PASSWORD))
        assert fresh.json()["count"] == 0
    with time_machine.travel(MONDAY + dt.timedelta(days=8), tick=False):  # Tuesday: late
        staff_token = token(api, "canbo1", STAFF_PASSWORD)
        late = api.get("/staff/dossiers?overdue=true", token=staff_token).json()
        assert [i["dossier_id"] for i in late["items"]] == [dossier_id]
        assert late["items"][0]["overdue"] is True


def test_staff_of_another_office_see_nothing_and_get_404(
    api, unit_key, employees, clerk_token, other_clerk_token
):
    dossier_id = _file(api, "0123456790", {"phone": "0987654321"})

    assert api.get("/staff/dossiers", token=other_clerk_token).json()["count"] == 0
    unknown = api.get("/staff/dossiers/HS-2026-ZZZZZZZZ", token=other_clerk_token)
    theirs = api.get(f"/staff/dossiers/{dossier_id}", token=other_clerk_token)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.content == unknown.content
    decision = decide(api, other_clerk_token, dossier_id, {"phone": "approve"})
    assert decision.status_code == 404
    assert not FieldDecision.objects.exists()
    assert not DataAccess.objects.filter(staff__username="canbo9").exists()


def test_citizens_get_403_on_staff_endpoints(api, unit_key, employees):
    dossier_id = _file(api)
    citizen_token = token(api, "0123456789", CITIZEN_PASSWORD)
    for response in (
        api.get("/staff/dossiers", token=citizen_token),
        api.get(f"/staff/dossiers/{dossier_id}", token=citizen_token),
        decide(api, citizen_token, dossier_id, {"address": "approve"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "staff_only"
    assert api.get("/staff/dossiers").status_code == 401


# --- Counter intake -------------------------------------------------------------------------------


def test_counter_intake_needs_the_cccd_checked_in_person(api, citizen_no_email, clerk_token):
    body = {
        "form": "02/SĐ-GD",
        "bhxh_code": "0123456790",
        "changes": {"email": "binh.tran@example.org"},
        "identity_checked": False,
    }
    refused = api.post("/staff/dossiers", body, token=clerk_token)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "identity_not_checked"
    assert not Dossier.objects.exists()

    filed = api.post("/staff/dossiers", {**body, "identity_checked": True}, token=clerk_token)
    assert filed.status_code == 201, filed.content
    dossier = Dossier.objects.get()
    assert (dossier.form, dossier.identity_checked, dossier.submitted_by_user.username) == (
        "02/SĐ-GD",
        True,
        "canbo1",
    )
    assert dossier.office.code == "01001"


@pytest.mark.parametrize(
    ("changes", "identity_checked", "field"),
    [
        ({"address": "5 Hàng Bài"}, True, "address"),  # 02/SĐ-GD changes email and phone only
        ({"phone": "12345"}, True, "phone"),
        ({"phone": "0987654321"}, "yes", "identity_checked"),
    ],
)
def test_counter_intake_refuses_other_fields_and_bad_values(
    api, citizen_no_email, clerk_token, changes, identity_checked, field
):
    response = api.post(
        "/staff/dossiers",
        {
            "form": "02/SĐ-GD",
            "bhxh_code": "0123456790",
            "changes": changes,
            "identity_checked": identity_checked,
        },
        token=clerk_token,
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_staff_never_see_or_set_passwords(api, unit_key, employees, clerk_token):
    response = api.post(
        "/staff/dossiers",
        {
            "form": "02/SĐ-GD",
            "bhxh_code": "0123456790",
            "changes": {"password": "Moi-Mat-Khau-2026"},
            "identity_checked": True,
        },
        token=clerk_token,
    )
    assert response.status_code == 400
    dossier_id = _file(api)
    detail = api.get(f"/staff/dossiers/{dossier_id}", token=clerk_token).text
    assert "password" not in detail and "pbkdf2" not in detail and "md5$" not in detail


# --- The dossier and decisions --------------------------------------------------------------------


def test_the_dossier_shows_old_and_new_values_and_its_read_is_logged(
    api, unit_key, employees, clerk_token
):
    dossier_id = _file(api, "0123456789", {"phone": "0987654321", "address": "5 Hàng Bài"})

    response = api.get(f"/staff/dossiers/{dossier_id}", token=clerk_token)

    assert response.status_code == 200
    body = response.json()
    assert {
        c["field"]: (c["old_value"], c["new_value"], c["four_eyes"]) for c in body["changes"]
    } == {
        "phone": ("0912345678", "0987654321", True),
        "address": ("12 Phố Kim Mã, Ba Đình, Hà Nội", "5 Hàng Bài", False),
    }
    assert body["person"]["bhxh_code"] == "0123456789"
    assert body["submitted_by"] == {
        "kind": "unit",
        "code": "TA01234",
        "name": "Công ty TNHH An Khang",
    }
    read = DataAccess.objects.get(staff__username="canbo1")
    assert (read.person.bhxh_code, read.what, read.channel) == ("0123456789", "dossier", "api")


def test_an_address_needs_one_approval_and_changes_the_registry_with_history(
    api, unit_key, employees, clerk_token, clerk
):
    dossier_id = _file(api)

    response = decide(api, clerk_token, dossier_id, {"address": "approve"}, note="ok")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    person = Person.objects.get(bhxh_code="0123456789")
    assert person.address == "5 Hàng Bài, Hoàn Kiếm, Hà Nội"
    change = PersonChange.objects.get(person=person, field="address")
    assert (change.old_value, change.dossier_ref, change.changed_by) == (
        "12 Phố Kim Mã, Ba Đình, Hà Nội",
        dossier_id,
        clerk,
    )
    assert list(DossierEvent.objects.values_list("kind", flat=True)) == ["submitted", "approved"]
    audit = AuditEvent.objects.get(event="dossier.decided")
    assert (audit.actor, audit.details["decisions"]) == (clerk, {"address": "approve"})


def test_a_phone_needs_two_different_approvers(
    api, unit_key, employees, clerk_token, approver_token
):
    dossier_id = _file(api, "0123456789", {"phone": "0987654321"})

    assert decide(api, clerk_token, dossier_id, {"phone": "approve"}).json()["status"] == (
        "awaiting_second_approval"
    )
    assert Person.objects.get(bhxh_code="0123456789").phone == "0912345678"  # not yet
    again = decide(api, clerk_token, dossier_id, {"phone": "approve"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "second_approver_required"
    reject_again = decide(api, clerk_token, dossier_id, {"phone": "reject"}, reasons={"phone": "x"})
    assert reject_again.status_code == 409

    done = decide(api, approver_token, dossier_id, {"phone": "approve"})
    assert done.json()["status"] == "approved"
    assert Person.objects.get(bhxh_code="0123456789").phone == "0987654321"
    assert list(DossierEvent.objects.values_list("kind", flat=True)) == [
        "submitted",
        "awaiting_second_approval",
        "approved",
    ]


def test_a_rejection_needs_a_reason_and_the_dossier_can_end_partly_approved(
    api, unit_key, employees, clerk_token
):
    dossier_id = _file(api, "0123456789", {"address": "5 Hàng Bài", "full_name": "Nguyễn Văn Ân"})

    no_reason = decide(api, clerk_token, dossier_id, {"full_name": "reject"})
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["code"] == "reason_required"
    assert "full_name" in no_reason.json()["error"]["fields"]

    first = decide(api, clerk_token, dossier_id, {"address": "approve"})
    assert first.json()["status"] == "in_review"
    second = decide(
        api,
        clerk_token,
        dossier_id,
        {"full_name": "reject"},
        reasons={"full_name": "Không có giấy khai sinh"},
    )
    assert second.json()["status"] == "partly_approved"
    person = Person.objects.get(bhxh_code="0123456789")
    assert (person.address, person.full_name) == ("5 Hàng Bài", "Nguyễn Văn An")
    reason = second.json()["changes"][1]["decisions"][0]
    assert (reason["decision"], reason["reason"], reason["decided_by"]) == (
        "reject",
        "Không có giấy khai sinh",
        "canbo1",
    )


def test_decided_fields_and_closed_dossiers_are_409(
    api, unit_key, employees, clerk_token, approver_token
):
    dossier_id = _file(api, "0123456789", {"address": "5 Hàng Bài", "phone": "0987654321"})
    decide(api, clerk_token, dossier_id, {"address": "approve"})
    again = decide(api, approver_token, dossier_id, {"address": "reject"}, reasons={"address": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"

    decide(api, clerk_token, dossier_id, {"phone": "reject"}, reasons={"phone": "sai số"})
    closed = decide(api, approver_token, dossier_id, {"phone": "approve"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "dossier_closed"


@pytest.mark.parametrize(
    "decisions",
    [{"email": "approve"}, {"address": "maybe"}, {"address": ["approve"]}, {}],
)
def test_bad_decisions_are_400_and_change_nothing(api, unit_key, employees, clerk_token, decisions):
    dossier_id = _file(api)
    response = decide(api, clerk_token, dossier_id, decisions)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert not FieldDecision.objects.exists()


def test_a_cccd_that_meanwhile_belongs_to_someone_else_cannot_be_applied(
    api, unit_key, employees, clerk_token
):
    dossier_id = _file(api, "0123456789", {"cccd": "001090099999"})
    Person.objects.filter(bhxh_code="0123456790").update(cccd="001090099999")

    response = decide(api, clerk_token, dossier_id, {"cccd": "approve"})

    assert response.status_code == 409
    # Refused before anything is recorded, with its own code (issue 11 m).
    assert response.json()["error"]["code"] == "cccd_taken"
    assert Dossier.objects.get().status == "submitted"
    assert not FieldDecision.objects.exists()
    assert Person.objects.get(bhxh_code="0123456789").cccd == "001090012345"


def test_every_status_change_notifies_the_person_in_the_app_and_by_email(
    api, unit_key, employees, clerk_token, approver_token, mailoutbox
):
    employees[0].language = "en"
    employees[0].save(update_fields=["language"])
    dossier_id = _file(api, "0123456789", {"phone": "0987654321"})
    decide(api, clerk_token, dossier_id, {"phone": "approve"})
    decide(api, approver_token, dossier_id, {"phone": "approve"})

    kinds = list(
        Notice.objects.filter(user=employees[0])
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["dossier_submitted", "dossier_awaiting_second_approval", "dossier_approved"]
    updates = OutboundEmail.objects.filter(kind="dossier_update").order_by("created_at", "pk")
    assert [e.recipient for e in updates] == ["an.nguyen@example.com"] * 3
    assert all(dossier_id in e.subject for e in updates)
    final = updates.last().body_text
    assert f"Your dossier {dossier_id} was approved." in final
    assert "- Phone: Approved" in final
    assert f"/ca-nhan/ho-so/{dossier_id}/" in final
