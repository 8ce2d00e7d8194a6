"""The back office's dossier page without a browser (issue 14): the documents it previews are
served inline only into a frame of this site and each read is still logged; "Lưu và mở hồ sơ
tiếp theo" works without JavaScript; the first approver gets no decision controls on a field
that needs a second approval; and nothing on the page is a raw code."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ansinh.audit.models import DataAccess
from ansinh.conftest import STAFF_PASSWORD, make_staff, run_on_commit
from ansinh.dossiers import services
from ansinh.dossiers.models import FieldDecision, Status
from ansinh.dossiers.tests.helpers import JPEG, PDF, counter_dossiers
from ansinh.dossiers.uploads import check_files
from ansinh.lib.actor import Actor, Channel
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _staff(username: str = "canbo1") -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


def _post(client: Client, path: str, data: dict):
    return client.post(path, {"csrfmiddlewaretoken": csrf_token(client, path), **data})


@pytest.fixture
def colleague(office):
    return make_staff(username="canbo3", role="clerk", office=office)


@pytest.fixture
def with_documents(office, citizen):
    files = check_files(
        [
            SimpleUploadedFile("a.jpg", JPEG, content_type="image/jpeg"),
            SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"),
        ],
        required=True,
    )
    with run_on_commit():
        return services.submit_change_request(
            actor=Actor(channel=Channel.PORTAL, user=citizen),
            changes={"address": "5 Hàng Bài"},
            office=office,
            files=files,
            note="",
        )


def test_a_pdf_is_previewed_only_in_a_frame_of_this_site_and_every_read_is_logged(
    clerk, with_documents
):
    staff = _staff()
    page = staff.get(f"/backoffice/dossiers/{with_documents.public_id}/").content.decode()
    frame = re.search(r'<iframe class="preview-frame" src="([^"]+)"', page)
    image = re.search(r'<img class="preview-image" src="([^"]+)"', page)
    assert frame and image
    before = DataAccess.objects.filter(staff=clerk, what="attachment").count()

    shown = staff.get(frame.group(1))
    assert shown["Content-Type"] == "application/pdf"
    assert not shown.get("Content-Disposition", "").startswith("attachment")
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    assert "sandbox" in shown["Content-Security-Policy"]
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert staff.get(image.group(1)).status_code == 200

    download = staff.get(frame.group(1).split("?")[0])
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" not in download["Content-Security-Policy"]
    assert DataAccess.objects.filter(staff=clerk, what="attachment").count() == before + 3


def test_save_and_open_next_works_without_javascript(office, clerk, colleague):
    first, second = counter_dossiers(colleague, 2)
    staff = _staff()
    path = f"/backoffice/dossiers/{first.public_id}/"
    saved = _post(
        staff,
        path,
        {
            "decision_phone": "reject",
            "reason_code_phone": "unreadable_document",
            "then": "next",
        },
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/backoffice/dossiers/{second.public_id}/"
    assert FieldDecision.objects.get().reason_code == "unreadable_document"

    # Nothing chosen: just the next one (none left after the second: the queue).
    skipped = _post(staff, f"/backoffice/dossiers/{second.public_id}/", {"then": "next"})
    assert skipped.headers["Location"] == "/backoffice/dossiers/"
    assert FieldDecision.objects.count() == 1


def test_the_first_approver_sees_no_controls_and_a_forged_second_decision_is_refused(
    office, clerk, approver, colleague
):
    (filed,) = counter_dossiers(colleague, 1)
    path = f"/backoffice/dossiers/{filed.public_id}/"
    staff = _staff()
    assert 'name="decision_phone"' in staff.get(path).content.decode()
    assert _post(staff, path, {"decision_phone": "approve"}).status_code == 302

    page = staff.get(path).content.decode()
    assert 'name="decision_phone"' not in page and 'id="decide"' not in page
    assert "Chờ phê duyệt lần hai bởi người khác" in text(page)
    forged = _post(staff, path, {"decision_phone": "approve"})
    assert forged.status_code == 409
    assert FieldDecision.objects.count() == 1

    assert 'name="decision_phone"' in _staff("canbo2").get(path).content.decode()


def test_the_page_names_people_in_words_and_shows_no_raw_codes(
    office, clerk, approver, colleague, with_documents
):
    (filed,) = counter_dossiers(colleague, 1)
    _post(_staff(), f"/backoffice/dossiers/{filed.public_id}/", {"decision_phone": "approve"})
    pages = {
        dossier.public_id: text(
            _staff("canbo2").get(f"/backoffice/dossiers/{dossier.public_id}/").content
        )
        for dossier in (filed, with_documents)
    }
    counter, own = pages[filed.public_id], pages[with_documents.public_id]
    assert "Cán bộ canbo3 (canbo3) (tại quầy tiếp nhận)" in counter
    assert "Duyệt — Cán bộ canbo1 (canbo1)" in counter
    assert "Nguyễn Văn An (chính người đó, trực tuyến)" in own
    assert "ảnh JPEG" in own and "tệp PDF" in own
    codes = [
        *Status.values,
        "approve",
        "reject",
        "awaiting_second",
        "pending",
        "staff",
        "citizen",
        "registration",
        "image/jpeg",
        "application/pdf",
        "invalid_",
    ]
    for shown in pages.values():
        found = [
            code for code in codes if re.search(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", shown)
        ]
        assert not found, found
