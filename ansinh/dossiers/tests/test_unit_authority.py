"""What a unit key can learn and do (issue 11, c and m; s for the staff responses).

* A report answers alike for an unknown code and a person the unit does not employ.
* A hire is visible: the person is told of the new employer (in the app, and by email), the
  approver sees since when and by whose report the employment exists.
* A unit's email or phone change within 30 days of its own hire of the person waits for the
  person's confirmation or a counter identity check.
* Filing a taken CCCD answers like a free one; the reviewer sees the conflict and cannot
  approve it.
* Staff responses that show a person's data are in the person's access log.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from ansinh.audit.models import DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD, STAFF_PASSWORD, UNIT_KEY
from ansinh.dossiers.models import Dossier
from ansinh.notifications.models import Notice
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

from .helpers import change_request, decide, token, unit_file

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội
OUTSIDER = "7912345678"


def _report(api, reference: str, lines: list[dict], *, period: str = "2026-03"):
    return api.post(
        "/unit/reports",
        {"reference": reference, "period": period, "lines": lines},
        headers={"X-API-Key": UNIT_KEY},
    )


def _hire(api, bhxh_code: str = OUTSIDER, *, reference: str = "D02-HIRE-1"):
    response = _report(
        api,
        reference,
        [
            {
                "bhxh_code": bhxh_code,
                "type": "hire",
                "from_month": "2026-03",
                "salary": 9_000_000,
                "date_of_birth": "1985-01-02",  # the outsider's: the employer knows it
            }
        ],
    )
    assert response.status_code == 201, response.content
    return response


def _staff_client(username: str) -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


# --- c (1): no registry oracle in report validation ------------------------------------------


@time_machine.travel(MONDAY, tick=False)
@pytest.mark.parametrize(
    "kind,extra",
    [
        ("leave", {}),
        ("adjust_salary", {"salary": 8_000_000}),
        ("correct_period", {"salary": 8_000_000, "to_month": "2026-02"}),
    ],
)
def test_a_report_answers_alike_for_unknown_codes_and_people_the_unit_does_not_employ(
    api, unit_key, outsider, kind, extra
):
    lines = [
        {"bhxh_code": "0999999999", "type": kind, "from_month": "2026-02", **extra},
        {"bhxh_code": OUTSIDER, "type": kind, "from_month": "2026-02", **extra},
    ]
    response = _report(api, "D02-PROBE", lines)

    assert response.status_code == 422, response.content
    errors = {item["line"]: item["fields"] for item in response.json()["error"]["lines"]}
    assert errors[1] == errors[2] == {"bhxh_code": "not_employed"}


# --- c (2): a hire is visible and its authority limited ---------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_a_person_is_told_in_the_app_and_by_email_of_a_new_employer(api, unit_key, outsider):
    _hire(api)

    notice = Notice.objects.get(user=outsider, kind="new_employer")
    assert "TA01234" in notice.title + notice.body
    assert "03/2026" in notice.body and "2026-03" not in notice.body  # the month as people write it
    sent = [m for m in mail.outbox if "cuong.le@example.org" in m.to]
    assert len(sent) == 1
    assert "TA01234" in sent[0].body and "D02-HIRE-1" in sent[0].body
    assert "03/2026" in sent[0].body and "2026-03" not in sent[0].body
    assert "tuyển dụng" in sent[0].subject  # Vietnamese, the person's language
    assert isinstance(sent[0], EmailMultiAlternatives) and sent[0].alternatives  # an HTML part too


@time_machine.travel(MONDAY, tick=False)
def test_the_approver_sees_since_when_and_by_whose_report_the_unit_employs_the_person(
    api, unit_key, outsider, clerk, approver
):
    _hire(api)
    filed = unit_file(api, OUTSIDER, {"address": "5 Hàng Bài"})
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]

    body = api.get(
        f"/staff/dossiers/{dossier_id}", token=token(api, "canbo2", STAFF_PASSWORD)
    ).json()
    employment = body["employment"]
    assert employment["unit_code"] == "TA01234"
    assert employment["since"] == "2026-03"
    assert employment["report_reference"] == "D02-HIRE-1"
    assert employment["reported_at"].startswith("2026-03-02")

    page = _staff_client("canbo2").get(f"/backoffice/dossiers/{dossier_id}/").content.decode()
    assert 'data-role="employment-report">D02-HIRE-1' in page
    assert 'data-role="employment-since">03/2026<' in page  # the API keeps YYYY-MM


@time_machine.travel(MONDAY, tick=False)
def test_an_email_change_within_30_days_of_the_units_own_hire_needs_the_persons_confirmation(
    api, unit_key, outsider, clerk, approver
):
    _hire(api)
    dossier_id = unit_file(api, OUTSIDER, {"email": "thief@example.net"}).json()["dossier_id"]
    first = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    assert first.status_code == 409, first.content
    assert first.json()["error"]["code"] == "person_confirmation_required"
    assert Person.objects.get(bhxh_code=OUTSIDER).pending_email == ""

    citizen_token = token(api, OUTSIDER, OTHER_PASSWORD)
    confirmed = api.post(f"/me/dossiers/{dossier_id}/confirm", token=citizen_token)
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["person_confirmed"] is True

    first = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    second = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    assert (first.status_code, second.status_code) == (200, 200), second.content
    assert second.json()["status"] == "approved"


@time_machine.travel(MONDAY, tick=False)
def test_a_counter_identity_check_also_lets_a_units_recent_phone_change_be_approved(
    api, unit_key, outsider, clerk, approver
):
    _hire(api)
    dossier_id = unit_file(api, OUTSIDER, {"phone": "0987654321"}).json()["dossier_id"]
    refused = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {"phone": "approve"})
    assert refused.json()["error"]["code"] == "person_confirmation_required"

    client = _staff_client("canbo1")
    path = f"/backoffice/dossiers/{dossier_id}/"
    response = client.post(
        f"/backoffice/dossiers/{dossier_id}/identity-check/",
        {"csrfmiddlewaretoken": csrf_token(client, path)},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(public_id=dossier_id).identity_checked is True

    first = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"phone": "approve"})
    second = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {"phone": "approve"})
    assert (first.status_code, second.status_code) == (200, 200), second.content
    assert Person.objects.get(bhxh_code=OUTSIDER).phone == "0987654321"


@time_machine.travel(MONDAY, tick=False)
def test_the_person_confirms_a_units_recent_change_on_the_portal(
    api, client, unit_key, outsider, approver
):
    _hire(api)
    dossier_id = unit_file(api, OUTSIDER, {"phone": "0987654321"}).json()["dossier_id"]
    login(client, OUTSIDER, OTHER_PASSWORD)
    path = f"/ca-nhan/ho-so/{dossier_id}/"
    assert 'data-role="confirm-dossier"' in client.get(path).content.decode()

    response = client.post(
        f"/ca-nhan/ho-so/{dossier_id}/xac-nhan/",
        {"csrfmiddlewaretoken": csrf_token(client, path)},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(public_id=dossier_id).person_confirmed_at is not None


@time_machine.travel(MONDAY, tick=False)
def test_a_units_change_more_than_30_days_after_its_hire_needs_no_extra_confirmation(
    api, unit_key, outsider, clerk, approver
):
    _hire(api)
    with time_machine.travel(MONDAY + dt.timedelta(days=31), tick=False):
        dossier_id = unit_file(api, OUTSIDER, {"phone": "0987654321"}).json()["dossier_id"]
        first = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"phone": "approve"})
    assert first.status_code == 200, first.content


# --- m: a taken CCCD is found at review, not told to the filer --------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_filing_a_cccd_that_belongs_to_someone_else_answers_like_a_free_one(
    api, client, citizen, outsider, office
):
    an = token(api, "0123456789", CITIZEN_PASSWORD)
    free = change_request(client, an, changes={"cccd": "001090099999"})
    Person.objects.filter(bhxh_code=OUTSIDER).update(cccd="001090054321")
    taken = change_request(client, an, changes={"cccd": "001090054321"})

    assert (taken.status_code, free.status_code) == (201, 201), free.content
    assert taken.json().keys() == free.json().keys()


@time_machine.travel(MONDAY, tick=False)
def test_filing_a_taken_cccd_on_the_portal_answers_like_a_free_one(
    client, citizen, outsider, office
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import PNG

    Person.objects.filter(bhxh_code=OUTSIDER).update(cccd="001090054321")
    login(client, "0123456789", CITIZEN_PASSWORD)
    data = {
        "csrfmiddlewaretoken": csrf_token(client, "/ca-nhan/ho-so/moi/"),
        "office": "01001",
        "cccd": "001090054321",
        "documents": SimpleUploadedFile("cccd.png", PNG, content_type="image/png"),
    }
    response = client.post("/ca-nhan/ho-so/moi/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Dossier.objects.filter(person__bhxh_code="0123456789").exists()


@time_machine.travel(MONDAY, tick=False)
def test_the_reviewer_sees_a_cccd_conflict_and_cannot_approve_it(
    api, client, citizen, outsider, clerk, office
):
    Person.objects.filter(bhxh_code=OUTSIDER).update(cccd="001090054321")
    an = token(api, "0123456789", CITIZEN_PASSWORD)
    dossier_id = change_request(client, an, changes={"cccd": "001090054321"}).json()["dossier_id"]

    staff = token(api, "canbo1", STAFF_PASSWORD)
    body = api.get(f"/staff/dossiers/{dossier_id}", token=staff).json()
    assert body["conflicts"] == {"cccd": "cccd_taken"}
    refused = decide(api, staff, dossier_id, {"cccd": "approve"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "cccd_taken"
    page = _staff_client("canbo1").get(f"/backoffice/dossiers/{dossier_id}/").content.decode()
    assert 'data-role="conflict-cccd"' in page
    rejected = decide(api, staff, dossier_id, {"cccd": "reject"}, reasons={"cccd": "Trùng CCCD"})
    assert rejected.status_code == 200


# --- s: staff responses with a person's data are logged ---------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_a_decision_response_showing_the_person_is_in_their_access_log(
    api, unit_key, employees, clerk
):
    dossier_id = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    before = DataAccess.objects.filter(staff=clerk).count()
    response = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"address": "approve"})
    assert response.status_code == 200
    shown = response.json().get("person")
    logged = DataAccess.objects.filter(staff=clerk).count() - before
    assert shown is None or logged == 1
    assert re.fullmatch(r"HS-\d{4}-\w{8}", response.json()["dossier_id"])
