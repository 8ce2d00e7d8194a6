"""The unread badge on "Thông báo" (issue 12 §2): the count of unread notices on the nav link
and on the phone's "Menu" button, in words for screen readers ("Thông báo, 3 chưa đọc"),
cleared when the notices page is opened; one COUNT query per page, none for anyone but a
signed-in citizen."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.notifications.services import notify

from .helpers import BACKOFFICE_LOGIN, login

pytestmark = pytest.mark.django_db

NOTICES_LINK = re.compile(r'<a href="/ca-nhan/thong-bao/" data-role="notices-link">(.*?)</a>', re.S)
SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S)


@pytest.fixture
def three_unread(citizen, outsider):
    for title in ("một", "hai", "ba"):
        notify(user=citizen, kind="test", title=title)
    notify(user=outsider, kind="test", title="not An's")
    return citizen


def spoken(fragment: str) -> str:
    """What a screen reader says for a fragment: aria-hidden parts left out, tags removed."""
    shown = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", fragment, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", shown).split())


def _notice_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "notifications_notice" in q["sql"]]


def test_the_nav_and_the_menu_button_show_the_unread_count_in_figures_and_words(
    client, three_unread
):
    login(client, "0123456789", CITIZEN_PASSWORD)

    page = client.get("/ca-nhan/").content.decode()

    link = NOTICES_LINK.search(page)
    assert link, "no notices link in the nav"
    assert 'data-role="unread">3<' in link.group(1)
    assert spoken(link.group(1)) == "Thông báo, 3 chưa đọc"
    summary = SUMMARY.search(page)
    assert summary and 'data-role="menu-unread">3<' in summary.group(1)
    assert spoken(summary.group(1)) == "Menu, 3 thông báo chưa đọc"


def test_the_badge_speaks_english_to_an_english_reader(client, three_unread):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(client, "0123456789", CITIZEN_PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/ca-nhan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    link = NOTICES_LINK.search(page)
    assert link and spoken(link.group(1)) == "Notifications, 3 unread"
    summary = SUMMARY.search(page)
    assert summary and spoken(summary.group(1)) == "Menu, 3 unread notifications"


def test_the_badge_costs_one_count_query_per_page(client, three_unread):
    login(client, "0123456789", CITIZEN_PASSWORD)

    for path in ("/ca-nhan/", "/ca-nhan/ho-so/", "/ca-nhan/ai-da-xem/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        notice_queries = _notice_queries(queries)
        assert len(notice_queries) == 1, (path, notice_queries)
        assert "COUNT(" in notice_queries[0].upper()


def test_no_query_for_pages_without_a_signed_in_citizen(client, three_unread, clerk):
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dang-nhap/").content.decode()
    assert _notice_queries(queries) == [] and 'class="badge"' not in page

    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    notify(user=clerk, kind="test", title="an office alert")
    with CaptureQueriesContext(connection) as queries:
        page = staff.get("/backoffice/").content.decode()
    assert _notice_queries(queries) == [] and 'class="badge"' not in page


def test_opening_the_notices_page_clears_the_badge_and_still_marks_what_was_new(
    client, three_unread
):
    login(client, "0123456789", CITIZEN_PASSWORD)

    opened = client.get("/ca-nhan/thong-bao/").content.decode()

    assert opened.count('data-role="new"') == 3  # what was new is marked on this visit
    assert 'class="badge"' not in opened  # and the badge is gone already
    again = client.get("/ca-nhan/").content.decode()
    assert 'class="badge"' not in again
    assert spoken(NOTICES_LINK.search(again).group(1)) == "Thông báo"
    assert 'data-role="new"' not in client.get("/ca-nhan/thong-bao/").content.decode()
