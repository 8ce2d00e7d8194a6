"""The development mailbox (embedded profile without SMTP, DESIGN §6): ``DevMailboxBackend``
keeps every message the worker delivers, and ``/dev/mailbox/`` lists and shows them. That it
does not exist in production is checked in ``ansinh/ops/tests/test_settings.py``."""

from __future__ import annotations

import re
from html import escape

import pytest
from django.core.mail import send_mail

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.notifications.models import DevMailboxMessage, EmailStatus, OutboundEmail

pytestmark = pytest.mark.django_db

MAILBOX = "/dev/mailbox/"
NEW_PASSWORD = "Mot-Mat-Khau-Moi-That-Dai"


@pytest.fixture(autouse=True)
def _dev_mailbox_backend(settings):
    settings.EMAIL_BACKEND = "ansinh.notifications.devmailbox.DevMailboxBackend"
    settings.DEV_MAILBOX = True


def _change_password(api) -> OutboundEmail:
    tokens = api.login("0123456789", CITIZEN_PASSWORD)
    response = api.post(
        "/auth/password",
        {"current_password": CITIZEN_PASSWORD, "new_password": NEW_PASSWORD},
        token=tokens["access_token"],
    )
    assert response.status_code == 204
    return OutboundEmail.objects.get()


def test_backend_keeps_the_delivered_email_with_both_parts_and_its_message_id(api, citizen):
    row = _change_password(api)

    assert row.status == EmailStatus.SENT
    [kept] = DevMailboxMessage.objects.all()
    assert kept.recipients == "an.nguyen@example.com"
    assert (kept.subject, kept.body_text, kept.body_html) == (
        row.subject,
        row.body_text,
        row.body_html,
    )
    assert kept.message_id == row.message_id


def test_mailbox_lists_the_delivered_email_with_a_link_to_it(client, api, citizen):
    row = _change_password(api)
    kept = DevMailboxMessage.objects.get()

    response = client.get(MAILBOX)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{MAILBOX}{kept.pk}/"' in page
    assert "an.nguyen@example.com" in page
    assert escape(row.subject) in page


def test_mailbox_message_page_shows_the_text_and_the_html_part_sandboxed(client, api, citizen):
    row = _change_password(api)
    kept = DevMailboxMessage.objects.get()

    response = client.get(f"{MAILBOX}{kept.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert escape(row.body_text) in page
    # The HTML part is shown in a sandboxed frame, never inlined into the page.
    assert 'sandbox=""' in page
    assert f'srcdoc="{escape(row.body_html)}"' in page
    assert row.body_html not in page


def test_mailbox_lists_the_newest_email_first(client, citizen):
    send_mail("Thư thứ nhất", "Một", None, ["an.nguyen@example.com"])
    send_mail("Thư thứ hai", "Hai", None, ["an.nguyen@example.com"])

    page = client.get(MAILBOX).content.decode()

    assert page.index("Thư thứ hai") < page.index("Thư thứ nhất")


def test_mailbox_escapes_what_it_shows(client):
    send_mail("<script>alert(1)</script>", "<b>text</b>", None, ["x@example.com"])
    kept = DevMailboxMessage.objects.get()

    listing = client.get(MAILBOX).content.decode()
    message = client.get(f"{MAILBOX}{kept.pk}/").content.decode()

    for page in (listing, message):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;text&lt;/b&gt;" in message


def test_message_without_an_html_part_shows_no_frame(client):
    send_mail("Chỉ có chữ", "Nội dung", None, ["x@example.com"])
    kept = DevMailboxMessage.objects.get()

    page = client.get(f"{MAILBOX}{kept.pk}/").content.decode()

    assert kept.body_html == ""
    assert "<iframe" not in page


def test_empty_mailbox_lists_nothing(client):
    response = client.get(MAILBOX)

    assert response.status_code == 200
    assert not re.search(r'href="/dev/mailbox/[0-9]+/"', response.content.decode())


def test_unknown_message_is_a_404(client):
    send_mail("Một thư", "Nội dung", None, ["x@example.com"])
    missing = DevMailboxMessage.objects.get().pk + 1

    assert client.get(f"{MAILBOX}{missing}/").status_code == 404


def test_pages_link_to_the_mailbox_only_while_it_exists(client, settings):
    assert f'href="{MAILBOX}"' in client.get("/").content.decode()

    settings.DEV_MAILBOX = False

    assert f'href="{MAILBOX}"' not in client.get("/").content.decode()


def test_mailbox_pages_are_404_when_the_mailbox_is_off(client, settings):
    send_mail("Một thư", "Nội dung", None, ["x@example.com"])
    kept = DevMailboxMessage.objects.get()
    settings.DEV_MAILBOX = False

    assert client.get(MAILBOX).status_code == 404
    assert client.get(f"{MAILBOX}{kept.pk}/").status_code == 404
