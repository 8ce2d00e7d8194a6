""" "Ai đã xem" names what was seen (issue 12 §2): a row about a dossier gives its number and
form and links to it when the person may open it; a row without a dossier says what was seen
(the unit's monthly list of employees, the record at a counter). Through the service that lists
the log, so the portal page and ``GET /me/access-log`` say the same."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from ansinh.audit.models import DataAccess
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.dossiers.models import Attachment, Dossier
from ansinh.people.models import Employment, Person, Unit
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login, text

from .helpers import change_request, hire_an, token, unit_file

pytestmark = pytest.mark.django_db

NOVEMBER = dt.datetime(2026, 11, 16, 3, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Hà Nội
GENERIC = ("Hồ sơ liên quan đến bạn", "Giấy tờ trong hồ sơ liên quan đến bạn")


@pytest.fixture
def seen(client, api, citizen, citizen_no_email, unit_key, clerk):
    """Everyone who read An's record, each in their own way: the unit hires An and files a
    TK1-TS; a clerk reads An's own change request and its document, the unit's statement of
    10/2026 and An's record at the counter. Returns (TK1-TS id, change request id)."""
    with time_machine.travel(NOVEMBER, tick=False):
        hired = hire_an(api)
        assert hired.status_code == 201, hired.content
        tk1 = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
        an = token(api, "0123456789", CITIZEN_PASSWORD)
        mine = change_request(client, an, changes={"phone": "0987654321"}).json()["dossier_id"]

        staff_token = token(api, "canbo1", STAFF_PASSWORD)
        assert api.get(f"/staff/dossiers/{mine}", token=staff_token).status_code == 200
        attachment = Attachment.objects.get(dossier__public_id=mine)
        document = api.get(
            f"/staff/dossiers/{mine}/attachments/{attachment.public_id}", token=staff_token
        )
        assert document.status_code == 200
        staff = Client()
        login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
        statement = staff.get(
            "/backoffice/contributions/statement/", {"unit": "TA01234", "month": "2026-10"}
        )
        assert statement.status_code == 200
        counter = staff.post(
            "/backoffice/dossiers/new/",
            {
                "csrfmiddlewaretoken": csrf_token(staff, "/backoffice/dossiers/new/"),
                "identifier": "0123456789",
            },
        )
        assert counter.status_code == 302
        staff.get(counter.headers["Location"])
    return tk1, mine


def test_the_apps_access_log_names_each_dossier_and_what_else_was_seen(api, seen):
    tk1, mine = seen

    items = api.get("/me/access-log", token=token(api, "0123456789", CITIZEN_PASSWORD)).json()
    rows = {(i["who"], i["what"]): i for i in items["items"]}

    assert rows[("unit", "dossier_filed")]["dossier_id"] == tk1
    assert rows[("unit", "dossier_filed")]["what_label"] == (
        f"Thông tin cá nhân của bạn, để lập hồ sơ {tk1} (TK1-TS)"
    )
    assert rows[("staff", "dossier")]["dossier_id"] == mine
    assert rows[("staff", "dossier")]["what_label"] == (
        f"Hồ sơ {mine} (đề nghị thay đổi thông tin)"
    )
    assert rows[("staff", "attachment")]["what_label"] == (
        f"Giấy tờ trong hồ sơ {mine} (đề nghị thay đổi thông tin)"
    )
    assert rows[("staff", "statement")]["dossier_id"] is None
    assert rows[("staff", "statement")]["what_label"] == (
        "Danh sách lao động (bảng kê) tháng 10/2026 của đơn vị TA01234 Công ty TNHH An Khang"
    )
    assert rows[("staff", "profile")]["what_label"] == (
        "Thông tin cá nhân của bạn, tại quầy tiếp nhận"
    )
    english = api.get(
        "/me/access-log", token=token(api, "0123456789", CITIZEN_PASSWORD), lang="en"
    ).json()["items"]
    labels = {i["what_label"] for i in english}
    assert f"Dossier {mine} (change request)" in labels
    assert (
        "The monthly list of employees (statement) of TA01234 Công ty TNHH An Khang for 10/2026"
        in labels
    )


def test_the_portal_page_links_each_dossier_row_to_the_dossier(client, seen):
    tk1, mine = seen
    login(client, "0123456789", CITIZEN_PASSWORD)

    page = client.get("/ca-nhan/ai-da-xem/").content.decode()

    links = re.findall(r'<a href="/ca-nhan/ho-so/([^/]+)/">([^<]+)</a>', page)
    assert (tk1, f"Thông tin cá nhân của bạn, để lập hồ sơ {tk1} (TK1-TS)") in links
    assert (mine, f"Hồ sơ {mine} (đề nghị thay đổi thông tin)") in links
    shown = text(page)
    assert "Danh sách lao động (bảng kê) tháng 10/2026 của đơn vị TA01234" in shown
    for generic in GENERIC:
        assert generic not in shown  # every row says which dossier
    # Each linked dossier really opens for the person.
    assert client.get(f"/ca-nhan/ho-so/{tk1}/").status_code == 200


def test_a_dossier_the_person_may_not_open_is_named_but_not_linked(client, api, seen):
    """A row naming a dossier about someone else (not possible through the services today;
    the rule is the dossiers app's, not the log's) gets no link."""
    _tk1, _mine = seen
    binh = Person.objects.get(bhxh_code="0123456790")
    Employment.objects.create(
        person=binh, unit=Unit.objects.get(code="TA01234"), start_month="2018-03"
    )
    binhs = unit_file(api, "0123456790", {"address": "7 Lý Thái Tổ"})
    assert binhs.status_code == 201, binhs.content
    other = Dossier.objects.get(public_id=binhs.json()["dossier_id"])
    row = DataAccess.objects.filter(person__bhxh_code="0123456789").first()
    DataAccess.objects.filter(pk=row.pk).update(dossier_ref=other.public_id, dossier_form="TK1-TS")
    login(client, "0123456789", CITIZEN_PASSWORD)

    page = client.get("/ca-nhan/ai-da-xem/").content.decode()

    assert other.public_id in page
    assert f'href="/ca-nhan/ho-so/{other.public_id}/"' not in page
