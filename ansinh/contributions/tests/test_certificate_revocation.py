"""Issue 15: a participation certificate is "verifiable offline … revocable": the revoked
certificates' serials are published in a signed list (``GET /certificates/revocations``,
``ASCR1``) that an offline verifier syncs (``ansinh certificate verify``), so a revoked
certificate is refused offline as it is online; a list that is altered, stale or not the
certificates' list is refused whole."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ansinh.cards import revocations, signing
from ansinh.cards import services as cards
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.contributions.models import ContributionMonth

pytestmark = pytest.mark.django_db

TODAY = "2026-11-15"  # the contributions tests' clock


@pytest.fixture
def months(citizen, unit):
    for month in range(1, 4):
        ContributionMonth.objects.create(
            person=citizen.person, unit=unit, month=dt.date(2026, month, 1),
            salary=10_000_000, job_title="Kế toán", paid=True,
        )  # fmt: skip


@pytest.fixture
def token(api, citizen):
    return api.login("0123456789", CITIZEN_PASSWORD)["access_token"]


@pytest.fixture
def public_key_file(tmp_path: Path) -> Path:
    """Only the exported public keys: what a verifier has, no private key."""
    path = tmp_path / "public.json"
    path.write_text(json.dumps(signing.export_public_keys(cards.public_keys())))
    return path


@pytest.fixture
def sync(api, tmp_path):
    """What an offline verifier does: fetch the list and keep it as a file."""

    def fetch(name: str = "certificate-revocations.json") -> Path:
        response = api.get("/certificates/revocations")
        assert response.status_code == 200, response.content
        path = tmp_path / name
        path.write_text(response.content.decode())
        return path

    return fetch


def _offline(payload: str, keys: Path, listed: Path, *extra: str) -> tuple[int, Any]:
    out = io.StringIO()
    code = 0
    try:
        call_command(
            "certificate", "verify", payload, "--public-key", str(keys),
            "--revocations", str(listed), "--today", TODAY, *extra, stdout=out,
        )  # fmt: skip
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def _issue(api: Any, token: str) -> dict[str, Any]:
    response = api.post("/me/certificates", token=token)
    assert response.status_code == 201, response.content
    return dict(response.json())


def test_a_revoked_certificate_is_refused_offline_once_the_list_is_synced(
    api, token, months, public_key_file, sync, tmp_path
):
    body = _issue(api, token)
    kept = _issue(api, token)
    before = sync("before.json")
    certificate_file = tmp_path / "certificate.json"
    certificate_file.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")

    code, verdict = _offline(
        body["payload"], public_key_file, before, "--history", str(certificate_file)
    )
    assert (code, verdict["valid"], verdict["reason"]) == (0, True, None)
    assert verdict["certificate"]["serial"] == body["id"]
    assert verdict["certificate"]["months"]["BHXH"] == 3

    assert api.post(f"/me/certificates/{body['id']}/revoke", token=token).status_code == 200
    after = sync("after.json")

    assert _offline(body["payload"], public_key_file, after) == (
        1, {"valid": False, "reason": "revoked"},
    )  # fmt: skip
    assert _offline(kept["payload"], public_key_file, after)[0] == 0
    online = api.post("/certificates/verify", {"qr": body["payload"]}).json()
    assert (online["valid"], online["reason"]) == (False, "revoked")
    # The list names serials only: nothing of whose certificate it was.
    content = revocations.load(
        json.loads(after.read_text()), public_keys=cards.public_keys(), form="ASCR1"
    )
    assert content.serials == {body["id"]}
    assert "0123456789" not in after.read_text()


def test_an_altered_list_is_refused_whole(api, token, months, public_key_file, sync):
    body = _issue(api, token)
    listed = sync()
    envelope = json.loads(listed.read_text())
    content = json.loads(signing.b64decode(envelope["body"]))
    content["serials"] = [body["id"]]  # someone "revokes" a certificate by editing the list
    envelope["body"] = signing.b64encode(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    )
    listed.write_text(json.dumps(envelope))

    with pytest.raises(CommandError, match="refused: the signature does not match"):
        _offline(body["payload"], public_key_file, listed)


def test_the_cards_list_is_not_a_certificate_list(api, token, months, public_key_file, tmp_path):
    body = _issue(api, token)
    card_list = tmp_path / "card-revocations.json"
    card_list.write_text(api.get("/cards/revocations").content.decode())

    with pytest.raises(CommandError, match="not a ASCR1 revocation list"):
        _offline(body["payload"], public_key_file, card_list)
    # Nor the other way round: the certificates' list signs another text.
    envelope = json.loads(api.get("/certificates/revocations").content)
    envelope["format"] = "ASR1"
    with pytest.raises(revocations.RevocationListError, match="signature does not match"):
        revocations.load(envelope, public_keys=cards.public_keys())


def test_a_stale_list_is_refused(api, token, months, public_key_file, sync):
    body = _issue(api, token)
    listed = sync()

    with pytest.raises(CommandError, match="due for renewal"):
        call_command(
            "certificate", "verify", body["payload"], "--public-key", str(public_key_file),
            "--revocations", str(listed), "--today", "2026-11-17", stdout=io.StringIO(),
        )  # fmt: skip


def test_the_list_is_public_and_limited_per_address(api, settings):
    settings.CARD_REVOCATIONS_RATE = "2/h"

    first = api.get("/certificates/revocations")

    assert first.status_code == 200
    assert first.json()["format"] == "ASCR1"
    assert api.get("/certificates/revocations").status_code == 200
    refused = api.get("/certificates/revocations")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_requests"
    # The cards' list keeps its own budget.
    assert api.get("/cards/revocations").status_code == 200
