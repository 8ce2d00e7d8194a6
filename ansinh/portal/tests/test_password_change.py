"""Changing the password on the portal (DESIGN §3.2): the current password is needed, the
policy holds, every other session ends and the address on record is told."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, run_on_commit

from .helpers import (
    PORTAL_HOME,
    PORTAL_LOGIN,
    PORTAL_LOGOUT,
    PORTAL_PASSWORD,
    is_signed_in,
    login,
    post_login,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Song-Hong-Mua-Thu-2027"


def change(client: Client, current: str, new: str, again: str | None = None):
    data = {
        "current_password": current,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }
    with run_on_commit():
        return client.post(PORTAL_PASSWORD, data)


@pytest.fixture
def signed_in(client: Client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)
    return client


def assert_password_unchanged(user) -> None:
    user.refresh_from_db()
    assert user.check_password(CITIZEN_PASSWORD)


def test_password_page_has_a_label_for_every_input(signed_in):
    response = signed_in.get(PORTAL_PASSWORD)

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("current_password", "new_password", "new_password_again"):
        assert f'<label for="id_{name}">' in page
        assert f'name="{name}"' in page
    assert 'autocomplete="new-password"' in page
    # The help text is tied to its input for screen readers.
    assert 'aria-describedby="id_new_password_helptext"' in page
    assert 'id="id_new_password_helptext"' in page


def test_password_page_needs_a_session(client):
    response = client.get(PORTAL_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(PORTAL_LOGIN)


def test_wrong_current_password_is_refused(signed_in, citizen, mailoutbox):
    response = change(signed_in, "Not-The-Password-2026", NEW_PASSWORD)

    assert response.status_code == 400
    assert 'id="id_current_password_error"' in response.content.decode()
    assert_password_unchanged(citizen)
    assert mailoutbox == []
    assert AuditEvent.objects.filter(event="password.change_failed", subject=citizen).exists()


@pytest.mark.parametrize(
    "weak",
    [
        "Ma-0123456789-moi",  # the person's own BHXH code
        "cccd001090012345",  # the person's CCCD
        "Nguyen-Van-An-2027",  # the person's name, without diacritics
        "Sinh17051990!!",  # the date of birth
        "Hoa-Sen-Hue",  # 11 characters: too short
        "password1234",  # a common password
        "x" * 129,  # too long
    ],
)
def test_weak_new_password_is_refused_and_nothing_changes(signed_in, citizen, mailoutbox, weak):
    response = change(signed_in, CITIZEN_PASSWORD, weak)

    assert response.status_code == 400
    assert 'id="id_new_password_error"' in response.content.decode()
    assert_password_unchanged(citizen)
    assert is_signed_in(signed_in)
    assert mailoutbox == []


def test_new_password_equal_to_the_current_one_is_refused(signed_in, citizen, mailoutbox):
    response = change(signed_in, CITIZEN_PASSWORD, CITIZEN_PASSWORD)

    assert response.status_code == 400
    assert 'id="id_new_password_error"' in response.content.decode()
    assert mailoutbox == []


def test_mismatched_confirmation_is_refused(signed_in, citizen, mailoutbox):
    response = change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD, again=NEW_PASSWORD + "x")

    assert response.status_code == 400
    assert 'id="id_new_password_again_error"' in response.content.decode()
    assert_password_unchanged(citizen)
    assert mailoutbox == []


def test_errors_are_announced_and_the_passwords_are_not_echoed(signed_in):
    response = change(signed_in, "Not-The-Password-2026", NEW_PASSWORD)

    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'aria-invalid="true"' in page
    assert "Not-The-Password-2026" not in page
    assert NEW_PASSWORD not in page


def test_password_change_signs_out_other_sessions_and_keeps_this_one(
    signed_in, citizen, mailoutbox
):
    other = Client()
    login(other, "001090012345", CITIZEN_PASSWORD)
    assert other.get(PORTAL_HOME).status_code == 200

    response = change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_HOME
    assert signed_in.get(PORTAL_HOME).status_code == 200
    assert other.get(PORTAL_HOME).status_code == 302
    assert not is_signed_in(other)
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert not citizen.check_password(CITIZEN_PASSWORD)


def test_password_change_is_announced_by_email_to_the_address_on_record(
    signed_in, citizen, mailoutbox
):
    change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["an.nguyen@example.com"]
    assert NEW_PASSWORD not in message.body
    assert [mime for _, mime in message.alternatives] == ["text/html"]


def test_success_message_is_shown_once(signed_in):
    home = signed_in.get(change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD).headers["Location"])

    assert '<ul class="messages" role="status">' in home.content.decode()
    assert '<ul class="messages"' not in signed_in.get(PORTAL_HOME).content.decode()


def test_new_password_works_and_the_old_one_does_not(signed_in, citizen):
    change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD)
    signed_in.post(PORTAL_LOGOUT)
    fresh = Client()

    assert post_login(fresh, "0123456789", CITIZEN_PASSWORD).status_code == 401
    assert post_login(fresh, "0123456789", NEW_PASSWORD).status_code == 302


def test_citizen_without_email_can_change_password_and_no_email_is_sent(
    client, citizen_no_email, mailoutbox
):
    login(client, "0123456790", CITIZEN_PASSWORD)

    response = change(client, CITIZEN_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert mailoutbox == []


def test_password_change_required_confines_the_account_to_the_change_page(
    client, citizen, mailoutbox
):
    citizen.password_change_required = True
    citizen.save(update_fields=["password_change_required"])

    response = post_login(client, "0123456789", CITIZEN_PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == PORTAL_PASSWORD
    for path in (PORTAL_HOME, "/", PORTAL_LOGIN, "/backoffice/", "/dev/mailbox/"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.headers["Location"] == PORTAL_PASSWORD, path
    page = client.get(PORTAL_PASSWORD)
    assert page.status_code == 200
    assert '<a href="/ca-nhan/">' not in page.content.decode()


def test_password_change_required_still_allows_logout(client, citizen):
    citizen.password_change_required = True
    citizen.save(update_fields=["password_change_required"])
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = client.post(PORTAL_LOGOUT)

    assert response.status_code == 302
    assert not is_signed_in(client)


def test_changing_the_password_clears_the_required_flag(client, citizen, mailoutbox):
    citizen.password_change_required = True
    citizen.save(update_fields=["password_change_required"])
    login(client, "0123456789", CITIZEN_PASSWORD)

    response = change(client, CITIZEN_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.password_change_required is False
    assert client.get(PORTAL_HOME).status_code == 200


def test_guessing_the_current_password_in_a_hijacked_session_is_throttled(signed_in, citizen):
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            change(signed_in, f"Doan-Mo-Mat-Khau-{i}", NEW_PASSWORD).status_code for i in range(6)
        ]
        right = change(signed_in, CITIZEN_PASSWORD, NEW_PASSWORD)
    assert statuses == [400] * 5 + [429]
    assert right.status_code == 429
    assert_password_unchanged(citizen)
