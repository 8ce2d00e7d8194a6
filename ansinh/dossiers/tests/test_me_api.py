"""``/me/dossiers``, ``/me/notifications`` and ``/me/access-log``: a citizen's own dossiers
(whoever filed them), a change request with documents checked by content and size, their
attachments, the in-app notices and who read their record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD, STAFF_PASSWORD, make_staff
from ansinh.dossiers.models import Attachment, Dossier
from ansinh.notifications.models import Notice

from .helpers import JPEG, PDF, PNG, change_request, decide, token, unit_file

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def an(api, citizen):
    return token(api, "0123456789", CITIZEN_PASSWORD)


def _error(response, status=400):
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Change requests with documents --------------------------------------------------------------


def test_a_change_request_with_documents_is_filed_and_stored_privately(
    client, api, an, office, _media_root
):
    response = change_request(
        client,
        an,
        changes={"phone": "0987654321", "address": "5 Hàng Bài"},
        files=[("mat-truoc.png", PNG), ("mat sau.JPG", JPEG), ("giay-to.pdf", PDF)],
    )

    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(public_id=response.json()["dossier_id"])
    assert (dossier.form, dossier.channel, dossier.office, dossier.submitted_by_user.username) == (
        "change_request",
        "api",
        office,
        "0123456789",
    )
    attachments = list(Attachment.objects.order_by("pk"))
    assert [a.content_type for a in attachments] == ["image/png", "image/jpeg", "application/pdf"]
    assert [a.original_name for a in attachments] == ["mat-truoc.png", "mat sau.JPG", "giay-to.pdf"]
    for attachment in attachments:
        stored = Path(attachment.file.path)
        assert stored.is_file() and Path(_media_root) in stored.parents
        assert attachment.original_name not in stored.name  # random names only
    assert client.get("/media-is-not-served/" + attachments[0].file.name).status_code == 404


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([], "documents_required"),
        ([("cccd.png", b"GIF89a" + b"\x00" * 40)], "unsupported_file_type"),
        ([("cccd.png", b"<html><script>alert(1)</script></html>")], "unsupported_file_type"),
        ([("cccd.pdf", b"")], "unsupported_file_type"),
        ([("big.png", PNG + b"\x00" * (5 * MB))], "file_too_large"),
        ([("p.png", PNG)] * 5, "too_many_files"),
    ],
)
def test_wrong_type_oversized_missing_or_too_many_documents_are_refused(
    client, an, office, files, code
):
    response = change_request(client, an, changes={"phone": "0987654321"}, files=files)
    error = _error(response)
    assert error["code"] == code
    assert "documents" in error["fields"]
    assert not Dossier.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_of_exactly_5_mb_is_accepted(client, an, office):
    response = change_request(
        client,
        an,
        changes={"phone": "0987654321"},
        files=[("ok.png", PNG + b"\x00" * (5 * MB - len(PNG)))],
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("not json", "payload"),
        ('{"form": "change_request", "form": "change_request"}', "payload"),
        ({"form": "change_request", "office_code": "01001", "changes": {"phone": ["0987654321"]}}, "changes.phone"),
        ({"form": "change_request", "office_code": "01001", "changes": {"full_name": "Ai Đó"}}, "full_name"),
        ({"form": "TK1-TS", "office_code": "01001", "changes": {"phone": "0987654321"}}, "form"),
        ({"form": "change_request", "office_code": "99999", "changes": {"phone": "0987654321"}}, "office_code"),
        ({"form": "change_request", "office_code": "01001", "changes": {"phone": "0987654321"}, "person": "7912345678"}, "person"),
    ],
)  # fmt: skip
def test_bad_payloads_are_400(client, an, office, payload, field):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    error = _error(change_request(client, an, changes={}, payload=body))
    assert error["code"] == "invalid_input"
    assert field in error["fields"]


def test_the_change_request_endpoint_wants_multipart(api, an, office):
    response = api.post(
        "/me/dossiers",
        {"form": "change_request", "office_code": "01001", "changes": {"phone": "0987654321"}},
        token=an,
    )
    assert _error(response)["code"] == "multipart_required"


def test_staff_cannot_file_a_citizens_change_request(client, api, clerk, office):
    staff = token(api, "canbo1", STAFF_PASSWORD)
    assert (
        _error(change_request(client, staff, changes={"phone": "0987654321"}), 403)["code"]
        == "citizens_only"
    )


# --- Reading my dossiers --------------------------------------------------------------------------


def test_i_see_every_dossier_about_me_masked_whoever_filed_it(api, unit_key, employees):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    an = token(api, "0123456789", CITIZEN_PASSWORD)

    listing = api.get("/me/dossiers", token=an).json()
    assert [i["dossier_id"] for i in listing["items"]] == [filed]
    detail = api.get(f"/me/dossiers/{filed}", token=an).json()
    assert detail["changes"][0]["old_value"] == "091****678"
    assert detail["changes"][0]["new_value"] == "098****321"
    assert [e["kind"] for e in detail["events"]] == ["submitted"]
    assert detail["due_date"] and detail["overdue"] is False
    assert (
        api.get("/me/dossiers", token=token(api, "0123456790", CITIZEN_PASSWORD)).json()["count"]
        == 0
    )


def test_a_citizen_cannot_read_anothers_dossier(api, unit_key, employees, outsider):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    other = token(api, "7912345678", OTHER_PASSWORD)

    theirs = api.get(f"/me/dossiers/{filed}", token=other)
    unknown = api.get("/me/dossiers/HS-2026-ZZZZZZZZ", token=other)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.content == unknown.content
    assert api.post(f"/me/dossiers/{filed}/withdraw", token=other).status_code == 404
    assert api.get("/me/dossiers", token=other).json()["count"] == 0


def test_attachments_go_to_the_owner_and_the_offices_staff_only(
    client, api, an, outsider, clerk, other_office
):
    filed = change_request(client, an, changes={"phone": "0987654321"}).json()["dossier_id"]
    attachment = Attachment.objects.get()
    path = f"/api/v1/me/dossiers/{filed}/attachments/{attachment.public_id}"

    mine = client.get(path, HTTP_AUTHORIZATION=f"Bearer {an}")
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PNG
    assert mine["Content-Type"] == "image/png"
    assert "sandbox" in mine["Content-Security-Policy"]
    assert mine["X-Content-Type-Options"] == "nosniff"

    other = token(api, "7912345678", OTHER_PASSWORD)
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404

    staff_path = f"/api/v1/staff/dossiers/{filed}/attachments/{attachment.public_id}"
    staff = token(api, "canbo1", STAFF_PASSWORD)
    assert client.get(staff_path, HTTP_AUTHORIZATION=f"Bearer {staff}").status_code == 200
    make_staff(username="canbo9", role="clerk", office=other_office)
    elsewhere = token(api, "canbo9", STAFF_PASSWORD)
    assert client.get(staff_path, HTTP_AUTHORIZATION=f"Bearer {elsewhere}").status_code == 404


def test_i_may_withdraw_what_i_filed_but_not_what_my_employer_filed(
    client, api, unit_key, employees
):
    an = token(api, "0123456789", CITIZEN_PASSWORD)
    mine = change_request(client, an, changes={"address": "5 Hàng Bài"}).json()["dossier_id"]
    employer = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]

    withdrawn = api.post(f"/me/dossiers/{mine}/withdraw", token=an)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (
        _error(api.post(f"/me/dossiers/{mine}/withdraw", token=an), 409)["code"] == "dossier_closed"
    )
    assert (
        _error(api.post(f"/me/dossiers/{employer}/withdraw", token=an), 403)["code"]
        == "not_your_dossier"
    )


# --- Notices and the access log -------------------------------------------------------------------


def test_notifications_list_and_mark_read(api, unit_key, employees, clerk):
    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    decide(api, token(api, "canbo1", STAFF_PASSWORD), filed, {"address": "approve"})
    an = token(api, "0123456789", CITIZEN_PASSWORD)

    listing = api.get("/me/notifications", token=an).json()
    assert listing["unread"] == 2
    assert [i["kind"] for i in listing["items"]] == ["dossier_approved", "dossier_submitted"]
    assert listing["items"][0]["link"] == f"/ca-nhan/ho-so/{filed}/"
    assert filed in listing["items"][0]["title"]

    one = listing["items"][1]["id"]
    assert api.post("/me/notifications/read", {"ids": [one]}, token=an).json() == {"marked": 1}
    assert api.get("/me/notifications", token=an).json()["unread"] == 1
    assert api.post("/me/notifications/read", {}, token=an).json() == {"marked": 1}
    bad = api.post("/me/notifications/read", {"ids": ["x"]}, token=an)
    assert _error(bad)["code"] == "invalid_input"
    assert (
        _error(api.post("/me/notifications/read", {"ids": "all"}, token=an))["code"]
        == "invalid_input"
    )
    assert Notice.objects.filter(user=employees[1]).count() == 0


def test_the_access_log_shows_which_staff_and_unit_read_my_record(api, unit_key, employees, clerk):
    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    api.get(f"/staff/dossiers/{filed}", token=token(api, "canbo1", STAFF_PASSWORD))

    an = token(api, "0123456789", CITIZEN_PASSWORD)
    items = api.get("/me/access-log", token=an).json()["items"]
    assert [(i["who"], i["what"]) for i in items] == [
        ("staff", "dossier"),
        ("unit", "dossier_filed"),
    ]
    assert items[0]["name"] == "Cán bộ canbo1" and items[0]["office"] == "01001 BHXH quận Ba Đình"
    assert items[1]["name"] == "TA01234 Công ty TNHH An Khang"
    binh = token(api, "0123456790", CITIZEN_PASSWORD)
    assert api.get("/me/access-log", token=binh).json()["items"] == []
    staff_log = api.get("/me/access-log", token=token(api, "canbo1", STAFF_PASSWORD))
    assert _error(staff_log, 403)["code"] == "citizens_only"
