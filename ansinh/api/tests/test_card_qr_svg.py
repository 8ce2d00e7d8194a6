"""``GET /me/card`` hands the app the QR already drawn (``qr_svg``, issue 13), an additive
field next to ``qr``: a standalone SVG that draws exactly the payload's QR symbol, with the
quiet zone a scanner needs and nothing a page could run."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import segno
from django.utils import timezone

from ansinh.cards.services import QR_QUIET_ZONE, issue_card
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(citizen):
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    today = timezone.localdate()
    return issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(today.year, 1, 1), valid_to=dt.date(today.year + 1, 12, 31),
        five_years_from=None, actor=Actor.command(),
    )  # fmt: skip


def _modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules the SVG's path draws: segno writes each row's runs as ``M``/``m``
    moves and ``h`` strokes one module high, centred on the row (``y + 0.5``)."""
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg)
    assert path, svg[:300]
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                dark.add((int(y - 0.5), column))
            x += float(a)
    return dark


def test_the_card_comes_with_its_qr_drawn_as_a_standalone_svg(api, card):
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]

    body = api.get("/me/card", token=token).json()

    svg = body["qr_svg"]
    assert svg.startswith('<svg shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in svg
    assert not re.search(r"\son\w+=", svg)  # no event handler attributes
    assert re.search(r"<title>[^<]*DN4010123456789</title>", svg)  # what a screen reader says
    symbol = segno.make(body["qr"], error="m", micro=False)
    size = symbol.symbol_size(border=QR_QUIET_ZONE)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg
    expected = {
        (row + QR_QUIET_ZONE, column + QR_QUIET_ZONE)
        for row, line in enumerate(symbol.matrix)
        for column, value in enumerate(line)
        if value
    }
    assert _modules(svg) == expected


def test_the_qr_svg_is_in_the_openapi_document(api):
    schema = api.get("/openapi.json").json()["components"]["schemas"]["CardOut"]

    assert "qr_svg" in schema["required"]
    assert schema["properties"]["qr_svg"]["type"] == "string"


def test_a_certificate_comes_with_its_qr_drawn_and_the_list_without(api, citizen):
    """Issue 15: the app shows a certificate's QR as the card's, from ``qr_svg``; the list
    leaves it out (null), so a long list draws none."""
    token = api.login("0123456789", CITIZEN_PASSWORD)["access_token"]

    issued = api.post("/me/certificates", {}, token=token).json()
    one = api.get(f"/me/certificates/{issued['id']}", token=token).json()
    listed = api.get("/me/certificates", token=token).json()["items"]

    for body in (issued, one):
        symbol = segno.make(body["payload"], error="m", micro=False)
        expected = {
            (row + QR_QUIET_ZONE, column + QR_QUIET_ZONE)
            for row, line in enumerate(symbol.matrix)
            for column, value in enumerate(line)
            if value
        }
        assert _modules(body["qr_svg"]) == expected
        assert "<script" not in body["qr_svg"]
        assert re.search(rf"<title>[^<]*{issued['id']}</title>", body["qr_svg"])
    assert [item["qr_svg"] for item in listed] == [None]
