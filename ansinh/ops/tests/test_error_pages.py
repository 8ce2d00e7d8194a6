"""Branded error pages (issue 12 §2): 404, 403, the CSRF failure and 500 in the person's
language, each with a way home and the hotline; the 500 page never touches the database;
a favicon linked from every page and served at ``/favicon.ico``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

HOTLINE = "1900 9068"
HOME_LINK = re.compile(r'<a class="button[a-z ]*" href="/">')


def _client(language: str = "vi", **kwargs: object) -> Client:
    client = Client(**kwargs)  # type: ignore[arg-type]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _assert_branded(body: str) -> None:
    assert HOME_LINK.search(body), "no way home"
    assert HOTLINE in body
    assert "favicon.svg" in body


@pytest.mark.django_db
def test_unknown_page_is_a_branded_vietnamese_404_with_a_way_home():
    response = _client().get("/khong-co-trang-nay/")

    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Không tìm thấy trang" in body
    _assert_branded(body)


@pytest.mark.django_db
def test_the_404_page_speaks_english_to_an_english_reader():
    response = _client("en").get("/khong-co-trang-nay/")

    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Page not found" in body
    _assert_branded(body)


@pytest.mark.django_db
def test_a_refused_back_office_page_is_the_branded_403_page():
    from ansinh.accounts.models import User

    User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    client = _client()
    login(client, "quantri", "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)
    response = client.get("/backoffice/keys/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Bạn không thể mở trang này" in body
    _assert_branded(body)


@pytest.mark.django_db
def test_a_stale_form_token_gets_the_session_expired_page_with_a_way_back_to_the_form():
    client = _client(enforce_csrf_checks=True)
    response = client.post(
        "/dang-nhap/",
        {"username": "0123456789", "password": "x"},
        HTTP_REFERER="http://testserver/dang-nhap/?next=/ca-nhan/",
    )

    assert response.status_code == 403
    body = response.content.decode()
    assert "Phiên làm việc đã hết hạn, vui lòng thử lại" in body
    assert 'href="http://testserver/dang-nhap/?next=/ca-nhan/"' in body
    _assert_branded(body)


@pytest.mark.django_db
def test_the_session_expired_page_never_links_back_to_another_site():
    client = _client("en", enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {}, HTTP_REFERER="https://evil.example/dang-nhap/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Your session has expired, please try again" in body
    assert "evil.example" not in body
    assert 'href="/dang-nhap/"' in body


@pytest.fixture
def queries() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


@pytest.mark.django_db
@pytest.mark.urls("ansinh.ops.tests.boom_urls")
@pytest.mark.parametrize(
    ("language", "title"),
    [("vi", "Đã có lỗi từ phía chúng tôi"), ("en", "Something went wrong on our side")],
)
def test_a_failing_page_is_the_branded_500_page_without_touching_the_database(
    language, title, queries
):
    response = _client(language, raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert title in body
    _assert_branded(body)
    assert queries == []


@pytest.mark.django_db
def test_the_favicon_is_linked_and_served_at_favicon_ico():
    client = _client()
    page = client.get("/dang-nhap/").content.decode()
    icon = client.get("/favicon.ico")
    svg = re.search(r'<link rel="icon" href="([^"]+\.svg)"', page)

    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"
    assert svg is not None
    assert client.get(svg.group(1)).status_code == 200
