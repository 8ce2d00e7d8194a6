"""Defect q: CAPTCHA challenges could be minted without limit (``/captcha/refresh/`` and every
page that shows one). Minting and drawing are limited per client address (429 with
Retry-After, nothing stored), the table is capped (expired rows purged first, then 503 with
Retry-After) and expired challenges go with the retention purge."""

from __future__ import annotations

import datetime as dt

import pytest
from captcha.models import CaptchaStore
from django.utils import timezone

pytestmark = pytest.mark.django_db

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def _refresh(client, address="203.0.113.7"):
    return client.get("/captcha/refresh/", REMOTE_ADDR=address, **XHR)


def test_captcha_refresh_is_rate_limited_per_client_address(client, settings):
    settings.CAPTCHA_MINT_RATE = "3/m"
    for _ in range(3):
        assert _refresh(client).status_code == 200
    stored = CaptchaStore.objects.count()

    response = _refresh(client)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert int(response["Retry-After"]) > 0
    assert CaptchaStore.objects.count() == stored  # a refused challenge is not stored
    assert _refresh(client, "198.51.100.9").status_code == 200


@pytest.mark.parametrize("path", ["/quen-mat-khau/", "/dang-nhap/"])
def test_a_page_showing_a_captcha_counts_as_minting_and_answers_429(client, settings, path):
    settings.CAPTCHA_MINT_RATE = "2/m"
    for _ in range(2):
        assert client.get(path, REMOTE_ADDR="203.0.113.7").status_code == 200
    stored = CaptchaStore.objects.count()

    response = client.get(path, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "too_many_requests" in response.content.decode()
    assert "Có quá nhiều yêu cầu" in response.content.decode()  # Vietnamese first
    assert CaptchaStore.objects.count() == stored
    assert client.get(path, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_the_captcha_refresh_and_pages_share_one_budget_per_address(client, settings):
    settings.CAPTCHA_MINT_RATE = "2/m"
    assert client.get("/quen-mat-khau/", REMOTE_ADDR="203.0.113.7").status_code == 200
    assert _refresh(client).status_code == 200

    assert _refresh(client).status_code == 429


def _challenges(count, *, expired):
    now = timezone.now()
    when = now - dt.timedelta(minutes=1) if expired else now + dt.timedelta(minutes=4)
    for n in range(count):
        CaptchaStore.objects.create(
            challenge="ABCDE", response="abcde", hashkey=f"{expired:d}{n:039d}", expiration=when
        )


def test_captcha_storage_is_capped_expired_challenges_go_first(client, settings):
    settings.CAPTCHA_MAX_STORED = 5
    _challenges(5, expired=True)

    assert _refresh(client).status_code == 200
    assert CaptchaStore.objects.count() == 1  # the expired rows made room

    _challenges(4, expired=False)
    response = _refresh(client, "198.51.100.9")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "captcha_unavailable"
    assert "mã kiểm tra" in response.json()["error"]["message"]
    assert 0 < int(response["Retry-After"]) <= 5 * 60
    assert CaptchaStore.objects.count() == 5
    page = client.get("/quen-mat-khau/", REMOTE_ADDR="198.51.100.10")
    assert page.status_code == 503 and CaptchaStore.objects.count() == 5


def test_captcha_images_are_rate_limited_per_client_address(client, settings):
    settings.CAPTCHA_IMAGE_RATE = "2/m"
    key = _refresh(client).json()["key"]
    for _ in range(2):
        assert client.get(f"/captcha/image/{key}/", REMOTE_ADDR="203.0.113.7").status_code == 200

    response = client.get(f"/captcha/image/{key}/", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert client.get(f"/captcha/image/{key}/", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_the_retention_purge_deletes_expired_captcha_challenges(db):
    from ansinh.ops.retention import purge

    _challenges(3, expired=True)
    _challenges(2, expired=False)

    assert purge()["captchas"] == 3
    assert CaptchaStore.objects.count() == 2
