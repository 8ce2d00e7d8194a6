"""``/auth/registration`` (01/ĐK-GD over the API, for the app) and ``/offices``: the portal's
service behind it, the same answers whether or not the details match the registry, every bad
field at once, photos checked by content, a CAPTCHA, the service's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ansinh.conftest import run_on_commit
from ansinh.dossiers.models import Attachment, Dossier, Registration

from .helpers import PDF, last_code, messages_to, registration_photos

pytestmark = pytest.mark.django_db

EMAIL = "lan.pham@example.org"


def _details(**overrides: Any) -> dict[str, Any]:
    return {
        "identifier": "0123450001",
        "full_name": "Phạm  Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": EMAIL,
        "office_code": "01001",
        "captcha_key": "x",
        "captcha_answer": "PASSED",
        **overrides,
    }


def _register(
    client: Client, *, photos: dict | None = None, ip: str = "203.0.113.9", **overrides: Any
):
    data = {
        "payload": json.dumps(_details(**overrides)),
        **(registration_photos() if photos is None else photos),
    }
    with run_on_commit():
        return client.post("/api/v1/auth/registration", data, REMOTE_ADDR=ip)


def _post(client: Client, path: str, body: Any = None):
    with run_on_commit():
        return client.post(
            "/api/v1/auth/registration" + path,
            json.dumps(body) if body is not None else b"",
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
        )


def _error(response, status=400):
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_a_registration_with_three_photos_and_the_emailed_code_files_a_dossier(
    client, lan, mailoutbox
):
    started = _register(client)

    assert started.status_code == 202, started.content
    body = started.json()
    assert set(body) == {"registration_id", "expires_in", "message"}
    assert 0 < body["expires_in"] <= 15 * 60
    assert [m.to for m in mailoutbox] == [[EMAIL]]
    assert not Dossier.objects.exists()
    registration = Registration.objects.get(public_id=body["registration_id"])
    assert (registration.full_name, registration.phone) == ("Phạm Thị Lan", "0912000111")
    assert sorted(a.kind for a in Attachment.objects.filter(registration=registration)) == [
        "cccd_back",
        "cccd_front",
        "portrait",
    ]

    wrong = "000000" if last_code(EMAIL) != "000000" else "111111"
    refused = _post(client, f"/{body['registration_id']}/verify", {"code": wrong})
    assert _error(refused)["code"] == "invalid_code"
    assert refused.json()["error"]["attempts_left"] == 4

    filed = _post(client, f"/{body['registration_id']}/verify", {"code": last_code(EMAIL)})
    assert filed.status_code == 201, filed.content
    dossier = Dossier.objects.get(public_id=filed.json()["dossier_id"])
    assert (dossier.form, dossier.person, dossier.channel) == ("01/ĐK-GD", lan, "api")
    assert dossier.attachments.count() == 3
    # A used registration is gone, whatever is sent next.
    again = _post(client, f"/{body['registration_id']}/verify", {"code": last_code(EMAIL)})
    assert _error(again, 410)["code"] == "registration_expired"


def test_a_registration_that_matches_nobody_gets_the_same_answers(client, lan, mailoutbox):
    matched = _register(client)
    stranger = "ai.do@example.org"
    unmatched = _register(
        Client(), identifier="0999999999", full_name="Ai Đó", email=stranger, ip="203.0.113.10"
    )

    assert (matched.status_code, set(matched.json())) == (
        unmatched.status_code,
        set(unmatched.json()),
    )
    assert matched.json()["message"] == unmatched.json()["message"]
    assert len(messages_to(stranger)) == 1  # mailed the same way
    a = _post(client, f"/{matched.json()['registration_id']}/verify", {"code": last_code(EMAIL)})
    b = _post(
        client, f"/{unmatched.json()['registration_id']}/verify", {"code": last_code(stranger)}
    )
    assert (a.status_code, set(a.json()), a.json()["status"]) == (
        b.status_code,
        set(b.json()),
        b.json()["status"],
    )
    assert Dossier.objects.get(public_id=b.json()["dossier_id"]).person is None


def test_bad_details_and_photos_are_all_named_at_once_and_nothing_is_stored(
    client, lan, mailoutbox
):
    response = _register(
        client,
        photos=registration_photos(cccd_back=PDF, portrait=None),
        identifier="12",
        phone="abc",
        email="not-an-email",
        date_of_birth="2999-01-01",
        office_code="99999",
        captcha_answer="WRONG",
    )

    error = _error(response)
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) >= {
        "identifier",
        "phone",
        "email",
        "date_of_birth",
        "office_code",
        "cccd_back",
        "portrait",
    }
    assert "PNG" in error["fields"]["cccd_back"]  # a PDF is not a photo
    assert not Registration.objects.exists() and not Attachment.objects.exists()
    assert mailoutbox == []


def test_a_malformed_payload_or_a_plain_json_body_is_refused(client, lan):
    not_json = client.post("/api/v1/auth/registration", {"payload": "{", **registration_photos()})
    assert _error(not_json)["fields"] == {"payload": "Phải là một đối tượng JSON."} or set(
        _error(not_json)["fields"]
    ) == {"payload"}
    unknown = _register(client, admin=True)
    assert "admin" in _error(unknown)["fields"]
    plain = _post(client, "", _details())
    assert _error(plain)["code"] == "multipart_required"


def test_without_a_solved_captcha_nothing_is_stored_and_a_challenge_comes_back(
    client, lan, mailoutbox, settings
):
    settings.CAPTCHA_TEST_MODE = False
    challenge = client.post("/api/v1/auth/registration/captcha")
    assert challenge.status_code == 201
    assert set(challenge.json()) == {"key", "image_url", "audio_url"}
    assert client.get(challenge.json()["image_url"]).status_code == 200

    response = _register(client, captcha_key=challenge.json()["key"], captcha_answer="nope")

    error = _error(response, 429)
    assert error["code"] == "captcha_required"
    assert set(response.json()["error"]["captcha"]) == {"key", "image_url", "audio_url"}
    assert not Registration.objects.exists() and mailoutbox == []

    from captcha.models import CaptchaStore

    fresh = response.json()["error"]["captcha"]["key"]
    answer = CaptchaStore.objects.get(hashkey=fresh).response
    assert _register(client, captcha_key=fresh, captcha_answer=answer).status_code == 202
    # Each challenge works once.
    assert _register(client, captcha_key=fresh, captcha_answer=answer).status_code == 429


def test_an_empty_captcha_answer_is_named_with_the_other_wrong_fields(client, lan, mailoutbox):
    response = _register(client, office_code="99999", captcha_answer="")

    error = _error(response)
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"office_code", "captcha_answer"}
    assert error["fields"]["captcha_answer"] == "Nhập các ký tự trong hình."
    data = {"payload": json.dumps(_details(office_code="99999", captcha_answer="  "))}
    en = client.post("/api/v1/auth/registration", data, HTTP_ACCEPT_LANGUAGE="en")
    assert _error(en)["fields"]["captcha_answer"] == "Type the characters in the image."
    assert not Registration.objects.exists() and mailoutbox == []


def test_the_services_limits_apply_per_mailbox_and_resend_is_throttled(client, lan, mailoutbox):
    first = _register(client)
    assert first.status_code == 202
    resend = _post(client, f"/{first.json()['registration_id']}/resend")
    assert _error(resend, 429)["code"] == "too_many_requests"  # not before a minute
    assert "Retry-After" in resend.headers
    for _i in range(2):
        assert _register(client, email="Lan.Pham@Example.org").status_code == 202
    # A fourth within the hour for the same mailbox (any spelling): refused, nothing mailed.
    refused = _register(client, email="LAN.PHAM@example.org")
    assert _error(refused, 429)["code"] == "too_many_requests"
    assert len(mailoutbox) == 3
    unknown = _post(client, "/not-a-uuid/resend")
    assert _error(unknown, 410)["code"] == "registration_expired"


def test_the_offices_are_listed_for_the_app(client, office, other_office):
    response = client.get("/api/v1/offices")
    assert response.status_code == 200
    assert [o["code"] for o in response.json()["items"]] == ["01001", "79001"]
    assert [o["code"] for o in client.get("/api/v1/offices?q=ba dinh").json()["items"]] == ["01001"]
    assert _error(client.get("/api/v1/offices?province=x"))["code"] == "invalid_input"
