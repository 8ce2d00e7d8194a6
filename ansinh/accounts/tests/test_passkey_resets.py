"""Resets and passkeys (issue 13): a recovery, a password change, "sign out everywhere" and an
administrator's "end sessions" end the tokens a passkey signed in to, like any others, but
delete no passkey: the person is told they still sign in (emails, the logout-all answer and
notice). A sign-in racing a reset gets nothing. An email dispute (someone else may have had
the account) stops passkey sign-in until the owner recovers through the old address."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ansinh.accounts import passkey_login
from ansinh.accounts.models import DeviceSession, Passkey, User
from ansinh.accounts.services import end_sessions_by_admin
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, Api
from ansinh.lib.actor import Actor
from ansinh.notifications.models import Notice
from ansinh.recovery.tests.helpers import NEW_PASSWORD, last_code, start_id, verify

from .passkey_helpers import BHXH, add_passkey, sign_in_with

pytestmark = pytest.mark.django_db

REMINDER_VI = "Bạn có 1 khóa truy cập (passkey); nếu mất thiết bị, hãy xóa chúng trong ứng dụng An Sinh, mục “Khóa truy cập”"
CHANGED = "Doi-Mat-Khau-Sau-Khi-Mat-May-2026"


@pytest.fixture
def phone(api, citizen):
    return add_passkey(api, api.login(BHXH, CITIZEN_PASSWORD))


def _dead(api: Api, tokens: dict[str, Any]) -> bool:
    me = api.get("/me", token=tokens["access_token"])
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    return me.status_code == 401 and refreshed.status_code == 401


def _recover_with_temporary(api, citizen, mailoutbox):
    assert verify(api, start_id(api), last_code(mailoutbox)).status_code == 200


def _recover_with_new_password(api, citizen, mailoutbox):
    assert verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD).status_code == 200


def _change_password(api, citizen, mailoutbox):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    body = {"current_password": CITIZEN_PASSWORD, "new_password": CHANGED}
    assert api.post("/auth/password", body, token=tokens["access_token"]).status_code == 204


def _logout_all(api, citizen, mailoutbox):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    assert api.post("/auth/logout-all", token=tokens["access_token"]).status_code == 204


def _administrator(api, citizen, mailoutbox):
    end_sessions_by_admin(user=citizen, actor=Actor.command())


RESETS: dict[str, Callable[..., None]] = {
    "recovery-temporary-password": _recover_with_temporary,
    "recovery-new-password": _recover_with_new_password,
    "password-change": _change_password,
    "logout-all": _logout_all,
    "administrator": _administrator,
}


@pytest.mark.parametrize("reset", list(RESETS), ids=list(RESETS))
def test_a_reset_ends_passkey_tokens_but_keeps_the_passkey(api, citizen, phone, mailoutbox, reset):
    tokens = sign_in_with(api, phone).json()
    assert api.get("/me", token=tokens["access_token"]).status_code == 200

    RESETS[reset](api, citizen, mailoutbox)

    assert _dead(api, tokens)
    assert Passkey.objects.filter(user=citizen).count() == 1
    again = sign_in_with(api, phone)
    assert again.status_code == 200
    refreshed = api.post("/auth/refresh", {"refresh_token": again.json()["refresh_token"]})
    assert refreshed.status_code == 200


def test_a_passkey_sign_in_racing_a_reset_gets_no_tokens(api, citizen, phone, monkeypatch):
    """The reset commits after the answer was verified and before the login is recorded:
    exactly the interleaving of two parallel requests (as ``test_security_stamp`` replays
    it for a password login)."""
    verify_answer = passkey_login._verify

    def verify_then_reset(*args: Any) -> tuple[str, int]:
        outcome = verify_answer(*args)
        end_sessions_by_admin(user=User.objects.get(pk=citizen.pk), actor=Actor.command())
        return outcome

    monkeypatch.setattr(passkey_login, "_verify", verify_then_reset)
    devices = DeviceSession.objects.count()

    response = sign_in_with(api, phone)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "passkey_refused"
    assert DeviceSession.objects.count() == devices
    failed = AuditEvent.objects.get(event="login.failed", details__method="passkey")
    assert failed.details["reason"] == "stale"
    assert Passkey.objects.get().sign_count == 1  # the counter moved back with the rollback


def test_the_recovery_emails_say_the_passkeys_still_sign_in(api, citizen, phone, mailoutbox):
    _recover_with_temporary(api, citizen, mailoutbox)

    credentials = [m for m in mailoutbox if "Mật khẩu tạm thời:" in m.body]
    reset = [m for m in mailoutbox if "đặt lại" in m.subject.lower()]
    assert len(credentials) == 1 and len(reset) == 1
    for message in credentials + reset:
        assert REMINDER_VI in message.body
        assert "/app/" in message.body
        html = message.alternatives[0][0]
        assert "mục “Khóa truy cập”" in html


def test_the_password_changed_email_says_the_passkeys_still_sign_in(
    api, citizen, phone, mailoutbox
):
    _change_password(api, citizen, mailoutbox)

    (changed,) = [m for m in mailoutbox if "đã được thay đổi" in m.subject.lower()]
    assert REMINDER_VI in changed.body


def test_without_passkeys_the_emails_say_nothing_about_them(api, citizen, mailoutbox):
    _change_password(api, citizen, mailoutbox)
    _recover_with_temporary(api, citizen, mailoutbox)

    kinds = {m.subject for m in mailoutbox}
    assert len(kinds) == 4  # the code, the credentials, the reset, the change
    assert not [m for m in mailoutbox if "khóa truy cập" in m.body]


def test_logout_all_keeps_its_204_and_leaves_a_notice_of_the_passkeys_that_still_sign_in(
    api, citizen, phone
):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)

    response = api.post("/auth/logout-all", token=tokens["access_token"])

    assert response.status_code == 204  # the contract's answer (DESIGN §4), no body
    notice = Notice.objects.get(user=citizen, kind="passkeys_remain")
    assert notice.title == "Bạn đã đăng xuất khỏi mọi thiết bị"
    assert notice.body.startswith(REMINDER_VI)


def test_the_logout_all_notice_is_in_the_persons_language(api, citizen, phone):
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    tokens = api.login(BHXH, CITIZEN_PASSWORD)

    api.post("/auth/logout-all", token=tokens["access_token"])  # asked in Vietnamese

    notice = Notice.objects.get(user=citizen, kind="passkeys_remain")
    assert notice.body.startswith(
        "You have 1 passkey; if you lost a device, remove its passkey in the An Sinh app"
    )


def test_logout_all_without_passkeys_says_nothing_about_them(api, citizen):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)

    assert api.post("/auth/logout-all", token=tokens["access_token"]).status_code == 204
    assert not Notice.objects.filter(kind="passkeys_remain").exists()


# --- An email dispute: the old address says "this wasn't me" --------------------------------

OLD = "an.nguyen@example.com"
NEW = "an.moi@example.net"


def test_an_email_dispute_stops_passkey_sign_in_until_the_owner_recovers(
    api, client, unit_key, employees, clerk, approver, mailoutbox
):
    from ansinh.dossiers.tests import helpers as dossiers

    filed = dossiers.unit_file(api, BHXH, {"email": NEW})
    dossier_id = filed.json()["dossier_id"]
    for staff in ("canbo1", "canbo2"):
        decided = dossiers.decide(
            api, dossiers.token(api, staff, STAFF_PASSWORD), dossier_id, {"email": "approve"}
        )
        assert decided.status_code == 200, decided.content
    # Whoever holds the new address confirms it and plants a passkey.
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    confirm = {"code": dossiers.last_code(NEW)}
    assert api.post("/me/email/confirm", confirm, token=tokens["access_token"]).status_code == 200
    planted = add_passkey(api, tokens)
    assert sign_in_with(api, planted).status_code == 200

    # The old address's owner follows the "this wasn't me" link and confirms.
    path = "/" + dossiers.dispute_link(OLD).split("://", 1)[1].split("/", 1)[1]
    page = client.get(client.get(path).headers["Location"])
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf is not None
    done = client.post(page.request["PATH_INFO"], {"csrfmiddlewaretoken": csrf.group(1)})
    assert done.status_code == 200

    refused = sign_in_with(api, planted)
    assert refused.status_code == 401
    failed = AuditEvent.objects.filter(event="login.failed", details__method="passkey").get()
    assert failed.details["reason"] == "password_unusable"
    # The owner recovers through the old address, is told of the passkey, and may remove it.
    recovery_id = start_id(api, BHXH, OLD)
    code = dossiers.last_code(OLD)
    assert verify(api, recovery_id, code, NEW_PASSWORD).status_code == 200
    assert [m for m in dossiers.messages_to(OLD) if REMINDER_VI in m.body]
    assert Passkey.objects.count() == 1
