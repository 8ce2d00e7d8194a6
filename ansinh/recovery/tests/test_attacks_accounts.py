"""The recovery attack suite, part 2 (issue 7 item 2): what an attacker can do to a victim's
login, temporary password, sessions and recovery address, and to the rate-limit keys.
Part 1, the flow itself: ``test_attacks.py``; the map of attack → test: ``docs/recovery.md``."""

from __future__ import annotations

import datetime as dt
import math

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from ansinh.accounts import services as accounts
from ansinh.accounts.throttle import backoff_seconds
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, Api
from ansinh.dossiers.models import Dossier, EmailChange
from ansinh.lib.actor import Actor
from ansinh.people.models import Person, Unit
from ansinh.portal.tests.helpers import (
    PORTAL_HOME,
    PORTAL_LOGIN,
    PORTAL_PASSWORD,
    login,
    post_login,
)
from ansinh.recovery.models import Recovery

from .helpers import (
    CITIZEN_EMAIL,
    NEW_PASSWORD,
    codes,
    last_code,
    request_code,
    start,
    start_id,
    submit_code,
    temporary_password,
    verify,
)

pytestmark = pytest.mark.django_db
ATTACKER_EMAIL = "attacker@evil.test"


def _login_status(api: Api, password: str, **kwargs: object) -> int:
    response = api.post("/auth/login", {"username": "0123456789", "password": password}, **kwargs)
    return int(response.status_code)


# --- Lockout DoS -------------------------------------------------------------------------------
# The policy (docs/recovery.md "Lockout"): recovery never blocks login; login failures never
# block recovery (test_a_locked_login_does_not_block_recovery); nobody without the email on record
# can spend the owner's recovery requests or wrong-code budget
# (test_wrong_email_guesses_do_not_spend_the_real_account_budget).


def test_lockout_dos_strangers_cannot_use_up_the_victims_recovery_requests(
    api, client, citizen, mailoutbox
):
    # One knows the BHXH code, the other the victim's address; many addresses, both channels.
    for i in range(12):
        address = f"192.0.2.{i}"
        start(api, "0123456789", f"guess{i}@evil.test", remote_addr=address)
        start(api, "001090012345", f"guess{i}@evil.test", remote_addr=address)
        start(api, f"09999999{i:02d}", CITIZEN_EMAIL, remote_addr=address)
        request_code(Client(REMOTE_ADDR=address), "0123456789", f"guess{i}@evil.test")
        request_code(Client(REMOTE_ADDR=address), f"09999998{i:02d}", CITIZEN_EMAIL)
    assert mailoutbox == []

    own = start(api)  # the victim, from home
    assert own.status_code == 202
    assert verify(api, own.json()["recovery_id"], last_code(mailoutbox)).status_code == 200
    assert request_code(client).status_code == 302  # and on the portal
    assert len(codes(mailoutbox)) == 2


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_lockout_dos_failed_recoveries_never_block_the_victims_login(api, citizen, mailoutbox):
    for _ in range(2):  # an attacker who even knows the address spends the whole budget
        recovery_id = start_id(api, remote_addr="192.0.2.1")
        for _ in range(5):
            verify(api, recovery_id, "000000", remote_addr="192.0.2.1")
    assert verify(api, start_id(api, remote_addr="192.0.2.1"), "000000").status_code == 429

    assert _login_status(api, CITIZEN_PASSWORD, remote_addr="198.51.100.5") == 200
    assert login(Client(), "0123456789", CITIZEN_PASSWORD)["Location"] == PORTAL_HOME


def test_lockout_dos_failed_logins_delay_the_victim_only_by_the_documented_backoff(api, citizen):
    after = settings.LOGIN_BACKOFF_AFTER
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for failures in range(after + 3):
            while True:  # the attacker tries as fast as they are allowed to
                status = _login_status(api, "wrong-wrong-wrong", remote_addr=f"192.0.2.{failures}")
                if status == 401:
                    break
                traveller.shift(dt.timedelta(seconds=1))
        wait = backoff_seconds(after + 3)
        victim = api.post(
            "/auth/login",
            {"username": "0123456789", "password": CITIZEN_PASSWORD},
            remote_addr="198.51.100.5",
        )
        # During the back-off the right password waits too (else it would be an oracle)…
        assert victim.status_code == 429
        assert 0 < int(victim.headers["Retry-After"]) <= wait
        # …and works as soon as it is over, on both channels.
        traveller.shift(dt.timedelta(seconds=wait))
        assert _login_status(api, CITIZEN_PASSWORD, remote_addr="198.51.100.5") == 200
    citizen.refresh_from_db()
    assert citizen.failed_logins == 0
    assert wait == min(
        settings.LOGIN_BACKOFF_BASE_SECONDS * 2**3, settings.LOGIN_BACKOFF_MAX_SECONDS
    )


@override_settings(LOGIN_MAX_FAILURES=8, LOGIN_BACKOFF_MAX_SECONDS=60)
def test_lockout_dos_the_hard_stop_is_lifted_by_the_victims_own_recovery(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for i in range(settings.LOGIN_MAX_FAILURES):
            traveller.shift(dt.timedelta(seconds=61))
            assert _login_status(api, "wrong-wrong-wrong", remote_addr=f"192.0.2.{i}") == 401
        traveller.shift(dt.timedelta(seconds=61))
        # The documented hard stop: the right password no longer works…
        assert _login_status(api, CITIZEN_PASSWORD, remote_addr="198.51.100.5") == 401
        # …until the owner recovers, which the attacker's failures did not touch.
        assert verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD).status_code == 200
        assert _login_status(api, NEW_PASSWORD, remote_addr="198.51.100.5") == 200


# --- Temporary password ------------------------------------------------------------------------
# One login, 24 h and the forced change on each channel: test_temporary_password_works_for_one_
# login_only, test_temporary_password_expires_after_24_hours, test_right_code_emails_a_temporary_
# password_that_forces_a_change, test_temporary_password_by_email_then_forced_change_at_login.


def test_temporary_password_entropy_is_at_least_the_documented_92_bits(monkeypatch):
    alphabet = accounts.TEMPORARY_ALPHABET
    assert len(set(alphabet)) == len(alphabet) == 56
    assert not set(alphabet) & set("0Oo1lI")  # nothing to misread
    sample = accounts.new_temporary_password()
    letters = sample.replace("-", "")
    assert len(letters) * math.log2(len(alphabet)) >= 92
    # Every letter is used (3,000 passwords: 48,000 draws, each letter ≈ 860 times)…
    seen = "".join(accounts.new_temporary_password() for _ in range(3000)).replace("-", "")
    assert set(seen) == set(alphabet)
    # …and they come from the operating system's CSPRNG, not ``random``.
    monkeypatch.setattr(accounts.secrets, "choice", lambda _seq: "Z")
    assert accounts.new_temporary_password() == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def test_temporary_password_is_single_use_across_channels(api, citizen, mailoutbox):
    verify(api, start_id(api), last_code(mailoutbox))
    temporary = temporary_password(mailoutbox)
    assert login(Client(), "0123456789", temporary)["Location"] == PORTAL_PASSWORD
    assert _login_status(api, temporary) == 401
    assert post_login(Client(), "0123456789", temporary).status_code != 302


def test_temporary_password_expires_after_24_hours_on_the_portal(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        verify(api, start_id(api), last_code(mailoutbox))
        temporary = temporary_password(mailoutbox)
        traveller.shift(dt.timedelta(hours=24, seconds=1))
        response = post_login(Client(), "0123456789", temporary)
    assert response.status_code != 302
    assert not Client().get(PORTAL_HOME).wsgi_request.user.is_authenticated


def test_temporary_password_a_refreshed_token_still_forces_the_change(api, citizen, mailoutbox):
    verify(api, start_id(api), last_code(mailoutbox))
    tokens = api.login("0123456789", temporary_password(mailoutbox))
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["password_change_required"] is True
    me = api.get("/me", token=refreshed.json()["access_token"])
    assert me.status_code == 403
    assert me.json()["error"]["code"] == "password_change_required"


# --- Sessions and tokens after a reset ---------------------------------------------------------
# App tokens after a reset through the API: test_recovery_ends_every_session_and_token.


@pytest.mark.parametrize("channel", ["api", "portal"])
def test_a_reset_ends_every_portal_session_and_app_token(api, citizen, mailoutbox, channel):
    browser = Client()
    login(browser, "0123456789", CITIZEN_PASSWORD)
    assert browser.get(PORTAL_HOME).status_code == 200
    phone = api.login("0123456789", CITIZEN_PASSWORD)

    if channel == "api":
        assert verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD).status_code == 200
    else:
        recovering = Client()
        request_code(recovering)
        assert submit_code(recovering, last_code(mailoutbox), NEW_PASSWORD).status_code == 302

    assert browser.get(PORTAL_HOME)["Location"].startswith(PORTAL_LOGIN)
    assert api.get("/me", token=phone["access_token"]).status_code == 401
    assert api.post("/auth/refresh", {"refresh_token": phone["refresh_token"]}).status_code == 401
    assert api.login("0123456789", NEW_PASSWORD)


# --- The recovery address and dossiers ---------------------------------------------------------
# A pending (unconfirmed) new address is not used by recovery:
# test_an_approved_email_is_pending_and_recovery_keeps_the_old_address; someone else's code:
# test_someone_elses_code_confirms_nothing_for_me (ansinh/dossiers/tests/test_email_change.py).


def _recovery_reaches(api: Api, address: str, mailoutbox: list) -> bool:
    before = len([m for m in mailoutbox if address in m.to])
    start(api, "0123456789", address, remote_addr="198.51.100.99")
    return len([m for m in mailoutbox if address in m.to]) > before


def test_dossier_another_units_key_cannot_change_the_recovery_email(
    api, unit_key, employees, office, mailoutbox
):
    from ansinh.accounts.keys import issue_key
    from ansinh.dossiers.tests.helpers import unit_file

    other = Unit.objects.create(code="TB05678", name="Công ty Khác", office=office)
    issue_key(unit=other, actor=Actor.command(), label="test", raw="test-unit-key-TB05678")

    forged = unit_file(api, "0123456789", {"email": ATTACKER_EMAIL}, key="test-unit-key-TB05678")

    assert 400 <= forged.status_code < 500
    assert not Dossier.objects.exists() and not EmailChange.objects.exists()
    person = Person.objects.get(bhxh_code="0123456789")
    assert (person.email, person.pending_email) == (CITIZEN_EMAIL, "")
    assert not _recovery_reaches(api, ATTACKER_EMAIL, mailoutbox)


def test_dossier_a_replayed_decision_cannot_change_the_recovery_email(
    api, unit_key, employees, clerk, approver, mailoutbox
):
    from ansinh.dossiers.tests.helpers import decide, token, unit_file

    filed = unit_file(api, "0123456789", {"email": ATTACKER_EMAIL})
    dossier_id = filed.json()["dossier_id"]
    clerk_token = token(api, "canbo1", STAFF_PASSWORD)
    first = decide(api, clerk_token, dossier_id, {"email": "approve"})
    replayed = decide(api, clerk_token, dossier_id, {"email": "approve"})

    assert first.status_code == 200
    assert replayed.status_code == 409
    assert replayed.json()["error"]["code"] == "second_approver_required"
    person = Person.objects.get(bhxh_code="0123456789")
    assert (person.email, person.pending_email) == (CITIZEN_EMAIL, "")  # one approval only
    assert not _recovery_reaches(api, ATTACKER_EMAIL, mailoutbox)

    # The second approval makes it pending, not the recovery address; its replay adds nothing.
    approver_token = token(api, "canbo2", STAFF_PASSWORD)
    assert decide(api, approver_token, dossier_id, {"email": "approve"}).status_code == 200
    assert decide(api, approver_token, dossier_id, {"email": "approve"}).status_code == 409
    person.refresh_from_db()
    assert (person.email, person.pending_email) == (CITIZEN_EMAIL, ATTACKER_EMAIL)
    assert EmailChange.objects.count() == 1
    assert not _recovery_reaches(api, ATTACKER_EMAIL, mailoutbox)
    assert _recovery_reaches(api, CITIZEN_EMAIL, mailoutbox)


# --- Client addresses --------------------------------------------------------------------------
# The API without trusted proxies: test_a_spoofed_forwarded_for_header_does_not_change_the_
# address_key; with one: test_behind_a_trusted_proxy_the_forwarded_address_is_the_key.


def test_spoofed_forwarded_for_does_not_change_the_portal_address_key(citizen, mailoutbox):
    statuses = [
        request_code(
            Client(),
            f"09999999{i:02d}",
            f"p{i}@example.com",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(21)
    ]
    assert statuses == [302] * 20 + [429]
    assert set(
        AuditEvent.objects.filter(event="recovery.requested").values_list("client_ip", flat=True)
    ) == {"127.0.0.1"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_spoofed_forwarded_for_before_a_trusted_proxys_entry_is_ignored(api, citizen):
    # The proxy appends the address it saw; whatever the client wrote before it is not trusted.
    statuses = [
        start(
            api,
            f"09999999{i:02d}",
            f"p{i}@example.com",
            headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.77"},
        ).status_code
        for i in range(11)
    ]
    assert statuses == [202] * 10 + [429]
    assert set(
        AuditEvent.objects.filter(event="recovery.requested").values_list("client_ip", flat=True)
    ) == {"198.51.100.77"}


@override_settings(LOGIN_IP_RATE="3/15m")
def test_spoofed_forwarded_for_does_not_change_the_login_address_key(api, db):
    statuses = [
        api.post(
            "/auth/login",
            {"username": f"09999999{i:02d}", "password": "wrong-wrong-wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(5)
    ]
    assert statuses[:3] == [401] * 3
    assert statuses[3:] == [429, 429]
    assert not Recovery.objects.exists()


def test_rotating_ipv6_addresses_within_a_64_share_one_address_key(api, citizen):
    # An IPv6 client holds a /64 and can pick a new address in it for every request.
    statuses = [
        start(
            api, f"09999999{i:02d}", f"p{i}@example.com", remote_addr=f"2001:db8:1:2::{i + 1:x}"
        ).status_code
        for i in range(11)
    ]
    assert statuses == [202] * 10 + [429]
    other_network = start(api, "0999999911", "q@example.com", remote_addr="2001:db8:1:3::1")
    assert other_network.status_code == 202
    # The audit keeps the full address.
    assert (
        AuditEvent.objects.filter(event="recovery.requested").order_by("pk").first().client_ip
        == "2001:db8:1:2::1"
    )


@override_settings(LOGIN_IP_RATE="3/15m")
def test_rotating_ipv6_addresses_do_not_escape_the_login_address_limit(api, db):
    statuses = [
        api.post(
            "/auth/login",
            {"username": f"09999999{i:02d}", "password": "wrong-wrong-wrong"},
            remote_addr=f"2001:db8:1:2:{i:x}::1",
        ).status_code
        for i in range(5)
    ]
    assert statuses == [401] * 3 + [429] * 2
