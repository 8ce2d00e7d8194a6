"""Defect p: ``/cards/verify`` accepted a replaced card and a card not yet valid.

A re-issued card revokes the one before: ``POST /cards/verify`` answers ``revoked`` for it, and
the signed list that clinics sync (``GET /cards/revocations``) names it for ``ansinh card verify
--revocations`` offline. A card before its ``valid_from`` is ``not_yet_valid``. The current card
stays valid; an altered, foreign or stale list is refused whole."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from ansinh.cards import revocations, signing
from ansinh.cards.services import issue_card, qr_payload
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility

pytestmark = pytest.mark.django_db

TODAY = "2026-11-15 10:00:00+07:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sync(api, tmp_path, key_file):
    """What a clinic does: fetch ``GET /cards/revocations`` and keep it as a file."""

    def fetch() -> Path:
        response = api.get("/cards/revocations")
        assert response.status_code == 200, response.content
        path = tmp_path / "revocations.json"
        path.write_text(response.content.decode())
        return path

    return fetch


def _online(api: Any, payload: str) -> tuple[bool, str | None]:
    body = api.post("/cards/verify", {"qr": payload}).json()
    return body["valid"], body["reason"]


def _offline(payload: str, keys: Path, listed: Path, today: str = "2026-11-15") -> tuple[int, Any]:
    out = io.StringIO()
    code = 0
    try:
        call_command(
            "card", "verify", payload, "--public-key", str(keys),
            "--revocations", str(listed), "--today", today, stdout=out,
        )  # fmt: skip
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def _reissue(card: Any, **changes: Any) -> Any:
    values = {
        "person": card.person,
        "group": card.group,
        "benefit_level": card.benefit_level,
        "facility": card.facility,
        "valid_from": card.valid_from,
        "valid_to": card.valid_to,
        "five_years_from": card.five_years_from,
        "actor": Actor.command(),
        **changes,
    }
    return issue_card(**values)


@pytest.fixture
def other_facility(db: None) -> HealthFacility:
    return HealthFacility.objects.create(
        code="01002", name="Bệnh viện Việt Đức", province_code="01"
    )


def test_a_replaced_card_is_refused_online(api, card, other_facility):
    old = qr_payload(card)
    assert _online(api, old) == (True, None)

    new = _reissue(card, facility=other_facility)

    assert _online(api, old) == (False, "revoked")
    assert _online(api, qr_payload(new)) == (True, None)


@pytest.mark.parametrize(
    "change",
    [{"group": "HT"}, {"benefit_level": 3}, {}],
    ids=["group", "benefit_level", "plain_reissue"],
)
def test_every_kind_of_reissue_revokes_the_old_card(api, card, change):
    old = qr_payload(card)

    _reissue(card, **change)

    assert _online(api, old) == (False, "revoked")


def test_a_replaced_card_is_refused_offline_from_the_synced_list(
    api, card, other_facility, public_key_file, sync
):
    old = qr_payload(card)
    assert _offline(old, public_key_file, sync())[0] == 0

    new = _reissue(card, facility=other_facility)
    listed = sync()

    assert _offline(old, public_key_file, listed) == (1, {"valid": False, "reason": "revoked"})
    code, verdict = _offline(qr_payload(new), public_key_file, listed)
    assert (code, verdict["valid"], verdict["card"]["facility"]) == (0, True, "01002")


def test_the_current_card_stays_valid_online_and_offline_after_a_reissue(
    api, card, other_facility, public_key_file, sync
):
    new = _reissue(card, facility=other_facility)
    payload = qr_payload(new)

    assert _online(api, payload) == (True, None)
    assert _offline(payload, public_key_file, sync())[0] == 0
    assert api.post("/cards/verify", {"qr": payload}).json()["card"]["serial"] == new.public_id.hex


def test_a_card_not_yet_valid_is_refused_online_and_offline(
    api, citizen, facility, public_key_file, sync, _clock
):
    card = issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2027, 12, 31),
        five_years_from=None, actor=Actor.command(),
    )  # fmt: skip
    payload = qr_payload(card)

    assert _online(api, payload) == (False, "not_yet_valid")
    assert _offline(payload, public_key_file, sync()) == (
        1,
        {"valid": False, "reason": "not_yet_valid"},
    )
    _clock.move_to("2027-01-01 00:00:01+07:00")
    assert _online(api, payload) == (True, None)


def _altered(path: Path, change: Any) -> Path:
    envelope = json.loads(path.read_text())
    body = json.loads(signing.b64decode(envelope["body"]))
    change(body)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    envelope["body"] = signing.b64encode(text.encode())
    path.write_text(json.dumps(envelope))
    return path


def test_a_tampered_revocation_list_is_refused(api, card, other_facility, public_key_file, sync):
    old = qr_payload(card)
    _reissue(card, facility=other_facility)

    # Taking the old card off the list (to pass it again) breaks the signature.
    with pytest.raises(CommandError, match="altered"):
        _offline(old, public_key_file, _altered(sync(), lambda body: body["serials"].clear()))
    # So does pushing "next update" ahead to keep a stale list alive.
    later = lambda body: body.update(next_update="2030-01-01T00:00:00Z")  # noqa: E731
    with pytest.raises(CommandError, match="altered"):
        _offline(old, public_key_file, _altered(sync(), later))
    # A list signed with a key that is not the issuer's.
    forged = revocations.sign(
        revocations.load(json.loads(sync().read_text()), public_keys=_public(public_key_file)),
        kid="test2026",
        private_key=signing.Ed25519PrivateKey.generate(),
    )
    stranger = sync()
    stranger.write_text(json.dumps(forged))
    with pytest.raises(CommandError, match="altered"):
        _offline(old, public_key_file, stranger)
    for garbage in ("", "[]", '{"format": "ASR1"}', "nul"):
        stranger.write_text(garbage)
        with pytest.raises(CommandError):
            _offline(old, public_key_file, stranger)


def _public(path: Path) -> dict[str, Any]:
    return signing.load_public_keys(path)


def test_a_stale_revocation_list_is_refused(api, card, public_key_file, sync):
    listed = sync()

    assert _offline(qr_payload(card), public_key_file, listed, today="2026-11-16")[0] == 0
    with pytest.raises(CommandError, match="fetch a new one"):
        _offline(qr_payload(card), public_key_file, listed, today="2026-11-17")


def test_the_public_list_names_revoked_cards_by_serial_only(
    api, card, other_facility, public_key_file, sync, _clock
):
    first = card
    _reissue(card, facility=other_facility)

    listed = revocations.load(json.loads(sync().read_text()), public_keys=_public(public_key_file))

    assert listed.serials == {first.public_id.hex}
    assert listed.issued_at == dt.datetime(2026, 11, 15, 3, 0, tzinfo=dt.UTC)
    assert listed.next_update == dt.datetime(2026, 11, 16, 3, 0, tzinfo=dt.UTC)
    text = sync().read_text()
    for personal in (card.card_code, card.person.bhxh_code, card.person.full_name):
        assert (
            personal not in text
            and personal not in signing.b64decode(json.loads(text)["body"]).decode()
        )
    # A replaced card that has expired leaves the list (it is refused as expired anyway).
    _clock.move_to("2027-01-02 08:00:00+07:00")
    assert json.loads(signing.b64decode(json.loads(sync().read_text())["body"]))["serials"] == []


def test_the_revocation_list_is_rate_limited_per_client_address(api, key_file, settings):
    settings.CARD_REVOCATIONS_RATE = "2/h"
    for _ in range(2):
        assert api.get("/cards/revocations").status_code == 200

    response = api.get("/cards/revocations")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert int(response["Retry-After"]) > 0
    assert api.get("/cards/revocations", remote_addr="198.51.100.9").status_code == 200


def _v1_payload(card: Any, key_file: Path) -> str:
    """A payload as issued before serials existed (version 1)."""
    from dataclasses import replace

    from ansinh.cards.services import claims_of

    ring = signing.load_key_file(key_file)
    claims = replace(claims_of(card), serial=None)
    return signing.sign(claims, kid=ring.active, private_key=ring.private[ring.active])


def test_a_version_1_payload_still_verifies_online_and_is_revoked_with_its_card(
    api, card, other_facility, key_file, public_key_file, sync
):
    old = _v1_payload(card, key_file)
    assert signing.parse(old).claims.version == 1
    assert _online(api, old) == (True, None)
    # Offline, no list can name a card without a serial: the clinic checks it online.
    assert _offline(old, public_key_file, sync()) == (
        1,
        {"valid": False, "reason": "revocation_unknown"},
    )

    _reissue(card, facility=other_facility)

    assert _online(api, old) == (False, "revoked")


def test_a_signed_payload_of_a_card_not_in_the_register_is_refused_online(api, card, key_file):
    from dataclasses import replace

    from ansinh.cards.services import claims_of

    ring = signing.load_key_file(key_file)
    claims = replace(claims_of(card), serial="0" * 32)
    payload = signing.sign(claims, kid=ring.active, private_key=ring.private[ring.active])

    assert _online(api, payload) == (False, "revoked")
