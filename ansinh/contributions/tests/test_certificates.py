"""Signed participation certificates (issue 15 §3): issued from the citizen's history, verified
offline with the public keys only, refused once revoked or tampered with, and private to their
holder."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import zxingcpp
from pypdf import PdfReader

from ansinh.cards import certificates as fmt
from ansinh.cards import services as cards
from ansinh.cards import signing
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.contributions.models import ContributionMonth

pytestmark = pytest.mark.django_db


@pytest.fixture
def months(citizen, unit):
    for month in range(1, 7):  # 01–06/2026, paid, at 10,000,000
        ContributionMonth.objects.create(
            person=citizen.person, unit=unit, month=dt.date(2026, month, 1),
            salary=10_000_000, job_title="Kế toán", paid=True,
        )  # fmt: skip


@pytest.fixture
def token(api, citizen):
    return api.login("0123456789", CITIZEN_PASSWORD)["access_token"]


def _issue(api, token):
    response = api.post("/me/certificates", token=token)
    assert response.status_code == 201, response.content
    return response.json()


def _offline_keys(tmp_path):
    """Only the exported public keys, read back from a file: no private key, no database."""
    path = tmp_path / "public.json"
    path.write_text(json.dumps(signing.export_public_keys(cards.public_keys())))
    return signing.load_public_keys(path)


def test_a_certificate_states_the_history_and_verifies_offline(api, token, months, tmp_path):
    body = _issue(api, token)

    assert body["history"]["schemes"]["BHXH"]["total_months"] == 6
    assert body["history"]["schemes"]["BHXH"]["periods"][0]["from"] == "2026-01"
    verdict = fmt.verify(body["payload"], public_keys=_offline_keys(tmp_path),
                         history=body["history"])  # fmt: skip
    assert verdict.valid
    assert verdict.claims is not None
    assert verdict.claims.months == {"BHXH": 6, "BHYT": 6, "BHTN": 6, "BHTNLD_BNN": 6}
    assert (verdict.claims.bhxh, verdict.claims.name) == ("0123456789", "Nguyễn Văn An")


def test_a_tampered_certificate_is_refused(api, token, months, tmp_path):
    body = _issue(api, token)
    keys = _offline_keys(tmp_path)
    prefix, kid, encoded, signature = body["payload"].split(".")
    claims = json.loads(signing.b64decode(encoded))
    claims["months"]["BHXH"] = 120
    forged = ".".join((prefix, kid, signing.b64encode(fmt.canonical(claims).encode()), signature))
    history = json.loads(json.dumps(body["history"]))
    history["schemes"]["BHXH"]["total_months"] = 120

    assert fmt.verify(forged, public_keys=keys).reason == "bad_signature"
    assert fmt.verify(body["payload"], public_keys=keys, history=history).reason == (
        "bad_signature"
    )
    online = api.post("/certificates/verify", {"qr": forged}).json()
    assert (online["valid"], online["reason"]) == (False, "bad_signature")


def test_a_revoked_certificate_is_refused_online(api, token, months):
    body = _issue(api, token)
    assert api.post("/certificates/verify", {"qr": body["payload"]}).json()["valid"] is True

    revoked = api.post(f"/me/certificates/{body['id']}/revoke", token=token)

    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    online = api.post("/certificates/verify", {"qr": body["payload"]}).json()
    assert (online["valid"], online["reason"], online["certificate"]) == (False, "revoked", None)


def test_a_card_payload_is_not_a_certificate(api, token):
    response = api.post("/certificates/verify", {"qr": "AS1.k1.e30.AAAA"})

    assert response.json() == {"valid": False, "reason": "malformed", "certificate": None}


def test_another_person_cannot_fetch_or_revoke_my_certificate(api, token, months, outsider):
    body = _issue(api, token)
    theirs = api.login("7912345678", OTHER_PASSWORD)["access_token"]

    for path in (f"/me/certificates/{body['id']}", f"/me/certificates/{body['id']}.pdf"):
        response = api.get(path, token=theirs)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "certificate_not_found"
    assert api.post(f"/me/certificates/{body['id']}/revoke", token=theirs).status_code == 404
    assert api.get("/me/certificates", token=theirs).json() == {"items": []}
    assert api.get(f"/me/certificates/{body['id']}", token=token).status_code == 200


def test_the_pdf_carries_the_certificate(api, token, months):
    body = _issue(api, token)

    response = api.get(f"/me/certificates/{body['id']}.pdf", token=token)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The QR printed in the PDF is the signed payload, as a scanner reads it.
    images = PdfReader(io.BytesIO(response.content)).pages[0].images
    decoded = [code.text for image in images for code in zxingcpp.read_barcodes(image.image)]
    assert decoded == [body["payload"]]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Nguyễn Văn An" in text


def test_a_certificate_needs_a_signed_in_citizen(api):
    assert api.post("/me/certificates").status_code == 401
