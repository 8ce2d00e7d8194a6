"""The portal's card page and its full-screen QR (issue 12 §1b) without a browser: what a clinic
reads beside the QR, in Vietnamese and English, and how the QR is drawn. The screen itself is
checked in Chromium (ansinh/portal/tests/test_browser_card.py)."""

from __future__ import annotations

import re

import pytest
import segno

from ansinh.cards import services
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.portal.tests.helpers import login, text

pytestmark = pytest.mark.django_db

CARD_PAGE = "/ca-nhan/the-bhyt/"
FULL_SCREEN = "/ca-nhan/the-bhyt/ma-qr/"
SVG_RE = re.compile(r'<svg width="(\d+)" height="(\d+)"[^>]* viewBox="0 0 (\d+) (\d+)"')


def test_the_card_page_shows_what_a_clinic_needs_beside_the_qr(client, card):
    login(client, "0123456789", CITIZEN_PASSWORD)
    page = client.get(CARD_PAGE).content.decode()
    shown = text(page)
    assert "Mã số BHXH 0123456789" in shown
    assert "Giới tính Nam" in shown
    assert "DN — Người lao động trong doanh nghiệp" in shown
    assert "4 — 80 % chi phí trong phạm vi BHYT" in shown
    assert f'href="{FULL_SCREEN}"' in page and "Phóng to mã QR" in shown


def test_the_card_page_explains_the_codes_in_english(client, card):
    card.person.language = "en"
    card.person.save(update_fields=["language"])
    login(client, "0123456789", CITIZEN_PASSWORD)
    shown = text(client.get(CARD_PAGE, headers={"accept-language": "en"}).content)
    assert "BHXH code 0123456789" in shown
    assert "Sex Male" in shown
    assert "DN — Employee of an enterprise" in shown
    assert "4 — 80 % of covered costs" in shown
    assert "Enlarge the QR code" in shown


def test_the_card_qr_is_drawn_in_module_units_at_four_px_a_module(client, card):
    login(client, "0123456789", CITIZEN_PASSWORD)
    page = client.get(CARD_PAGE).content.decode()
    match = SVG_RE.search(page)
    assert match, "the card's QR has no viewBox"
    width, height, vb_width, vb_height = map(int, match.groups())
    symbol = segno.make(services.qr_payload(card), error="m", micro=False)
    modules = symbol.symbol_size(border=services.QR_QUIET_ZONE)[0]
    assert (vb_width, vb_height) == (modules, modules)
    assert (width, height) == (modules * services.QR_MODULE_PX, modules * services.QR_MODULE_PX)
    assert 'role="img"' in page and 'aria-label="Mã QR của thẻ BHYT DN4010123456789"' in page


def test_the_qr_keeps_a_four_module_quiet_zone():
    image = services.qr_image("AS1.test.payload", label="QR")
    # The light background covers the whole viewBox; the first dark module (the top-left
    # finder pattern) starts 4 modules in.
    assert f'd="M0 0h{image.modules}v{image.modules}h-{image.modules}z"' in image.svg
    assert 'stroke="#000" d="M4 4.5h7' in image.svg
    assert image.size_px == image.modules * services.QR_MODULE_PX


def test_the_full_screen_qr_shows_the_same_payload_with_a_close_button(client, card):
    login(client, "0123456789", CITIZEN_PASSWORD)
    page = client.get(FULL_SCREEN).content.decode()
    assert 'data-field="qr-full"' in page
    assert f'href="{CARD_PAGE}#qr"' in page and "Đóng" in text(page)
    card_page = client.get(CARD_PAGE).content.decode()
    # The same drawing (same payload), only larger.
    paths = re.compile(r'stroke="#000" d="([^"]+)"')
    assert paths.search(page).group(1) == paths.search(card_page).group(1)


def test_the_full_screen_qr_needs_sign_in_and_a_card(client, card, outsider):
    response = client.get(FULL_SCREEN)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    login(client, outsider.username, OTHER_PASSWORD)
    assert client.get(FULL_SCREEN).status_code == 404
