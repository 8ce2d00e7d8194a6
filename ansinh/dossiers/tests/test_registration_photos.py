"""Issue 12 §2: an online registration (01/ĐK-GD) carries three photos — CCCD front, CCCD back
and a portrait — each required and checked by content, kept with the registration until its
email code is confirmed, then attached to the filed dossier by kind; never confirmed, they are
deleted by the retention job. Photos are required whether or not the details match (no
oracle)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ansinh.conftest import run_on_commit
from ansinh.dossiers import registration as registration_service
from ansinh.dossiers.errors import Invalid
from ansinh.dossiers.models import Attachment, Dossier, Registration
from ansinh.lib.actor import Actor
from ansinh.ops.retention import purge
from ansinh.people.models import Person, Sex
from ansinh.portal.tests.helpers import csrf_token, text

from .helpers import PDF, last_code, photo, registration_photos

pytestmark = pytest.mark.django_db

EMAIL = "lan.pham@example.org"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 32
HTML_AS_JPEG = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def lan(db, office):
    """Phạm Thị Lan: in the registry, no account, no email."""
    return Person.objects.create(
        bhxh_code="0123450001",
        cccd="001195000111",
        full_name="Phạm Thị Lan",
        date_of_birth=dt.date(1995, 7, 1),
        sex=Sex.FEMALE,
        province_code="01",
    )


def _data(client: Client, **overrides) -> dict:
    return {
        "identifier": "0123450001",
        "full_name": "Phạm Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": EMAIL,
        "office": "01001",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
        **overrides,
    }


def _register(client: Client, photos: dict | None = None, **overrides):
    data = _data(client, **overrides)
    data.update(registration_photos() if photos is None else photos)
    with run_on_commit():
        return client.post("/dang-ky/", data, HTTP_ACCEPT_LANGUAGE="vi")


def _confirm(client: Client, email: str = EMAIL):
    token = csrf_token(client, "/dang-ky/nhap-ma/")
    with run_on_commit():
        return client.post(
            "/dang-ky/nhap-ma/", {"code": last_code(email), "csrfmiddlewaretoken": token}
        )


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- Required, checked by content, nothing stored when refused -----------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("cccd_front", "Vui lòng thêm ảnh mặt trước thẻ CCCD."),
        ("cccd_back", "Vui lòng thêm ảnh mặt sau thẻ CCCD."),
        ("portrait", "Vui lòng thêm ảnh chân dung (ảnh khuôn mặt)."),
    ],
)
def test_each_of_the_three_photos_is_required(client, lan, mailoutbox, _media_root, kind, message):
    response = _register(client, photos=registration_photos(**{kind: None}))

    assert response.status_code == 400
    assert message in text(response.content)
    assert not Registration.objects.exists() and not Attachment.objects.exists()
    assert mailoutbox == [] and _stored_files(_media_root) == []


@pytest.mark.parametrize(
    ("kind", "content"),
    [("portrait", PDF), ("cccd_front", GIF), ("cccd_back", HTML_AS_JPEG), ("portrait", b"")],
)
def test_a_photo_that_is_not_png_or_jpeg_is_refused_in_vietnamese_and_nothing_is_stored(
    client, lan, mailoutbox, _media_root, kind, content
):
    response = _register(client, photos=registration_photos(**{kind: content}))

    assert response.status_code == 400
    page = text(response.content)
    assert "không phải là ảnh PNG hoặc JPEG" in page or "rỗng" in page  # an empty file
    assert 'id="photos-again"' in response.content.decode()  # choose them all again
    assert not Registration.objects.exists() and not Attachment.objects.exists()
    assert mailoutbox == [] and _stored_files(_media_root) == []


def test_a_photo_over_the_size_limit_is_refused_while_it_streams_in(
    client, lan, mailoutbox, _media_root, settings
):
    settings.DOSSIER_UPLOAD_MAX_BYTES = 2048
    big = photo("PNG") + b"\x00" * 4096  # a real PNG, padded past the limit

    response = _register(client, photos=registration_photos(portrait=big))

    assert response.status_code == 400
    assert "tối đa" in text(response.content)
    assert not Registration.objects.exists() and _stored_files(_media_root) == []


def test_the_service_refuses_missing_and_wrong_photos_all_at_once(lan, office):
    photos = registration_photos(cccd_front=None, portrait=PDF)
    with pytest.raises(Invalid) as refused:
        registration_service.start_registration(
            identifier="0123450001",
            full_name="Phạm Thị Lan",
            date_of_birth=dt.date(1995, 7, 1),
            phone="0912000111",
            email=EMAIL,
            office=office,
            language="vi",
            images=photos,
            actor=Actor.command(),
        )
    assert set(refused.value.fields) == {"cccd_front", "portrait"}
    assert not Registration.objects.exists()


def test_photos_are_required_alike_whether_or_not_the_details_match(client, lan, mailoutbox):
    matching = _register(client, photos=registration_photos(cccd_back=None))
    stranger = Client()
    unknown = _register(
        stranger,
        photos=registration_photos(cccd_back=None),
        identifier="0999999999",
        full_name="Ai Đó",
    )

    assert matching.status_code == unknown.status_code == 400

    def without_inputs(page: bytes) -> str:
        # What was typed is given back in the inputs; the rest must be the same.
        return text(page).replace("0999999999", "X").replace("0123450001", "X")

    assert without_inputs(matching.content).replace("Ai Đó", "Phạm Thị Lan") == without_inputs(
        unknown.content
    ).replace("Ai Đó", "Phạm Thị Lan")
    assert mailoutbox == []


def test_the_photo_inputs_open_the_right_camera_on_a_phone(client, office):
    page = client.get("/dang-ky/").content.decode()

    assert 'enctype="multipart/form-data"' in page
    for name, capture in (
        ("cccd_front", "environment"),
        ("cccd_back", "environment"),
        ("portrait", "user"),
    ):
        tag = page[page.index(f'name="{name}"') - 200 : page.index(f'name="{name}"') + 200]
        assert 'type="file"' in tag and 'accept="image/*"' in tag and f'capture="{capture}"' in tag


# --- Kept with the registration, then attached to the dossier by kind ------------------------------


def test_the_photos_wait_with_the_registration_and_go_to_the_dossier_by_kind(
    client, lan, mailoutbox
):
    photos = registration_photos()
    digests = {kind: hashlib.sha256(upload.read()).hexdigest() for kind, upload in photos.items()}
    for upload in photos.values():
        upload.seek(0)

    assert _register(client, photos=photos).status_code == 302
    waiting = Attachment.objects.all()
    assert {(a.kind, a.dossier_id, a.sha256) for a in waiting} == {
        (kind, None, digest) for kind, digest in digests.items()
    }
    assert {a.registration for a in waiting} == {Registration.objects.get()}

    assert _confirm(client).status_code == 302
    dossier = Dossier.objects.get()
    attached = {a.kind: a for a in dossier.attachments.all()}
    assert sorted(attached) == ["cccd_back", "cccd_front", "portrait"]
    assert {kind: a.sha256 for kind, a in attached.items()} == digests
    assert attached["portrait"].content_type == "image/png"
    assert attached["cccd_front"].content_type == "image/jpeg"
    for attachment in attached.values():
        with attachment.file.open("rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == attachment.sha256


def test_a_registration_that_matches_nobody_files_its_photos_too(client, lan, mailoutbox):
    assert _register(client, identifier="0999999999", full_name="Ai Đó").status_code == 302
    assert _confirm(client).status_code == 302

    dossier = Dossier.objects.get()
    assert dossier.person is None
    assert sorted(dossier.attachments.values_list("kind", flat=True)) == [
        "cccd_back",
        "cccd_front",
        "portrait",
    ]


# --- Retention -------------------------------------------------------------------------------------


def test_retention_deletes_the_photos_of_a_registration_never_confirmed(
    client, lan, mailoutbox, settings, _media_root
):
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller:
        assert _register(client).status_code == 302  # never confirmed
        confirmed = Client()
        assert _register(confirmed, email="lan.khac@example.org").status_code == 302
        assert _confirm(confirmed, "lan.khac@example.org").status_code == 302
        files = _stored_files(_media_root)
        assert len(files) == 6

        assert purge()["registration_images"] == 0  # the code still works
        traveller.shift(dt.timedelta(seconds=settings.REGISTRATION_CODE_TTL_SECONDS + 1))
        assert purge()["registration_images"] == 3

    pending = Registration.objects.get(email=EMAIL)
    assert not pending.attachments.exists()
    kept = Dossier.objects.get().attachments.all()
    assert kept.count() == 3
    assert sorted(_stored_files(_media_root)) == sorted(
        Path(a.file.path) for a in kept
    )  # only the filed dossier's photos remain on disk


def test_retention_deletes_the_photos_of_a_superseded_registration_at_once(
    client, lan, mailoutbox, _media_root
):
    assert _register(client).status_code == 302
    first = Registration.objects.get()
    assert _register(client).status_code == 302  # the same mailbox again: the first is superseded

    assert purge()["registration_images"] == 3
    assert not first.attachments.exists()
    assert Registration.objects.exclude(pk=first.pk).get().attachments.count() == 3
    assert len(_stored_files(_media_root)) == 3


def test_a_registration_that_fails_while_storing_leaves_no_file_behind(
    lan, office, _media_root, monkeypatch
):
    saved = []
    original = Attachment.save

    def third_fails(self, *args, **kwargs):
        saved.append(self.kind)
        if len(saved) == 3:
            raise RuntimeError("the database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", third_fails)
    with pytest.raises(RuntimeError):
        registration_service.start_registration(
            identifier="0123450001",
            full_name="Phạm Thị Lan",
            date_of_birth=dt.date(1995, 7, 1),
            phone="0912000111",
            email=EMAIL,
            office=office,
            language="vi",
            images=registration_photos(),
            actor=Actor.command(),
        )
    assert not Registration.objects.exists() and not Attachment.objects.exists()
    assert _stored_files(_media_root) == []


def test_the_upload_form_keeps_its_csrf_check_and_accepts_a_null_origin(lan, mailoutbox):
    # The view parses the body under the upload limits before the CSRF check (exempt outside,
    # protected inside); browsers send Origin: null from this no-referrer page.
    browser = Client(enforce_csrf_checks=True)
    data = _data(browser)
    token = data.pop("csrfmiddlewaretoken")

    forged = browser.post("/dang-ky/", {**data, **registration_photos()}, HTTP_ORIGIN="null")
    assert forged.status_code == 403
    assert not Registration.objects.exists()

    with run_on_commit():
        real = browser.post(
            "/dang-ky/",
            {**data, **registration_photos(), "csrfmiddlewaretoken": token},
            HTTP_ORIGIN="null",
        )
    assert real.status_code == 302
    assert Registration.objects.count() == 1
