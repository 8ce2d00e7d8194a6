"""My dossiers and registration 01/ĐK-GD in the app (issue 13), on a 390×844 phone: a change
request with a photo from the camera (``set_input_files`` on the ``capture`` input) appears in
the list, opens with its photo and timeline, and is withdrawn after a confirmation; someone
without an account registers from the sign-in screen with three photos, the code read from a
real SMTP server, and ends on "Đã nộp tờ khai đăng ký"; two staff approve it and the account's
temporary password arrives by email."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from ansinh.accounts.models import User
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.dossiers import access, services
from ansinh.dossiers.models import Attachment, Dossier
from ansinh.dossiers.tests.helpers import photo
from ansinh.lib.actor import Actor
from ansinh.notifications.tests.smtp_server import SmtpServer

from .browser import no_sideways_scroll, open_app, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _jpeg(name: str, colour: str = "#0b5394") -> FilePayload:
    return {
        "name": name,
        "mimeType": "image/jpeg",
        "buffer": photo("JPEG", size=(320, 200), colour=colour),
    }


def _line(server: SmtpServer, label: str) -> str:
    """The value of the line ``label: …`` in the latest email that has one."""
    for message in reversed(server.messages):
        match = re.search(rf"^{re.escape(label)}: (\S+)\r?$", message.part("text/plain"), re.M)
        if match:
            return match.group(1)
    raise AssertionError(f"no {label!r} line in any email")


def test_a_change_request_with_a_camera_photo_shows_in_the_list_with_its_photo_and_timeline(
    phone: Page, citizen, office
):
    open_app(phone)
    sign_in(phone, "0123456789", CITIZEN_PASSWORD)
    expect(phone.locator("main h1")).to_have_text("Xin chào, Nguyễn Văn An")
    phone.locator("#tile-dossiers").tap()
    expect(phone.locator("main h1")).to_have_text("Hồ sơ của tôi")
    phone.locator("#new-change-request").tap()

    form = phone.locator("#change-request")
    camera = form.locator('input[type=file][capture="environment"]')
    expect(camera).to_have_attribute("accept", re.compile("image/"))
    # Sending nothing to change, then no photo: the app says what is missing.
    form.locator("button[type=submit]").tap()
    expect(form.locator("[role=alert]")).to_be_visible()
    form.get_by_label("Số điện thoại di động mới").fill("0987 654 321")
    form.locator("button[type=submit]").tap()
    expect(form.locator("#f-documents-error")).to_be_visible()
    camera.set_input_files(_jpeg("IMG_2026.jpg"))
    expect(form.locator("#chosen-files")).to_contain_text("IMG_2026.jpg")
    shot(phone, "dossier-new")
    form.locator("button[type=submit]").tap()

    expect(phone.locator("#dossier")).to_have_attribute("data-status", "submitted")
    dossier = Dossier.objects.get(person__bhxh_code="0123456789", form="change_request")
    expect(phone.locator("main h1")).to_contain_text(dossier.public_id)
    picture = phone.locator("#documents img.photo")
    expect(picture).to_be_visible()
    # The photo is the one taken, drawn through the worker's token (the page has none).
    loaded = "(img) => img.decode().then(() => img.naturalWidth, () => 0)"
    assert picture.evaluate(loaded) == 320
    expect(phone.locator("#timeline li")).to_have_count(1)
    expect(phone.locator("#timeline")).to_contain_text("Đã nộp")
    assert Attachment.objects.get(dossier=dossier).content_type == "image/jpeg"
    assert no_sideways_scroll(phone) <= 390  # the photo fits the phone
    shot(phone, "dossier-detail")

    phone.get_by_role("link", name="Quay lại danh sách hồ sơ").first.tap()
    item = phone.locator(f'#dossiers li[data-dossier="{dossier.public_id}"]')
    expect(item).to_contain_text("Số điện thoại")
    shot(phone, "dossier-list")
    item.get_by_role("link").tap()

    phone.locator("#withdraw").tap()
    expect(phone.locator("#withdraw-confirm")).to_be_visible()
    shot(phone, "dossier-withdraw-confirm")
    phone.locator("#withdraw-no").tap()  # changed my mind: nothing happens
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
    phone.locator("#withdraw").tap()
    phone.locator("#withdraw-yes").tap()
    expect(phone.locator("#dossier")).to_have_attribute("data-status", "withdrawn")
    expect(phone.locator("#timeline li")).to_have_count(2)
    expect(phone.locator("#withdraw")).to_have_count(0)
    dossier.refresh_from_db()
    assert dossier.status == "withdrawn"


@pytest.mark.smtp
def test_registration_with_three_photos_and_the_emailed_code_then_approval_emails_a_password(
    phone: Page, lan, clerk, approver, smtp_server, settings
):
    from captcha.models import CaptchaStore

    settings.CAPTCHA_TEST_MODE = False  # the served app checks it for real
    email = "lan.pham@example.org"
    with smtp_server.settings():
        open_app(phone)
        phone.locator("#register").tap()
        expect(phone.locator("main h1")).to_have_text("Đăng ký tài khoản")
        form = phone.locator("#registration")
        form.get_by_label("Mã số BHXH hoặc số CCCD").fill("0123 450 001")
        form.get_by_label("Họ và tên").fill("Phạm Thị Lan")
        form.get_by_label("Ngày sinh").fill("31/02/1995")
        form.get_by_label("Số điện thoại di động").fill("0912 000 111")
        form.get_by_label("Email cá nhân").fill(email)
        form.locator("button[type=submit]").tap()
        expect(form.locator(".has-error")).to_have_count(1)  # no 31 February
        assert no_sideways_scroll(phone) <= 390
        form.get_by_label("Ngày sinh").fill("01/07/1995")
        # No photos and no CAPTCHA answer yet: the server names all four at once.
        form.locator("button[type=submit]").tap()
        for kind in ("cccd_front", "cccd_back", "portrait"):
            expect(form.locator(f"#f-{kind}-error")).to_be_visible()
        captcha_error = form.locator(".captcha-block .error")
        expect(captcha_error).to_have_text("Nhập các ký tự trong hình.")
        # Cannot read it: "Đổi mã khác" shows another.
        picture = form.locator("img.captcha")
        first = picture.get_attribute("src") or ""
        form.get_by_role("button", name="Đổi mã khác").tap()
        expect(form.locator(".captcha-block [role=status]")).to_have_text(
            "Đã đổi mã mới. Vui lòng nhập mã mới."
        )
        assert picture.get_attribute("src") not in ("", first)
        expect(captcha_error).to_be_hidden()
        key = (picture.get_attribute("src") or "").rstrip("/").split("/")[-1]
        form.get_by_role("textbox", name="Mã kiểm tra").fill(
            CaptchaStore.objects.get(hashkey=key).response
        )
        form.locator("button[type=submit]").tap()
        for kind in ("cccd_front", "cccd_back", "portrait"):
            expect(form.locator(f"#f-{kind}-error")).to_be_visible()
        assert smtp_server.messages == []
        for kind, capture in (
            ("cccd_front", "environment"),
            ("cccd_back", "environment"),
            ("portrait", "user"),
        ):
            camera = form.locator(f"#f-{kind}")
            expect(camera).to_have_attribute("capture", capture)
            camera.set_input_files(_jpeg(f"{kind}.jpg"))
        shot(phone, "registration-start")
        form.locator("button[type=submit]").tap()

        expect(phone.locator("#registration-started")).to_be_visible()
        assert [m.to for m in smtp_server.messages] == [[email]]
        code = _line(smtp_server, "Mã OTP")
        phone.get_by_label("Mã OTP nhận qua email").fill(code)
        shot(phone, "registration-code")
        phone.get_by_role("button", name="Xác nhận").tap()

        done = phone.locator("#registration-done")
        expect(done).to_contain_text("Đã nộp tờ khai đăng ký")
        dossier_id = done.get_attribute("data-dossier") or ""
        expect(done).to_contain_text(dossier_id)
        shot(phone, "registration-done")
        dossier = Dossier.objects.get(public_id=dossier_id)
        assert (dossier.form, dossier.person) == ("01/ĐK-GD", lan)
        assert sorted(a.kind for a in dossier.attachments.all()) == [
            "cccd_back",
            "cccd_front",
            "portrait",
        ]

        for staff in (clerk, approver):
            actor = Actor.command(staff)
            services.decide_dossier(
                dossier=access.get_dossier_for_staff(actor, dossier_id),
                actor=actor,
                decisions={"email": "approve", "phone": "approve"},
            )
        assert User.objects.get(person=lan).password_change_required
        temporary = _line(smtp_server, "Mật khẩu tạm thời")

    phone.locator("#registration-done button").tap()
    sign_in(phone, "0123450001", temporary)
    expect(phone.locator("main h1")).to_have_text("Đổi mật khẩu")
