"""The e-BHYT card (DESIGN §3.6): ``GET /me/card``, the signed QR payload, ``POST
/cards/verify`` (public, rate limited) and the offline ``ansinh card verify``."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ansinh.cards import signing
from ansinh.cards.services import qr_payload
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import parse_card_code

pytestmark = pytest.mark.django_db

TODAY = "2026-11-15 10:00:00+07:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def _card(api, token):
    return api.get("/me/card", token=token)


def test_the_citizen_reads_their_card_with_a_signed_qr(api, card):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]

    body = _card(api, token).json()

    assert body["card_code"] == "DN4010123456789"
    assert str(parse_card_code(body["card_code"])) == body["card_code"]
    assert (body["group"], body["benefit_level"], body["province_code"]) == ("DN", 4, "01")
    assert body["facility"] == {"code": "01001", "name": "Bệnh viện Bạch Mai"}
    assert (body["valid_from"], body["valid_to"], body["five_years_from"]) == (
        "2026-01-01",
        "2026-12-31",
        "2020-01-01",
    )
    assert body["qr"].startswith("AS1.test2026.")
    verdict = api.post("/cards/verify", {"qr": body["qr"]}).json()
    assert verdict["valid"] is True and verdict["reason"] is None
    assert verdict["card"]["card_code"] == "DN4010123456789"


def test_no_card_is_404_no_card(api, citizen, key_file):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]

    response = _card(api, token)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_card"


def test_a_citizen_cannot_read_another_persons_card(api, card, outsider):
    token = api.login("7912345678", OTHER_PASSWORD)["access_token"]

    assert _card(api, token).status_code == 404


def _tamper(payload: str) -> str:
    prefix, kid, body, signature = payload.split(".")
    claims = json.loads(signing.b64decode(body))
    claims["to"] = "2030-12-31"
    # Spelled canonically (as the issuer would): only the signature gives the forgery away.
    text = json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    forged = signing.b64encode(text.encode())
    return ".".join([prefix, kid, forged, signature])


def test_verify_answers_why_a_payload_is_not_valid(api, card, _clock):
    good = qr_payload(card)
    other = signing.Ed25519PrivateKey.generate()
    unknown = signing.sign(signing.parse(good).claims, kid="retired1", private_key=other)

    def reason(qr):
        body = api.post("/cards/verify", {"qr": qr}).json()
        return body["valid"], body["reason"]

    assert reason(good) == (True, None)
    assert reason(_tamper(good)) == (False, "bad_signature")
    assert reason(unknown) == (False, "unknown_key")
    assert reason("AS1.x.y") == (False, "malformed")
    assert reason("") == (False, "malformed")
    _clock.move_to("2027-01-01 08:00:00+07:00")
    assert reason(good) == (False, "expired")


def test_verify_rejects_wrong_types_with_400(api):
    for body in ({"qr": ["AS1"]}, {"qr": 5}, {}, {"qr": "x", "more": 1}):
        response = api.post("/cards/verify", body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_input"


def test_verify_is_rate_limited_per_client_address(api, card, settings):
    settings.CARD_VERIFY_RATE = "3/m"
    for _ in range(3):
        assert api.post("/cards/verify", {"qr": "x"}).status_code == 200

    response = api.post("/cards/verify", {"qr": "x"})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert int(response["Retry-After"]) > 0
    assert api.post("/cards/verify", {"qr": "x"}, remote_addr="198.51.100.9").status_code == 200


def test_rotation_old_payloads_still_verify_with_the_retired_public_key(
    api, card, key_file, tmp_path, settings
):
    old = qr_payload(card)
    retired = tmp_path / "retired.json"
    retired.write_text(
        json.dumps(signing.export_public_keys(signing.load_key_file(key_file).public))
    )
    new_file = tmp_path / "new-keys.json"
    signing.write_new_key_file(new_file, "next2027")
    settings.CARD_KEYS_FILE = str(new_file)
    settings.CARD_PUBLIC_KEYS_FILE = str(retired)

    new = qr_payload(card)

    assert new.startswith("AS1.next2027.")
    for payload in (old, new):
        assert api.post("/cards/verify", {"qr": payload}).json()["valid"] is True


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


def _offline(
    payload: str, key: Path, revocations: Path, today: str = "2026-11-15"
) -> tuple[int, dict]:
    out = io.StringIO()
    code = 0
    try:
        call_command(
            "card", "verify", payload, "--public-key", str(key),
            "--revocations", str(revocations), "--today", today, stdout=out,
        )  # fmt: skip
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_offline_cli_verifies_with_the_published_public_key(
    card, public_key_file, sync, tmp_path, _clock
):
    good = qr_payload(card)
    stranger = tmp_path / "stranger.json"
    stranger.write_text(
        json.dumps(
            signing.export_public_keys({"other": signing.Ed25519PrivateKey.generate().public_key()})
        )
    )

    listed = sync()
    assert _offline(good, public_key_file, listed) == (
        0,
        {"valid": True, "reason": None, "card": signing.parse(good).claims.as_json()},
    )
    assert _offline(_tamper(good), public_key_file, listed) == (
        1,
        {"valid": False, "reason": "bad_signature"},
    )
    assert _offline("garbage", public_key_file, listed) == (
        1,
        {"valid": False, "reason": "malformed"},
    )
    # Another issuer's keys: its list is not ours either.
    with pytest.raises(CommandError, match="unknown key"):
        _offline(good, stranger, listed)
    with pytest.raises(CommandError, match="fetch a new one"):
        _offline(good, public_key_file, listed, today="2027-01-01")
    _clock.move_to("2027-01-01 08:00:00+07:00")
    assert _offline(good, public_key_file, sync(), today="2027-01-01") == (
        1,
        {"valid": False, "reason": "expired"},
    )


def test_export_public_keys_contains_no_private_key(key_file):
    out = io.StringIO()
    call_command("card", "export-public-keys", stdout=out)

    exported = json.loads(out.getvalue())
    assert [k["kid"] for k in exported["keys"]] == ["test2026"]
    private = json.loads(key_file.read_text())["keys"][0]["private_key"]
    assert private not in out.getvalue()


def test_the_embedded_profile_generates_a_key_file_on_first_use(tmp_path, settings, card):
    path = tmp_path / "var" / "card-keys.json"
    settings.CARD_KEYS_FILE = str(path)
    settings.CARD_KEYS_GENERATE = True

    payload = qr_payload(card)

    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert signing.parse(payload).kid in json.loads(path.read_text())["active"]


def test_a_reissued_card_replaces_the_old_one(api, card, facility):
    from ansinh.cards.services import current_card, issue_card

    new = issue_card(
        person=card.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(2027, 1, 1), valid_to=dt.date(2027, 12, 31),
        five_years_from=dt.date(2020, 1, 1), actor=Actor.command(),
    )  # fmt: skip

    card.refresh_from_db()
    assert card.replaced_at is not None
    assert current_card(person=card.person) == new


# --- The payload parser, property-based -------------------------------------------------------

_KEY = signing.Ed25519PrivateKey.generate()
_PUBLIC = {"k1": _KEY.public_key()}


@st.composite
def claims(draw):
    day = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2099, 12, 31))
    valid_from, valid_to = sorted([draw(day), draw(day)])
    return signing.Claims(
        card=draw(st.sampled_from(["DN", "HT", "GD"]))
        + str(draw(st.integers(1, 5)))
        + draw(st.from_regex(r"\A[0-9]{12}\Z")),
        name=draw(st.text(min_size=1, max_size=60)),
        dob=draw(day).isoformat(),
        facility=draw(st.from_regex(r"\A[0-9]{5}\Z")),
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat(),
        five_years=draw(st.none() | day.map(dt.date.isoformat)),
        issued=draw(day).isoformat(),
        # Version 2 (with a serial) and the version 1 payloads issued before it.
        serial=draw(st.none() | st.from_regex(r"\A[0-9a-f]{32}\Z")),
    )


@hsettings(max_examples=60, deadline=None)
@given(claims())
def test_every_signed_payload_parses_back_to_its_claims(value):
    payload = signing.sign(value, kid="k1", private_key=_KEY)

    assert signing.parse(payload).claims == value
    today = dt.date.fromisoformat(value.valid_from)
    verdict = signing.verify(payload, public_keys=_PUBLIC, today=today)
    assert verdict.valid


@hsettings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_the_parser_never_crashes_on_arbitrary_text(text):
    verdict = signing.verify(text, public_keys=_PUBLIC, today=dt.date(2026, 1, 1))

    assert verdict.valid is False
    assert verdict.reason in {"malformed", "unknown_key", "bad_signature"}


@hsettings(max_examples=100, deadline=None)
@given(claims(), st.integers(min_value=0), st.characters(codec="ascii"))
def test_changing_any_character_of_a_payload_makes_it_invalid(value, position, replacement):
    payload = signing.sign(value, kid="k1", private_key=_KEY)
    index = position % len(payload)
    if payload[index] == replacement:
        return
    changed = payload[:index] + replacement + payload[index + 1 :]

    today = dt.date.fromisoformat(value.valid_from)
    verdict = signing.verify(changed, public_keys=_PUBLIC, today=today)

    assert verdict.valid is False


def test_a_non_canonical_spelling_of_the_signature_is_malformed():
    value = signing.Claims(
        "DN4010123456789",
        "A",
        "1990-01-01",
        "01001",
        "2026-01-01",
        "2026-12-31",
        None,
        "2026-01-01",
    )
    payload = signing.sign(value, kid="k1", private_key=_KEY)
    last = payload[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The last character of an 86-character signature carries 2 bits; its 4 low bits are 0.
    sibling = alphabet[alphabet.index(last) + 1]

    assert (
        signing.verify(
            payload[:-1] + sibling, public_keys=_PUBLIC, today=dt.date(2026, 1, 1)
        ).reason
        == "malformed"
    )
