"""Issue 11 b, n, s (docs/security.md): every web session and app token is bound to the
account's security stamp, which every reset, password change and logout-all rotates; a login
whose stamp changed between the password check and the issue gets nothing; a temporary password
signs in exactly once; the wrong door consumes and records nothing.

The races are replayed here deterministically, on both profiles: the password check of one
login is made to run a reset, a password change or a second login before it returns, which is
exactly the interleaving real parallel requests produce (``test_login_races.py`` runs them for
real on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from ansinh.accounts.models import DeviceSession, User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, Api
from ansinh.portal.tests.helpers import (
    BACKOFFICE_LOGIN,
    PORTAL_HOME,
    PORTAL_PASSWORD,
    is_signed_in,
    login,
    post_login,
)
from ansinh.recovery.tests.helpers import (
    NEW_PASSWORD,
    last_code,
    start_id,
    temporary_password,
    verify,
)

pytestmark = pytest.mark.django_db

BHXH = "0123456789"
CHANGED_PASSWORD = "Doi-Mat-Khau-Giua-Chung-2026"


@pytest.fixture
def during_password_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``during_password_check(step)``: the next password check that succeeds runs ``step``
    before it returns, as a request running in parallel would between the check and the issue."""
    original = User.check_password
    pending: list[Callable[[], Any]] = []

    def check_password(self: User, raw_password: str) -> bool:
        ok = original(self, raw_password)
        if ok and pending:
            pending.pop()()
        return ok

    monkeypatch.setattr(User, "check_password", check_password)
    yield pending.append


def _token_is_dead(api: Api, tokens: dict[str, Any]) -> bool:
    me = api.get("/me", token=tokens["access_token"])
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    return me.status_code == 401 and refreshed.status_code == 401


def _session_is_dead(browser: Client) -> bool:
    response = browser.get(PORTAL_HOME)
    return response.status_code == 302 and not is_signed_in(browser)


# --- b. the sequential attacker ---------------------------------------------------------------


def test_a_reset_kills_the_token_refresh_token_and_session_of_an_earlier_login(
    api, citizen, mailoutbox
):
    phone = api.login(BHXH, CITIZEN_PASSWORD)
    browser = Client()
    login(browser, BHXH, CITIZEN_PASSWORD)

    assert verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD).status_code == 200

    assert _token_is_dead(api, phone)
    assert _session_is_dead(browser)


def test_a_device_whose_stamp_is_old_is_refused_even_if_not_revoked(api, citizen):
    """The stamp is checked on each request and refresh, not only through the revocation list."""
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    User.objects.filter(pk=citizen.pk).update(security_stamp="0" * 32)

    assert DeviceSession.objects.filter(user=citizen, revoked_at__isnull=True).count() == 1
    assert _token_is_dead(api, tokens)


def test_a_web_session_whose_stamp_is_old_is_ended(client, citizen):
    login(client, BHXH, CITIZEN_PASSWORD)
    assert client.get(PORTAL_HOME).status_code == 200

    User.objects.filter(pk=citizen.pk).update(security_stamp="0" * 32)

    assert _session_is_dead(client)


def test_logout_all_kills_the_tokens_and_sessions_of_every_earlier_login(api, citizen):
    first = api.login(BHXH, CITIZEN_PASSWORD)
    second = api.login(BHXH, CITIZEN_PASSWORD)
    browser = Client()
    login(browser, BHXH, CITIZEN_PASSWORD)

    assert api.post("/auth/logout-all", token=second["access_token"]).status_code == 200

    assert _token_is_dead(api, first)
    assert _token_is_dead(api, second)
    assert _session_is_dead(browser)


# --- b. a login racing a reset or a password change --------------------------------------------


def test_an_app_login_racing_a_reset_gets_no_tokens(
    api, citizen, mailoutbox, during_password_check
):
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    during_password_check(lambda: _reset(recovery_id, code))

    response = api.post("/auth/login", {"username": BHXH, "password": CITIZEN_PASSWORD})

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not DeviceSession.objects.filter(user=citizen, revoked_at__isnull=True).exists()
    assert api.post("/auth/login", {"username": BHXH, "password": NEW_PASSWORD}).status_code == 200


def _reset(recovery_id: str, code: str) -> None:
    response = verify(Api(Client()), recovery_id, code, NEW_PASSWORD)
    assert response.status_code == 200, response.content


def test_a_portal_login_racing_a_reset_gets_no_session(
    client, api, citizen, mailoutbox, during_password_check
):
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    during_password_check(lambda: _reset(recovery_id, code))

    response = post_login(client, BHXH, CITIZEN_PASSWORD)

    assert response.status_code == 401
    assert _session_is_dead(client)


def test_an_app_login_racing_a_password_change_gets_no_tokens(api, citizen, during_password_check):
    owner = api.login(BHXH, CITIZEN_PASSWORD)

    def change() -> None:
        response = Api(Client()).post(
            "/auth/password",
            {"current_password": CITIZEN_PASSWORD, "new_password": CHANGED_PASSWORD},
            token=owner["access_token"],
        )
        assert response.status_code == 204, response.content

    during_password_check(change)
    response = api.post("/auth/login", {"username": BHXH, "password": CITIZEN_PASSWORD})

    assert response.status_code == 401, response.content
    live = DeviceSession.objects.filter(user=citizen, revoked_at__isnull=True)
    assert list(live.values_list("pk", flat=True)) == [
        DeviceSession.objects.order_by("pk").values_list("pk", flat=True)[0]
    ]
    assert api.get("/me", token=owner["access_token"]).status_code == 200


# --- n. the temporary password works once -------------------------------------------------------


def _temporary(api: Api, mailoutbox: list[Any]) -> str:
    assert verify(api, start_id(api), last_code(mailoutbox)).status_code == 200
    return temporary_password(mailoutbox)


def test_temporary_password_checked_by_two_logins_at_once_signs_in_only_one(
    api, citizen, mailoutbox, during_password_check
):
    temporary = _temporary(api, mailoutbox)
    inner: list[int] = []
    during_password_check(
        lambda: inner.append(
            Api(Client()).post("/auth/login", {"username": BHXH, "password": temporary}).status_code
        )
    )

    outer = api.post("/auth/login", {"username": BHXH, "password": temporary})

    assert sorted([outer.status_code, *inner]) == [200, 401]
    assert DeviceSession.objects.filter(user=citizen).count() == 1


def test_temporary_password_on_the_portal_and_the_app_at_once_signs_in_only_one(
    client, api, citizen, mailoutbox, during_password_check
):
    temporary = _temporary(api, mailoutbox)
    inner: list[int] = []
    during_password_check(
        lambda: inner.append(
            Api(Client()).post("/auth/login", {"username": BHXH, "password": temporary}).status_code
        )
    )

    response = post_login(client, BHXH, temporary)

    assert inner == [200]
    assert response.status_code == 401
    assert not is_signed_in(client)


def test_temporary_password_signs_in_once_then_never_again(api, citizen, mailoutbox):
    temporary = _temporary(api, mailoutbox)

    first = api.post("/auth/login", {"username": BHXH, "password": temporary})
    second = api.post("/auth/login", {"username": BHXH, "password": temporary})
    third = post_login(Client(), BHXH, temporary)

    assert first.status_code == 200
    assert first.json()["password_change_required"] is True
    assert second.status_code == 401
    assert third.status_code == 401


# --- s. the wrong door consumes and records nothing ------------------------------------------------


def test_citizen_typing_the_temporary_password_at_the_staff_login_does_not_burn_it(
    api, citizen, mailoutbox
):
    temporary = _temporary(api, mailoutbox)

    wrong_door = post_login(Client(), BHXH, temporary, path=BACKOFFICE_LOGIN)
    assert wrong_door.status_code == 403

    response = api.post("/auth/login", {"username": BHXH, "password": temporary})
    assert response.status_code == 200, response.content
    assert response.json()["password_change_required"] is True


def test_citizen_typing_the_temporary_password_at_the_staff_login_can_still_use_the_portal(
    api, citizen, mailoutbox
):
    temporary = _temporary(api, mailoutbox)

    assert post_login(Client(), BHXH, temporary, path=BACKOFFICE_LOGIN).status_code == 403

    assert login(Client(), BHXH, temporary)["Location"] == PORTAL_PASSWORD


def test_a_wrong_door_login_is_neither_a_success_nor_a_failure(citizen, clerk):
    assert post_login(Client(), BHXH, CITIZEN_PASSWORD, path=BACKOFFICE_LOGIN).status_code == 403
    from ansinh.conftest import STAFF_PASSWORD

    assert post_login(Client(), "canbo1", STAFF_PASSWORD).status_code == 403

    for user in (citizen, clerk):
        user.refresh_from_db()
        assert user.last_login is None
        assert user.failed_logins == 0
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert "login.succeeded" not in events
    assert "login.failed" not in events
    assert events.count("login.wrong_door") == 2


def test_a_hash_upgrade_racing_a_reset_does_not_restore_the_old_password(
    api, citizen, mailoutbox, monkeypatch
):
    """A login that verified an old-format hash writes the upgraded hash after the check; a
    reset that committed in between must not be overwritten with the old password."""
    from django.contrib.auth import base_user, hashers

    from ansinh.accounts import models

    User.objects.filter(pk=citizen.pk).update(
        password=hashers.make_password(CITIZEN_PASSWORD, hasher="argon2")  # not the preferred
    )
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    original = hashers.check_password

    def racing(raw: str, encoded: str, setter: Any = None, preferred: str = "default") -> bool:
        def late_upgrade(raw_password: str) -> None:
            _reset(recovery_id, code)
            setter(raw_password)

        return original(raw, encoded, late_upgrade if setter else None, preferred)

    monkeypatch.setattr(base_user, "check_password", racing)
    monkeypatch.setattr(models, "check_password", racing, raising=False)

    response = api.post("/auth/login", {"username": BHXH, "password": CITIZEN_PASSWORD})

    assert response.status_code == 401
    stored = User.objects.get(pk=citizen.pk)
    assert stored.check_password(NEW_PASSWORD)
    assert not stored.check_password(CITIZEN_PASSWORD)
