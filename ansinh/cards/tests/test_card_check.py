"""The public card check (issue 12 §2 "Tra cứu thẻ BHYT"): the portal page ``/tra-cuu-the-bhyt/``
checks a card by its printed details or its QR text through ``cards.verification``, with the
API's per-address limit (one bucket for both doors), a limit on misses per card number, and the
"Mã kiểm tra"; it shows only what ``/cards/verify`` returns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from ansinh.audit.models import AuditEvent
from ansinh.cards import signing
from ansinh.cards.models import Card
from ansinh.cards.services import issue_card, qr_payload
from ansinh.cards.verification import Status, check_card
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.errors import Invalid, Throttled
from ansinh.portal.tests.helpers import alert_text, text

pytestmark = pytest.mark.django_db

PAGE = "/tra-cuu-the-bhyt/"
TODAY = "2026-11-15 10:00:00+07:00"
AN = {"number": "DN4010123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "17/05/1990"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def _check(
    client: Client, fields: dict[str, str], *, by_qr: bool = False, captcha: str = "PASSED"
) -> Any:
    data = {"captcha_0": "anykey", "captcha_1": captcha, **fields}
    return client.post(PAGE + ("?cach=qr" if by_qr else ""), data)


def _status(response: Any) -> str | None:
    content = response.content.decode()
    marker = 'data-status="'
    if marker not in content:
        return None
    return content.split(marker, 1)[1].split('"', 1)[0]


def _actor(ip: str = "203.0.113.7") -> Actor:
    return Actor(channel=Channel.PORTAL, ip=ip)


# --- The page -----------------------------------------------------------------------------------


def test_the_page_opens_without_signing_in_with_both_ways_and_a_captcha(client):
    details = client.get(PAGE)
    by_qr = client.get(PAGE + "?cach=qr")

    assert details.status_code == 200 and by_qr.status_code == 200
    assert 'name="number"' in details.content.decode()
    assert 'name="full_name"' in details.content.decode()
    assert 'name="captcha_1"' in details.content.decode()
    assert 'name="qr"' in by_qr.content.decode()
    assert 'name="captcha_1"' in by_qr.content.decode()
    assert (
        details["Cache-Control"].startswith("max-age=0") or "no-store" in details["Cache-Control"]
    )


def test_a_valid_card_by_its_printed_details_shows_what_verify_returns(client, card):
    response = _check(client, AN)

    assert response.status_code == 200
    assert _status(response) == "valid"
    page = text(response.content)
    assert "Thẻ còn giá trị sử dụng" in page
    assert "DN4010123456789" in page and "Nguyễn Văn An" in page
    assert "17/05/1990" in page and "01/01/2026" in page and "31/12/2026" in page
    assert "01001 — Bệnh viện Bạch Mai" in page


def test_the_details_are_accepted_as_people_type_them(client, card):
    typed = {
        "number": "dn4 01 0123-456-789",
        "full_name": "  nguyễn   VĂN an ",
        "date_of_birth": "17051990",
    }

    assert _status(_check(client, typed)) == "valid"
    # The BHXH code alone finds the card in force.
    assert _status(_check(client, {**AN, "number": "0123 456 789"})) == "valid"


def test_a_replaced_card_is_revoked_and_shows_nothing_of_the_card(client, card, facility):
    issue_card(
        person=card.person, group="HC", benefit_level=4, facility=facility,
        valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31),
        five_years_from=None, actor=Actor.command(),
    )  # fmt: skip

    old = _check(client, AN)
    new = _check(client, {**AN, "number": "HC4010123456789"})

    assert _status(old) == "revoked"
    assert "thẻ đã được thay bằng thẻ mới" in text(old.content)
    for leaked in ("Bạch Mai", "31/12/2026", "DN4010123456789</dd>"):
        assert leaked not in old.content.decode()
    assert _status(new) == "valid"


def test_an_expired_card_says_so_without_its_details(client, card, _clock):
    _clock.move_to("2027-01-02 09:00:00+07:00")

    response = _check(client, AN)

    assert _status(response) == "expired"
    assert "Bạch Mai" not in response.content.decode()
    assert "31/12/2026" not in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"full_name": "Nguyễn Văn Ân"},  # diacritics count
        {"date_of_birth": "1990-05-18"},
        {"number": "DN4010123456780"},  # nobody's
        {"number": "GD4010123456789"},  # An's code, a card he never had
    ],
    ids=["name", "date_of_birth", "unknown_number", "other_group"],
)
def test_any_mismatch_is_answered_as_not_found(client, card, change):
    response = _check(client, {**AN, **change})

    assert response.status_code == 200
    assert _status(response) == "not_found"
    assert "Không tìm thấy thẻ" in text(response.content)
    assert "Bạch Mai" not in response.content.decode()


def test_bad_input_is_a_clear_vietnamese_error_and_changes_nothing(client, card, settings):
    settings.CARD_VERIFY_RATE = "1/m"
    events, cards = AuditEvent.objects.count(), list(Card.objects.values())

    response = _check(client, {"number": "abc", "full_name": " ", "date_of_birth": "31/02/1990"})

    assert response.status_code == 400
    assert _status(response) is None
    summary = alert_text(response)
    assert "mã số BHXH 10 chữ số" in summary
    assert "Họ và tên" in summary
    assert AuditEvent.objects.count() == events and list(Card.objects.values()) == cards
    # Nothing was counted: the one check a minute of this address is still there.
    assert _status(_check(client, AN)) == "valid"


def test_a_malformed_card_number_is_refused_by_the_service_before_counting(card, settings):
    settings.CARD_VERIFY_RATE = "1/m"
    with pytest.raises(Invalid) as refused:
        check_card(number="DN40101234", full_name="Nguyễn Văn An",
                   date_of_birth=dt.date(1990, 5, 17), actor=_actor())  # fmt: skip

    assert set(refused.value.fields) == {"number"}
    result = check_card(number="DN4010123456789", full_name="Nguyễn Văn An",
                        date_of_birth=dt.date(1990, 5, 17), actor=_actor())  # fmt: skip
    assert result.status is Status.VALID


def test_a_wrong_captcha_checks_nothing(client, card, settings):
    settings.CARD_VERIFY_RATE = "1/m"

    response = _check(client, AN, captcha="99999")

    assert response.status_code == 400
    assert _status(response) is None
    assert "Mã kiểm tra" in alert_text(response)
    assert _status(_check(client, AN)) == "valid"  # the address's one check is still there


def test_the_page_and_the_api_share_the_per_address_limit(api, card, settings):
    settings.CARD_VERIFY_RATE = "3/m"
    client = Client(REMOTE_ADDR="203.0.113.7")  # the address the ``api`` fixture calls from
    assert _status(_check(client, AN)) == "valid"
    assert api.post("/cards/verify", {"qr": qr_payload(card)}).status_code == 200
    assert _status(_check(client, {"qr": qr_payload(card)}, by_qr=True)) == "valid"

    page = _check(client, AN)
    from_api = api.post("/cards/verify", {"qr": qr_payload(card)})

    assert page.status_code == 429 and _status(page) is None
    assert "quá nhiều yêu cầu" in alert_text(page)
    assert from_api.status_code == 429
    assert from_api.json()["error"]["code"] == "too_many_requests"
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert _status(_check(other, AN)) == "valid"


def test_misses_per_card_number_are_limited_from_every_address(card, settings):
    settings.CARD_LOOKUP_MISS_RATE = "2/h"
    for ip in ("203.0.113.1", "203.0.113.2"):
        missed = check_card(number="0123456789", full_name="Nguyễn Văn An",
                            date_of_birth=dt.date(1990, 1, 1), actor=_actor(ip))  # fmt: skip
        assert missed.status is Status.NOT_FOUND

    with pytest.raises(Throttled) as refused:
        check_card(number="DN4010123456789", full_name="Nguyễn Văn An",
                   date_of_birth=dt.date(1990, 5, 17), actor=_actor("203.0.113.3"))  # fmt: skip

    assert refused.value.code == "too_many_misses" and refused.value.retry_after > 0
    # Another number is not affected, and an unknown number is limited the same way (no oracle).
    for _ in range(2):
        check_card(number="7912345678", full_name="X", date_of_birth=dt.date(1990, 1, 1),
                   actor=_actor())  # fmt: skip
    with pytest.raises(Throttled):
        check_card(number="7912345678", full_name="X", date_of_birth=dt.date(1990, 1, 1),
                   actor=_actor())  # fmt: skip


def test_a_valid_qr_payload_shows_the_signed_facts(client, card):
    response = _check(client, {"qr": qr_payload(card)}, by_qr=True)

    assert _status(response) == "valid"
    page = text(response.content)
    assert "DN4010123456789" in page and "Nguyễn Văn An" in page and "Bệnh viện Bạch Mai" in page


def test_a_pasted_payload_wrapped_on_lines_still_verifies(client, card):
    payload = qr_payload(card)
    wrapped = "\n".join(payload[i : i + 40] for i in range(0, len(payload), 40))

    assert _status(_check(client, {"qr": wrapped}, by_qr=True)) == "valid"


def test_an_altered_or_garbage_qr_is_refused_with_its_reason(client, card):
    payload = qr_payload(card)
    prefix, kid, body, signature = payload.split(".")
    forged = ".".join([prefix, kid, body, signing.b64encode(b"\x00" * 64)])

    assert _status(_check(client, {"qr": forged}, by_qr=True)) == "not_genuine"
    assert _status(_check(client, {"qr": "hello"}, by_qr=True)) == "malformed"
    empty = _check(client, {"qr": "   "}, by_qr=True)
    assert empty.status_code == 400 and _status(empty) is None
