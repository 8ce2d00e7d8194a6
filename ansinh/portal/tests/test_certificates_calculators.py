"""The portal's calculators page and certificate pages (issue 15 §3), without a browser."""

from __future__ import annotations

import pytest

from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD
from ansinh.contributions.models import ParticipationCertificate

from .helpers import login

pytestmark = pytest.mark.django_db


def test_the_household_calculator_answers_with_its_sources(client):
    response = client.get("/may-tinh-bhxh/?loai=ho-gia-dinh&ho-gia-dinh-members=2")

    assert response.status_code == 200
    text = response.content.decode()
    assert "179.010 đồng" in text  # 105,300 + 73,710
    assert "Nghị định 146/2018/NĐ-CP" in text


def test_an_income_below_the_poverty_line_is_refused_on_the_page(client):
    response = client.get(
        "/may-tinh-bhxh/?loai=tu-nguyen&tu-nguyen-income=1000&tu-nguyen-group=poor"
    )

    assert response.status_code == 400
    assert "1.500.000" in response.content.decode()


def test_the_certificate_page_is_marked_as_a_copy_and_revocable(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    response = client.post("/ca-nhan/giay-chung-nhan/")
    assert response.status_code == 302, response.content[:300]
    certificate = ParticipationCertificate.objects.get(person=citizen.person)

    page = client.get(response["Location"])

    assert "Bản xem trên màn hình — không phải bản chứng nhận" in page.content.decode()
    client.post(f"/ca-nhan/giay-chung-nhan/{certificate.public_id.hex}/thu-hoi/")
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None


def test_another_persons_certificate_page_is_not_found(client, citizen, outsider):
    login(client, "0123456789", CITIZEN_PASSWORD)
    client.post("/ca-nhan/giay-chung-nhan/")
    certificate = ParticipationCertificate.objects.get(person=citizen.person)
    client.logout()
    login(client, "7912345678", OTHER_PASSWORD)

    for suffix in ("", "tai-ve/"):
        url = f"/ca-nhan/giay-chung-nhan/{certificate.public_id.hex}/{suffix}"
        assert client.get(url).status_code == 404
