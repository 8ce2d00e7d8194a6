"""Issue 12 §2: the approver of a registration (01/ĐK-GD) sees each typed field against the
registry (✓ khớp / ✗ không khớp / —) and the three photos; approving one whose identifier,
full name and date of birth do not all match the registry now is refused by the service,
through every door."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from django.test import Client

from ansinh.audit.models import DataAccess
from ansinh.conftest import STAFF_PASSWORD, run_on_commit
from ansinh.dossiers.models import Dossier, FieldDecision, Registration
from ansinh.dossiers.registry_checks import compare
from ansinh.people.models import Person, Sex
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login, text

from .helpers import decide, last_code, registration_photos, token

pytestmark = pytest.mark.django_db

EMAIL = "lan.pham@example.org"


@pytest.fixture
def lan(db, office):
    """Phạm Thị Lan: in the registry with a phone, no account, no email."""
    return Person.objects.create(
        bhxh_code="0123450001",
        cccd="001195000111",
        full_name="Phạm Thị Lan",
        date_of_birth=dt.date(1995, 7, 1),
        sex=Sex.FEMALE,
        province_code="01",
        phone="0912000999",
    )


def _file(client: Client, email: str = EMAIL, **overrides: str) -> str:
    data = {
        "identifier": "0123450001",
        "full_name": "Phạm Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": email,
        "office": "01001",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
        **registration_photos(),
        **overrides,
    }
    with run_on_commit():
        assert client.post("/dang-ky/", data).status_code == 302
    token_ = csrf_token(client, "/dang-ky/nhap-ma/")
    with run_on_commit():
        done = client.post(
            "/dang-ky/nhap-ma/", {"code": last_code(email), "csrfmiddlewaretoken": token_}
        )
    assert done.status_code == 302
    return Dossier.objects.get(registration__email=email).public_id


def _staff(username: str = "canbo1") -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


def _results(page: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-field="([a-z_]+)" data-result="([a-z]+)">', page)
    return dict(rows)


# --- The comparison (a service) ------------------------------------------------------------------


def _typed(**overrides) -> Registration:
    values = {
        "identifier": "0123450001",
        "full_name": "Phạm Thị Lan",
        "date_of_birth": dt.date(1995, 7, 1),
        "phone": "0912000999",
        "email": EMAIL,
        **overrides,
    }
    return Registration(**values)


def test_typed_data_that_matches_the_registry_is_all_ticks(lan):
    nfd = unicodedata.normalize("NFD", "  phạm   THỊ  lan ")  # decomposed, spaced, upper case
    comparison = compare(_typed(full_name=nfd))

    assert {c.field: c.result for c in comparison.checks} == {
        "identifier": "match",
        "full_name": "match",
        "date_of_birth": "match",
        "phone": "match",
        "cccd": "none",  # a BHXH code was typed: the approver reads the card's number
    }
    assert comparison.identity_matches and comparison.person == lan
    by_cccd = compare(_typed(identifier="001195000111"))
    assert {c.field: c.result for c in by_cccd.checks}["cccd"] == "match"


def test_typed_data_that_differs_is_crossed_field_by_field(lan):
    comparison = compare(
        _typed(full_name="Pham Thi Lan", date_of_birth=dt.date(1995, 1, 7), phone="0912000111")
    )

    assert {c.field: c.result for c in comparison.checks} == {
        "identifier": "match",
        "full_name": "mismatch",  # diacritics count
        "date_of_birth": "mismatch",
        "phone": "mismatch",
        "cccd": "none",
    }
    assert not comparison.identity_matches
    assert comparison.mismatched == ["full_name", "date_of_birth"]


def test_an_identifier_that_names_nobody_is_crossed_and_nothing_else_is_compared(lan):
    comparison = compare(_typed(identifier="0999999999"))

    assert [(c.field, c.result) for c in comparison.checks] == [
        ("identifier", "mismatch"),
        ("full_name", "none"),
        ("date_of_birth", "none"),
        ("phone", "none"),
        ("cccd", "none"),
    ]
    assert comparison.person is None and not comparison.identity_matches


def test_no_phone_or_cccd_on_record_is_a_dash_not_a_cross(lan):
    Person.objects.filter(pk=lan.pk).update(phone="", cccd=None)
    comparison = compare(_typed())
    assert {c.field: c.result for c in comparison.checks}["phone"] == "none"
    assert {c.field: c.result for c in comparison.checks}["cccd"] == "none"


# --- Approval refused unless identifier, name and date of birth match ---------------------------------


def test_no_field_of_a_registration_matching_nobody_can_be_approved(
    client, api, lan, clerk, mailoutbox
):
    dossier_id = _file(client, identifier="0999999999", full_name="Ai Đó")

    refused = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"phone": "approve"})

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_registry_match"
    assert not FieldDecision.objects.exists()


def test_a_registration_no_longer_matching_the_registry_cannot_be_approved(
    client, api, lan, clerk, approver, mailoutbox
):
    dossier_id = _file(client)
    first = decide(
        api,
        token(api, "canbo1", STAFF_PASSWORD),
        dossier_id,
        {"email": "approve", "phone": "approve"},
    )
    assert first.status_code == 200, first.content
    # The registry's date of birth is corrected before the second approval.
    Person.objects.filter(pk=lan.pk).update(date_of_birth=dt.date(1995, 1, 7))

    for field in ("email", "phone"):
        refused = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {field: "approve"})
        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error["code"] == "registry_mismatch"
        assert error["message"] == (
            "Không thể duyệt đăng ký này: Ngày sinh không khớp với cơ sở dữ liệu. "
            "Hãy từ chối đăng ký."
        )
    assert FieldDecision.objects.count() == 2  # only the first approvals
    assert not hasattr(Person.objects.get(pk=lan.pk), "account")


def test_the_back_office_door_refuses_the_same_approval(client, lan, clerk, mailoutbox):
    dossier_id = _file(client)
    Person.objects.filter(pk=lan.pk).update(full_name="Phạm Thị Lan Anh")
    staff = _staff()
    path = f"/backoffice/dossiers/{dossier_id}/"

    page = staff.get(path).content.decode()
    assert _results(page)["full_name"] == "mismatch"
    assert 'id="registration-mismatch"' in page
    with run_on_commit():
        response = staff.post(
            path,
            {"csrfmiddlewaretoken": csrf_token(staff, path), "decision_email": "approve"},
            HTTP_ACCEPT_LANGUAGE="vi",
        )

    assert response.status_code == 409
    assert "Họ và tên không khớp với cơ sở dữ liệu" in text(response.content)
    assert not FieldDecision.objects.exists()


# --- What the approver sees ------------------------------------------------------------------------


def test_the_approver_sees_ticks_crosses_and_the_photos_and_each_photo_read_is_logged(
    client, lan, clerk, mailoutbox
):
    dossier_id = _file(client)  # phone typed 0912000111, registry 0912000999
    staff = _staff()

    response = staff.get(f"/backoffice/dossiers/{dossier_id}/", HTTP_ACCEPT_LANGUAGE="vi")
    page = response.content.decode()

    assert response.status_code == 200
    assert _results(page) == {
        "identifier": "match",
        "full_name": "match",
        "date_of_birth": "match",
        "phone": "mismatch",
        "cccd": "none",
    }
    table = text(
        page[
            page.index('id="registry-checks"') : page.index(
                "</table>", page.index('id="registry-checks"')
            )
        ]
    )
    assert table.count("✓ khớp") == 3 and table.count("✗ không khớp") == 1  # words, not colour
    assert "0912000999" in table  # the registry's phone beside the typed one
    assert 'id="registration-mismatch"' not in page
    images = re.findall(
        r'<figure class="photo" data-kind="([a-z_]+)">\s*<a href="[^"]+"[^>]*><img src="([^"]+)" alt="([^"]+)"',
        page,
    )
    assert [kind for kind, _src, _alt in images] == ["cccd_front", "cccd_back", "portrait"]
    assert [alt for _kind, _src, alt in images] == [
        "Mặt trước thẻ CCCD",
        "Mặt sau thẻ CCCD",
        "Ảnh chân dung",
    ]
    assert 'id="registry-photo-none"' in page  # the registry holds no photo to show beside

    before = DataAccess.objects.filter(person=lan, what="attachment").count()
    for _kind, src, _alt in images:
        served = staff.get(src)
        assert served.status_code == 200
        assert served["Content-Type"] in ("image/jpeg", "image/png")
        assert "sandbox" in served["Content-Security-Policy"]
    assert DataAccess.objects.filter(person=lan, what="attachment").count() == before + 3


def test_a_registration_matching_nobody_shows_crosses_but_not_the_registrys_values(
    client, lan, clerk, mailoutbox
):
    dossier_id = _file(client, full_name="Pham Thi Lan")  # no diacritics: no match
    staff = _staff()

    page = staff.get(f"/backoffice/dossiers/{dossier_id}/").content.decode()

    assert _results(page) == {
        "identifier": "match",
        "full_name": "mismatch",
        "date_of_birth": "match",
        "phone": "mismatch",
        "cccd": "none",
    }
    assert "Phạm Thị Lan" not in page and "0912000999" not in page  # nobody's record is shown
    assert 'id="no-match"' in page
    # Checking it read the record its identifier names: that person's access log says so.
    assert DataAccess.objects.filter(person=lan, what="registration_check").count() == 1


def test_the_staff_api_gives_the_checks_and_the_photo_kinds(client, api, lan, clerk, mailoutbox):
    dossier_id = _file(client)

    body = api.get(
        f"/staff/dossiers/{dossier_id}", token=token(api, "canbo1", STAFF_PASSWORD)
    ).json()

    registration = body["registration"]
    assert registration["approvable"] is True
    assert {c["field"]: c["result"] for c in registration["checks"]} == {
        "identifier": "match",
        "full_name": "match",
        "date_of_birth": "match",
        "phone": "mismatch",
        "cccd": "none",
    }
    assert sorted(a["kind"] for a in body["attachments"]) == ["cccd_back", "cccd_front", "portrait"]
