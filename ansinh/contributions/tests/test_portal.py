"""The portal's participation pages and card page (server-rendered), through the login form."""

from __future__ import annotations

import datetime as dt

import pytest

from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.portal.tests.helpers import data_field, login, text

from .conftest import line, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(api, citizen, unit_key):
    send(
        api,
        unit_key,
        "R-1",
        "2026-10",
        [line("0123456789", "hire", "2026-01", salary=10_000_000, job_title="Kế toán")],
    )


def test_the_history_page_shows_periods_totals_and_the_unit_that_owes(client, history):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get("/ca-nhan/qua-trinh-tham-gia/")

    assert response.status_code == 200
    assert data_field(response, "total_months").startswith("10")
    # 2026-01..2026-09 are past due; 2026-10 is due by 2026-11-30 (today is 2026-11-15).
    assert data_field(response, "unpaid_months").startswith("9")
    page = text(response.content)
    assert "01/2026" in page and "10/2026" in page and "10.000.000" in page
    assert "TA01234 Công ty TNHH An Khang: 01/2026, 02/2026" in page  # months as people write them
    assert "2026-0" not in page
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("slug", ["bhxh", "bhyt", "bhtn", "bhtnld-bnn"])
def test_each_scheme_has_its_page(client, history, slug):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get(f"/ca-nhan/qua-trinh-tham-gia/{slug}/")

    assert response.status_code == 200
    assert f'data-scheme="{slug}"' in response.content.decode()


def test_an_unknown_scheme_is_404(client, history):
    login(client, "0123456789", CITIZEN_PASSWORD)

    assert client.get("/ca-nhan/qua-trinh-tham-gia/abc/").status_code == 404


def test_another_citizen_sees_only_their_own_empty_history(client, history, outsider):
    login(client, "7912345678", OTHER_PASSWORD)

    response = client.get("/ca-nhan/qua-trinh-tham-gia/")

    assert "Công ty TNHH An Khang" not in response.content.decode()
    assert data_field(response, "total_months").startswith("0")


def test_the_pages_need_a_login(client):
    for path in ("/ca-nhan/qua-trinh-tham-gia/", "/ca-nhan/the-bhyt/"):
        response = client.get(path)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_the_card_page_shows_the_card_and_an_inline_svg_qr(client, citizen, settings, tmp_path):
    from ansinh.cards.services import issue_card
    from ansinh.lib.actor import Actor
    from ansinh.people.models import HealthFacility

    settings.CARD_KEYS_FILE = str(tmp_path / "keys.json")
    facility = HealthFacility.objects.create(
        code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    issue_card(
        person=citizen.person, group="DN", benefit_level=4, facility=facility,
        valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31),
        five_years_from=dt.date(2020, 1, 1), actor=Actor.command(),
    )  # fmt: skip
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get("/ca-nhan/the-bhyt/")

    html = response.content.decode()
    assert data_field(response, "card_code") == "DN4010123456789"
    assert "<svg" in html and "<script" not in html and "data:" not in html


def test_no_card_page(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.get("/ca-nhan/the-bhyt/")

    assert response.status_code == 200
    assert 'data-field="no_card"' in response.content.decode()
