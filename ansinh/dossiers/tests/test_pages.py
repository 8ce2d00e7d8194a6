"""The portal's and the back office's dossier pages through the Django test client: what they
show, who may see them, and that they call the same services as the API. Assertions look at
statuses, redirects, ids and data attributes, never at wording."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ansinh.accounts import keys
from ansinh.accounts.models import OrganisationKey
from ansinh.audit.models import DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, make_staff, run_on_commit
from ansinh.dossiers.models import Dossier, FieldDecision
from ansinh.lib.actor import Actor
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

from .helpers import JPEG, PNG, last_code, unit_file

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _citizen(client: Client, username: str = "0123456789") -> Client:
    login(client, username, CITIZEN_PASSWORD)
    return client


def _staff(username: str = "canbo1") -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


def _post(client: Client, path: str, data: dict, page: str | None = None):
    data = {"csrfmiddlewaretoken": csrf_token(client, page or path), **data}
    with run_on_commit():
        return client.post(path, data)


# --- Portal -------------------------------------------------------------------------------------


def test_my_dossiers_and_the_timeline_on_the_portal(client, api, unit_key, employees):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    _citizen(client)

    listing = client.get("/ca-nhan/ho-so/")
    assert listing.status_code == 200
    assert f'data-dossier="{filed}" data-status="submitted"' in listing.content.decode()
    detail = client.get(f"/ca-nhan/ho-so/{filed}/").content.decode()
    assert 'data-kind="submitted"' in detail
    assert "098****321" in detail and "0987654321" not in detail  # masked
    assert 'id="withdraw"' not in detail  # the employer filed it


def test_another_persons_dossier_is_404_on_the_portal(client, api, unit_key, employees):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    _citizen(client, "0123456790")
    assert client.get(f"/ca-nhan/ho-so/{filed}/").status_code == 404


def test_a_change_request_with_documents_from_the_portal(client, citizen, office):
    _citizen(client)
    data = {
        "csrfmiddlewaretoken": csrf_token(client, "/ca-nhan/ho-so/moi/"),
        "address": "5 Hàng Bài, Hoàn Kiếm",
        "office": "01001",
        "documents": [
            SimpleUploadedFile("a.png", PNG, content_type="image/png"),
            SimpleUploadedFile("b.jpg", JPEG, content_type="image/jpeg"),
        ],
    }
    with run_on_commit():
        response = client.post("/ca-nhan/ho-so/moi/", data)

    assert response.status_code == 302, response.content[:2000]
    dossier = Dossier.objects.get()
    assert response.headers["Location"] == f"/ca-nhan/ho-so/{dossier.public_id}/"
    assert (dossier.channel, dossier.attachments.count()) == ("portal", 2)
    page = client.get(response.headers["Location"]).content.decode()
    attachment = dossier.attachments.first()
    link = f"/ca-nhan/ho-so/{dossier.public_id}/tai-lieu/{attachment.public_id}/"
    assert link in page
    assert b"".join(client.get(link).streaming_content) == PNG


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("cccd.png", b"%!PS-Adobe fake", content_type="image/png"),
        SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), content_type="image/png"),
    ],
)
def test_wrong_type_or_oversized_uploads_are_refused_on_the_portal(client, citizen, office, upload):
    _citizen(client)
    data = {
        "csrfmiddlewaretoken": csrf_token(client, "/ca-nhan/ho-so/moi/"),
        "phone": "0987654321",
        "office": "01001",
        "documents": [upload],
    }
    response = client.post("/ca-nhan/ho-so/moi/", data)
    assert response.status_code == 400
    assert 'class="alert"' in response.content.decode()
    assert not Dossier.objects.exists()


def test_the_change_request_form_is_csrf_protected(client, citizen, office):
    _citizen(client)
    checked = Client(enforce_csrf_checks=True)
    login(checked, "0123456789", CITIZEN_PASSWORD)
    response = checked.post(
        "/ca-nhan/ho-so/moi/",
        {"phone": "0987654321", "office": "01001", "documents": [SimpleUploadedFile("a.png", PNG)]},
    )
    assert response.status_code == 403
    assert not Dossier.objects.exists()


def test_confirming_a_new_email_on_the_portal(
    client, api, unit_key, employees, clerk, approver, mailoutbox
):
    from .helpers import decide, token

    filed = unit_file(api, "0123456790", {"email": "binh@example.org"}).json()["dossier_id"]
    decide(api, token(api, "canbo1", STAFF_PASSWORD), filed, {"email": "approve"})
    decide(api, token(api, "canbo2", STAFF_PASSWORD), filed, {"email": "approve"})
    _citizen(client, "0123456790")

    assert 'id="email-pending"' in client.get("/ca-nhan/").content.decode()
    page = client.get("/ca-nhan/xac-nhan-email/").content.decode()
    assert 'data-email="b***@example.org"' in page
    response = _post(client, "/ca-nhan/xac-nhan-email/", {"code": last_code("binh@example.org")})
    assert response.status_code == 302
    person = Person.objects.get(bhxh_code="0123456790")
    assert (person.email, person.email_verified) == ("binh@example.org", True)
    assert 'id="email-pending"' not in client.get("/ca-nhan/").content.decode()


def test_notifications_and_who_viewed_my_record_on_the_portal(
    client, api, unit_key, employees, clerk
):
    filed = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    staff = _staff()
    assert staff.get(f"/backoffice/dossiers/{filed}/").status_code == 200
    _citizen(client)

    notices = client.get("/ca-nhan/thong-bao/").content.decode()
    assert 'data-kind="dossier_submitted" class="unread"' in notices
    assert _post(client, "/ca-nhan/thong-bao/", {}).status_code == 302
    assert 'class="unread"' not in client.get("/ca-nhan/thong-bao/").content.decode()

    log = client.get("/ca-nhan/ai-da-xem/").content.decode()
    assert 'data-who="staff" data-what="dossier"' in log
    assert 'data-who="unit" data-what="dossier_filed"' in log
    assert "Cán bộ canbo1" in log


def test_staff_are_sent_to_the_back_office_from_the_portal_pages(clerk):
    staff = _staff()
    assert staff.get("/ca-nhan/ho-so/").headers["Location"] == "/backoffice/"


# --- Back office ------------------------------------------------------------------------------


def test_the_queue_shows_the_offices_dossiers_and_overdue_ones_stand_out(
    api, unit_key, employees, clerk
):
    with time_machine.travel(MONDAY, tick=False):
        old = unit_file(api, "0123456789", {"phone": "0987654321"}).json()["dossier_id"]
    with time_machine.travel(MONDAY + dt.timedelta(days=10), tick=False):
        new = unit_file(api, "0123456790", {"phone": "0987654322"}).json()["dossier_id"]
        staff = _staff()
        page = staff.get("/backoffice/dossiers/").content.decode()
        assert re.search(rf'data-dossier="{old}"[^>]*data-overdue="true"[^>]*class="overdue', page)
        assert re.search(rf'data-dossier="{new}"[^>]*data-overdue="false"', page)
        only_late = staff.get("/backoffice/dossiers/?overdue=on").content.decode()
        assert old in only_late and new not in only_late


def test_another_offices_staff_cannot_open_or_decide(api, unit_key, employees, other_office):
    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    make_staff(username="canbo9", role="clerk", office=other_office)
    staff = _staff("canbo9")

    assert filed not in staff.get("/backoffice/dossiers/").content.decode()
    assert staff.get(f"/backoffice/dossiers/{filed}/").status_code == 404
    token = csrf_token(staff, "/backoffice/dossiers/")
    response = staff.post(
        f"/backoffice/dossiers/{filed}/",
        {"csrfmiddlewaretoken": token, "decision_address": "approve"},
    )
    assert response.status_code == 404
    assert not FieldDecision.objects.exists()


def test_two_staff_approve_an_email_in_the_back_office_and_the_same_one_twice_is_refused(
    api, unit_key, employees, clerk, approver, mailoutbox
):
    filed = unit_file(api, "0123456790", {"email": "binh@example.org"}).json()["dossier_id"]
    path = f"/backoffice/dossiers/{filed}/"
    clerk_client = _staff("canbo1")

    page = clerk_client.get(path).content.decode()
    assert re.search(
        r'data-role="old">—</td>\s*<td class="diff-new" data-role="new">binh@example.org', page
    )
    assert DataAccess.objects.filter(staff=clerk, what="dossier").count() == 1
    first = _post(clerk_client, path, {"decision_email": "approve"})
    assert first.status_code == 302
    again = _post(clerk_client, path, {"decision_email": "approve"})
    assert again.status_code == 409
    assert 'class="alert"' in again.content.decode()

    second = _post(_staff("canbo2"), path, {"decision_email": "approve"})
    assert second.status_code == 302
    assert Dossier.objects.get().status == "approved"
    assert Person.objects.get(bhxh_code="0123456790").pending_email == "binh@example.org"


def test_a_rejection_without_a_reason_is_shown_on_the_field(api, unit_key, employees, clerk):
    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    response = _post(_staff(), f"/backoffice/dossiers/{filed}/", {"decision_address": "reject"})
    assert response.status_code == 400
    assert not FieldDecision.objects.exists()


def test_counter_intake_in_the_back_office(citizen_no_email, clerk):
    staff = _staff()
    unknown = _post(staff, "/backoffice/dossiers/new/", {"identifier": "0999999999"})
    assert unknown.status_code == 404
    found = _post(staff, "/backoffice/dossiers/new/", {"identifier": "001192012346"})  # CCCD
    person_page = found.headers["Location"]
    assert person_page == f"/backoffice/dossiers/new/{citizen_no_email.person.public_id}/"
    shown = staff.get(person_page).content.decode()
    assert 'data-field="bhxh_code">0123456790' in shown
    assert 'type="password"' not in shown and 'name="password"' not in shown
    assert DataAccess.objects.filter(staff=clerk, what="profile").exists()

    unchecked = _post(staff, person_page, {"email": "binh@example.org"})
    assert unchecked.status_code == 400
    assert not Dossier.objects.exists()
    filed = _post(staff, person_page, {"email": "binh@example.org", "identity_checked": "on"})
    dossier = Dossier.objects.get()
    assert filed.headers["Location"] == f"/backoffice/dossiers/{dossier.public_id}/"
    assert (dossier.form, dossier.identity_checked, dossier.channel) == (
        "02/SĐ-GD",
        True,
        "backoffice",
    )


def test_api_keys_are_listed_issued_once_and_revoked_in_the_back_office(unit, clerk, approver):
    keys.issue_key(unit=unit, actor=Actor.command(), label="HR")
    approver_client = _staff("canbo2")
    listing = approver_client.get("/backoffice/keys/").content.decode()
    assert 'data-state="active"' in listing

    issued = _post(approver_client, "/backoffice/keys/", {"owner": "unit:TA01234", "label": "new"})
    raw = re.search(r'<p class="secret" data-key>([^<]+)</p>', issued.content.decode()).group(1)
    assert keys.authenticate_key(raw).unit == unit
    assert raw not in approver_client.get("/backoffice/keys/").content.decode()  # shown once

    key = OrganisationKey.objects.get(label="new")
    revoked = _post(
        approver_client, f"/backoffice/keys/{key.public_id}/revoke/", {}, page="/backoffice/keys/"
    )
    assert revoked.status_code == 302
    assert keys.authenticate_key(raw) is None

    clerk_client = _staff("canbo1")
    assert _post(clerk_client, "/backoffice/keys/", {"owner": "unit:TA01234"}).status_code == 404
    other = OrganisationKey.objects.get(label="HR")
    denied = _post(
        clerk_client, f"/backoffice/keys/{other.public_id}/revoke/", {}, page="/backoffice/keys/"
    )
    assert denied.status_code == 404
    assert keys.authenticate_key("x") is None and other.revoked_at is None


def test_citizens_cannot_open_the_back_office_dossier_pages(client, citizen):
    _citizen(client)
    response = client.get("/backoffice/dossiers/")
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/backoffice/login/"
    )


def test_the_admin_shows_dossiers_read_only(client, api, unit_key, employees):
    from ansinh.accounts.models import User

    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    admin = User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    login(client, admin.username, "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)
    dossier = Dossier.objects.get(public_id=filed)
    assert client.get("/admin/dossiers/dossier/").status_code == 200
    assert client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/").status_code == 200
    assert client.get("/admin/dossiers/dossier/add/").status_code == 403
    assert client.get("/admin/dossiers/emailchange/").status_code == 200
