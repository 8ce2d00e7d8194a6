"""Password recovery through the app API (DESIGN §3.3, §4): the whole flow and each of its
security requirements. Portal tests: ``ansinh/portal/tests/test_recovery_portal.py``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from ansinh.accounts.models import AppToken
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, make_citizen, run_on_commit
from ansinh.notifications.models import OutboundEmail
from ansinh.notifications.tasks import ERASED
from ansinh.people.models import Sex
from ansinh.recovery.models import Recovery, RecoveryStatus

from .helpers import (
    CITIZEN_EMAIL,
    NEW_PASSWORD,
    codes,
    kinds,
    last_code,
    start,
    start_id,
    temporary_password,
    verify,
    wrong_code,
)

pytestmark = pytest.mark.django_db
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _fingerprint(response):
    """Everything a client can see of an answer, but the random recovery id."""
    body = response.json()
    assert UUID_RE.match(body.pop("recovery_id"))
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in {"date", "expires", "x-request-id"}
    }
    return response.status_code, body, headers


# --- The happy paths ---------------------------------------------------------------------------


def test_match_emails_a_code_to_the_address_on_record(api, citizen, mailoutbox):
    response = start(api)

    assert response.status_code == 202
    body = response.json()
    assert body["expires_in"] == 300
    assert "TK1-TS" in body["message"] and "02/SĐ-GD" in body["message"]
    [message] = mailoutbox
    assert message.to == [CITIZEN_EMAIL]
    assert re.search(r"^Mã OTP: [0-9]{6}$", message.body, re.M)  # Vietnamese by default


def test_english_speaking_citizen_gets_the_code_line_in_english(api, mailoutbox, db):
    make_citizen(
        bhxh_code="7912345670",
        cccd=None,
        full_name="Lê Thị Mai",
        dob=dt.date(1988, 2, 3),
        sex=Sex.FEMALE,
        email="mai.le@example.org",
        language="en",
    )
    start(api, "7912345670", "mai.le@example.org")
    [message] = mailoutbox
    assert re.search(r"^Code: [0-9]{6}$", message.body, re.M)


def test_cccd_works_as_the_identifier(api, citizen, mailoutbox):
    assert start(api, "001090012345").status_code == 202
    assert len(codes(mailoutbox)) == 1


def test_right_code_emails_a_temporary_password_that_forces_a_change(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, last_code(mailoutbox))

    assert response.status_code == 200
    assert response.json() == {"status": "credentials_emailed"}  # and no token: nobody signed in
    assert kinds(mailoutbox) == ["recovery_code", "recovery_credentials", "password_reset"]
    credentials = mailoutbox[1]
    assert credentials.to == [CITIZEN_EMAIL]
    assert "Mã số BHXH: 0123456789" in credentials.body
    temporary = temporary_password(mailoutbox)
    assert len(temporary) >= 12

    tokens = api.login("0123456789", temporary)
    assert tokens["password_change_required"] is True
    me = api.get("/me", token=tokens["access_token"])
    assert me.status_code == 403
    assert me.json()["error"]["code"] == "password_change_required"
    changed = api.post(
        "/auth/password",
        {"current_password": temporary, "new_password": NEW_PASSWORD},
        token=tokens["access_token"],
    )
    assert changed.status_code == 204
    assert api.get("/me", token=tokens["access_token"]).status_code == 200
    assert api.login("0123456789", NEW_PASSWORD)["password_change_required"] is False


def test_new_password_with_the_code_is_set_and_no_password_is_emailed(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, last_code(mailoutbox), NEW_PASSWORD)

    assert response.status_code == 200
    assert response.json() == {"status": "password_changed"}
    assert kinds(mailoutbox) == ["recovery_code", "password_reset"]
    assert all("Mật khẩu tạm thời" not in m.body for m in mailoutbox)
    assert api.login("0123456789", NEW_PASSWORD)["password_change_required"] is False
    assert (
        api.post(
            "/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD}
        ).status_code
        == 401
    )


def test_the_reset_notice_tells_what_to_do_if_it_was_not_the_person(api, citizen, mailoutbox):
    verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD)
    notice = mailoutbox[-1]
    assert notice.to == [CITIZEN_EMAIL]
    assert "1900 9068" in notice.body
    assert "http://127.0.0.1:8000/" in notice.body


def test_the_old_password_works_until_the_code_is_verified(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    assert api.login("0123456789", CITIZEN_PASSWORD)
    verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
    assert api.login("0123456789", CITIZEN_PASSWORD)


# --- Temporary password ----------------------------------------------------------------------


def test_temporary_password_works_for_one_login_only(api, citizen, mailoutbox):
    verify(api, start_id(api), last_code(mailoutbox))
    temporary = temporary_password(mailoutbox)
    assert api.login("0123456789", temporary)
    again = api.post("/auth/login", {"username": "0123456789", "password": temporary})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_credentials"


def test_temporary_password_expires_after_24_hours(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        verify(api, start_id(api), last_code(mailoutbox))
        temporary = temporary_password(mailoutbox)
        traveller.shift(dt.timedelta(hours=24, seconds=1))
        response = api.post("/auth/login", {"username": "0123456789", "password": temporary})
    assert response.status_code == 401


def test_temporary_passwords_are_random_and_long(api, citizen, mailoutbox):
    from ansinh.accounts.services import TEMPORARY_ALPHABET, new_temporary_password

    samples = {new_temporary_password() for _ in range(200)}
    assert len(samples) == 200
    for sample in samples:
        letters = sample.replace("-", "")
        assert len(letters) == 16 and set(letters) <= set(TEMPORARY_ALPHABET)


# --- Enumeration -------------------------------------------------------------------------------


def test_match_wrong_email_unknown_identifier_and_no_email_answer_identically(
    api, citizen, citizen_no_email, mailoutbox
):
    answers = [
        start(api, "0123456789", CITIZEN_EMAIL),  # match
        start(api, "0123456789", "someone.else@example.com"),  # wrong email
        start(api, "0999999999", CITIZEN_EMAIL),  # unknown identifier
        start(api, "0123456790", "binh.tran@example.com"),  # no email on record
        start(api, "099999999999", "x@example.com"),  # unknown CCCD
    ]
    fingerprints = [_fingerprint(a) for a in answers]
    assert all(f == fingerprints[0] for f in fingerprints)
    assert fingerprints[0][0] == 202
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]  # only the match got mail


def test_a_decoy_recovery_answers_the_code_step_like_a_real_one(api, citizen, mailoutbox):
    real = start_id(api)
    decoy = start_id(api, "0999999999", CITIZEN_EMAIL)
    code = wrong_code(last_code(mailoutbox))

    real_answers = [verify(api, real, code) for _ in range(6)]
    decoy_answers = [verify(api, decoy, code) for _ in range(6)]

    def fingerprint(response):
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in {"date", "expires", "x-request-id"}
        }
        return response.status_code, response.content, headers

    assert [fingerprint(r) for r in real_answers] == [fingerprint(r) for r in decoy_answers]
    assert [r.status_code for r in real_answers] == [400] * 5 + [410]
    assert [r.json()["error"].get("attempts_left") for r in real_answers[:5]] == [4, 3, 2, 1, 0]


def test_a_decoy_resend_answers_like_a_real_one(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        real, decoy = start_id(api), start_id(api, "0999999999")
        early = [api.post(f"/auth/recovery/{i}/resend") for i in (real, decoy)]
        traveller.shift(dt.timedelta(seconds=61))
        later = [api.post(f"/auth/recovery/{i}/resend") for i in (real, decoy)]
    assert [r.status_code for r in early] == [429, 429]
    assert early[0].headers["Retry-After"] == early[1].headers["Retry-After"] == "60"
    assert [r.status_code for r in later] == [202, 202]
    assert _fingerprint(later[0]) == _fingerprint(later[1])


def test_no_mail_goes_anywhere_for_a_wrong_email(api, citizen, mailoutbox):
    start(api, "0123456789", "attacker@example.net")
    assert mailoutbox == []
    assert not OutboundEmail.objects.exists()


def test_a_disabled_account_gets_no_code(api, citizen, mailoutbox):
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert start(api).status_code == 202
    assert mailoutbox == []


# --- The code: lifetime, single use, attempts ------------------------------------------------


def test_wrong_code_five_times_kills_the_recovery(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    right = last_code(mailoutbox)
    left = [
        verify(api, recovery_id, wrong_code(right)).json()["error"]["attempts_left"]
        for _ in range(5)
    ]
    assert left == [4, 3, 2, 1, 0]
    response = verify(api, recovery_id, right)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "recovery_expired"
    assert Recovery.objects.get().status == RecoveryStatus.FAILED


def test_code_expires_after_five_minutes(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        response = verify(api, recovery_id, last_code(mailoutbox))
    assert response.status_code == 410


def test_code_still_works_just_before_five_minutes(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        traveller.shift(dt.timedelta(minutes=4, seconds=59))
        response = verify(api, recovery_id, last_code(mailoutbox))
    assert response.status_code == 200


def test_a_used_code_cannot_be_replayed(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    assert verify(api, recovery_id, code).status_code == 200
    assert verify(api, recovery_id, code).status_code == 410
    assert verify(api, recovery_id, code, NEW_PASSWORD).status_code == 410
    assert len([k for k in kinds(mailoutbox) if k == "recovery_credentials"]) == 1


def test_a_new_recovery_voids_the_older_code(api, citizen, mailoutbox):
    first = start_id(api)
    first_code = last_code(mailoutbox)
    second = start_id(api)
    second_code = last_code(mailoutbox)

    assert verify(api, first, first_code).status_code == 410
    if first_code != second_code:
        assert verify(api, second, first_code).status_code == 400
    assert verify(api, second, second_code).status_code == 200


def test_a_code_from_another_person_does_not_work(api, citizen, outsider, mailoutbox):
    mine = start_id(api)
    my_code = last_code(mailoutbox)
    theirs = start_id(api, "7912345678", "cuong.le@example.org")
    their_code = last_code(mailoutbox)
    if my_code != their_code:
        assert verify(api, theirs, my_code).status_code == 400
    assert verify(api, mine, my_code).status_code == 200


def test_resend_waits_sixty_seconds_and_voids_the_previous_code(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        old = last_code(mailoutbox)
        too_soon = api.post(f"/auth/recovery/{recovery_id}/resend")
        assert too_soon.status_code == 429
        assert too_soon.json()["error"]["code"] == "too_many_requests"
        assert too_soon.headers["Retry-After"] == "60"
        traveller.shift(dt.timedelta(seconds=60))
        assert api.post(f"/auth/recovery/{recovery_id}/resend").status_code == 202
        new = last_code(mailoutbox)
        assert len(codes(mailoutbox)) == 2
        if old != new:
            assert verify(api, recovery_id, old).status_code == 400
        assert verify(api, recovery_id, new).status_code == 200


@override_settings(RECOVERY_MAX_RESENDS=2)
def test_resends_are_capped_per_recovery(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        answers = []
        for _ in range(3):
            traveller.shift(dt.timedelta(seconds=61))
            answers.append(api.post(f"/auth/recovery/{recovery_id}/resend").status_code)
    assert answers == [202, 202, 429]
    assert len(codes(mailoutbox)) == 3


def test_resend_keeps_counting_wrong_codes(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        for _ in range(3):
            verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
        traveller.shift(dt.timedelta(seconds=61))
        api.post(f"/auth/recovery/{recovery_id}/resend")
        answer = verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
    assert answer.json()["error"]["attempts_left"] == 1


def test_unknown_or_malformed_recovery_ids_answer_expired(api, citizen):
    for recovery_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "1"):
        response = verify(api, recovery_id, "123456")
        assert response.status_code == 410, recovery_id
        assert api.post(f"/auth/recovery/{recovery_id}/resend").status_code == 410


# --- The account's failure budget ------------------------------------------------------------


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_failure_budget_survives_new_recoveries_and_client_addresses(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for address in ("198.51.100.1", "198.51.100.2"):
            recovery_id = start_id(api, remote_addr=address)
            for _ in range(5):
                verify(api, recovery_id, wrong_code(last_code(mailoutbox)), remote_addr=address)
        recovery_id = start_id(api, remote_addr="198.51.100.3")
        blocked = verify(api, recovery_id, last_code(mailoutbox), remote_addr="198.51.100.3")
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) > 23 * 3600

        traveller.shift(dt.timedelta(hours=24, seconds=1))
        recovery_id = start_id(api)
        assert verify(api, recovery_id, last_code(mailoutbox)).status_code == 200


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_a_spent_budget_sends_no_more_codes(api, citizen, mailoutbox):
    for _ in range(2):
        recovery_id = start_id(api)
        for _ in range(5):
            verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
    sent = len(codes(mailoutbox))
    assert start(api).status_code == 202
    assert len(codes(mailoutbox)) == sent


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_wrong_email_guesses_do_not_spend_the_real_account_budget(api, citizen, mailoutbox):
    # Someone who knows only the BHXH code cannot lock its owner out of recovery.
    for _ in range(3):
        decoy = start_id(api, "0123456789", "guess@example.net", remote_addr="192.0.2.9")
        for _ in range(5):
            verify(api, decoy, "000000", remote_addr="192.0.2.9")
    recovery_id = start_id(api)
    assert verify(api, recovery_id, last_code(mailoutbox)).status_code == 200


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_a_decoy_budget_runs_out_like_a_real_one(api, citizen, mailoutbox):
    def run(username, email):
        statuses = []
        for _ in range(2):
            recovery_id = start_id(api, username, email)
            statuses += [verify(api, recovery_id, "000001").status_code for _ in range(5)]
        statuses.append(verify(api, start_id(api, username, email), "000001").status_code)
        return statuses

    real = run("0123456789", CITIZEN_EMAIL)
    decoy = run("0999999999", "someone@example.org")
    assert real == decoy == [400] * 10 + [429]


# --- Rate limits -------------------------------------------------------------------------------


def test_six_requests_an_hour_for_one_identifier_get_429(api, citizen, mailoutbox):
    answers = [start(api, remote_addr=f"198.51.100.{i}") for i in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert answers[-1].json()["error"]["code"] == "too_many_requests"
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert len(mailoutbox) == 5


def test_an_unknown_identifier_is_limited_on_the_same_schedule(api, citizen):
    def statuses(username, email):
        return [
            start(api, username, email, remote_addr=f"198.51.100.{i}").status_code for i in range(6)
        ]

    match = statuses("0123456789", CITIZEN_EMAIL)
    unknown = statuses("0999999999", "x@example.com")
    wrong_email = statuses("0123456789", "x@example.com")
    assert match == unknown == wrong_email == [202] * 5 + [429]


# The BHXH code and the CCCD of one person are limited like any two identifiers, so that the
# limit tells nothing: test_budget_keys.py (issue 11 f).


@override_settings(RECOVERY_MAILBOX_MAX_CODES=3)
def test_one_mailbox_is_capped_across_the_accounts_that_share_it(api, citizen, mailoutbox):
    make_citizen(  # An's son, whose recovery address is An's mailbox
        bhxh_code="0123456701",
        cccd=None,
        full_name="Nguyễn Văn Bảo",
        dob=dt.date(2010, 6, 1),
        sex=Sex.MALE,
        email=CITIZEN_EMAIL,
    )
    statuses = [
        start(api, username, CITIZEN_EMAIL, remote_addr=f"198.51.100.{i}").status_code
        for i, username in enumerate(["0123456789", "0123456701"] * 3)
    ]
    assert statuses == [202] * 6  # the answers say nothing…
    assert len(codes(mailoutbox)) == 3  # …but the mailbox gets no more than its cap
    assert Recovery.objects.exclude(code_digest="").count() == 3


def test_one_client_address_is_limited_to_ten_api_requests_an_hour(api, citizen):
    statuses = [start(api, f"09999999{i:02d}", f"p{i}@example.com").status_code for i in range(11)]
    assert statuses == [202] * 10 + [429]


def test_a_spoofed_forwarded_for_header_does_not_change_the_address_key(api, citizen):
    statuses = [
        start(
            api,
            f"09999999{i:02d}",
            f"p{i}@example.com",
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_key(api, citizen):
    statuses = [
        start(
            api,
            f"09999999{i:02d}",
            f"p{i}@example.com",
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert statuses == [202] * 11


# --- Sessions, tokens, login lockout --------------------------------------------------------


def test_recovery_ends_every_session_and_token(api, citizen, mailoutbox):
    phone = api.login("0123456789", CITIZEN_PASSWORD)
    tablet = api.login("0123456789", CITIZEN_PASSWORD)
    verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD)

    for tokens in (phone, tablet):
        assert api.get("/me", token=tokens["access_token"]).status_code == 401
        refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 401
    assert not AppToken.objects.filter(revoked_at__isnull=True).exists()


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_BACKOFF_AFTER=3)
def test_a_locked_login_does_not_block_recovery(api, citizen, mailoutbox):
    for _ in range(3):
        api.post("/auth/login", {"username": "0123456789", "password": "wrong-wrong-wrong"})
    locked = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert locked.status_code in (401, 429)

    assert verify(api, start_id(api), last_code(mailoutbox), NEW_PASSWORD).status_code == 200
    assert api.login("0123456789", NEW_PASSWORD)


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"username": "0123456789", "email": [CITIZEN_EMAIL, "attacker@example.net"]},
        {"username": ["0123456789"], "email": CITIZEN_EMAIL},
        {"username": 123456789, "email": CITIZEN_EMAIL},
        {"username": "٠١٢٣٤٥٦٧٨٩", "email": CITIZEN_EMAIL},  # Arabic-Indic digits
        {"username": "٠١٢٣٤٥٦٧٨٩", "email": CITIZEN_EMAIL},  # Arabic-Indic (full-width now folds)
        {"username": "0123456789\x00", "email": CITIZEN_EMAIL},
        {"username": "0123456789", "email": "an.nguyen@example.com\r\nBcc: x@evil.test"},
        {"username": "0123456789", "email": "a" * 400 + "@example.com"},
        {"username": "canbo1", "email": CITIZEN_EMAIL},  # staff recover through an administrator
        {"username": "0123456789"},
        {"username": "0123456789", "email": CITIZEN_EMAIL, "extra": "field"},
    ],
)
def test_malformed_requests_get_400_and_change_nothing(api, citizen, mailoutbox, body):
    response = api.post("/auth/recovery", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_input", "invalid_json")
    assert not Recovery.objects.exists()
    assert mailoutbox == []


def test_a_duplicated_email_key_is_rejected(api, citizen, mailoutbox):
    raw = '{"username": "0123456789", "email": "an.nguyen@example.com", "email": "x@evil.test"}'
    response = api.post("/auth/recovery", raw=raw)
    assert response.status_code == 400
    assert mailoutbox == []


@pytest.mark.parametrize(
    "typed",
    [
        "an.nguyen@exаmple.com",  # Cyrillic а in the domain
        "An.Nguyen@example.com",  # the local part's case counts
        "an.nguyen@example.com.",
        "an.nguyen@examp1e.com",
    ],
)
def test_look_alike_emails_do_not_match(api, citizen, mailoutbox, typed):
    response = start(api, "0123456789", typed)
    assert response.status_code in (202, 400)
    assert mailoutbox == []


def test_spaces_and_domain_case_still_match(api, citizen, mailoutbox):
    assert start(api, " 0123456789 ", "  an.nguyen@EXAMPLE.com ").status_code == 202
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]


@pytest.mark.parametrize("otp", ["12345", "1234567", "١٢٣٤٥٦", "12 456", "", "abcdef"])
def test_a_malformed_code_is_invalid_input_and_costs_no_attempt(api, citizen, mailoutbox, otp):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, otp)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert Recovery.objects.get().attempts == 0


def test_a_new_password_that_fails_the_policy_keeps_the_recovery_usable(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    weak = verify(api, recovery_id, code, "0123456789abc")  # contains the BHXH code
    assert weak.status_code == 400
    assert weak.json()["error"]["code"] == "invalid_password"
    assert api.login("0123456789", CITIZEN_PASSWORD)  # nothing changed
    assert verify(api, recovery_id, code, NEW_PASSWORD).status_code == 200


# --- Secrets stay secret --------------------------------------------------------------------


def test_codes_and_passwords_appear_in_no_answer_audit_row_or_stored_email(
    api, citizen, mailoutbox
):
    started = start(api)
    code = last_code(mailoutbox)
    verified = verify(api, started.json()["recovery_id"], code)
    temporary = temporary_password(mailoutbox)

    for response in (started, verified):
        assert code not in response.content.decode()
        assert temporary not in response.content.decode()
    for event in AuditEvent.objects.all():
        row = f"{event.event} {event.identifier} {event.details} {event.user_agent}"
        assert code not in row and temporary not in row
    for email in OutboundEmail.objects.filter(sensitive=True):
        assert email.body_text == email.body_html == ERASED
    assert OutboundEmail.objects.filter(sensitive=True).count() == 2
    stored = Recovery.objects.get()
    assert code not in (stored.code_digest, stored.code_salt)


def test_links_in_emails_come_from_site_url_not_the_request(api, citizen, mailoutbox):
    recovery_id = start_id(api, headers={"X-Forwarded-Host": "evil.example"})
    verify(api, recovery_id, last_code(mailoutbox), headers={"X-Forwarded-Host": "evil.example"})
    for message in mailoutbox:
        html = message.alternatives[0][0]
        assert "evil.example" not in message.body and "evil.example" not in html
    assert "http://127.0.0.1:8000/dang-nhap/" in mailoutbox[1].body


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_a_foreign_host_header_is_refused(api, citizen, mailoutbox):
    response = start(api, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert mailoutbox == []


def test_every_step_is_audited(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
        traveller.shift(dt.timedelta(seconds=61))
        api.post(f"/auth/recovery/{recovery_id}/resend")
        verify(api, recovery_id, last_code(mailoutbox))
    events = list(AuditEvent.objects.order_by("pk").values_list("event", flat=True))
    assert events == [
        "recovery.requested",
        "recovery.code_issued",
        "recovery.code_failed",
        "recovery.code_resent",
        "recovery.code_issued",
        "recovery.completed",
    ]
    requested = AuditEvent.objects.get(event="recovery.requested")
    assert requested.subject == citizen and requested.details["outcome"] == "match"
    assert requested.client_ip == "203.0.113.7"


def test_unmatched_requests_are_audited_with_their_reason(api, citizen, citizen_no_email):
    start(api, "0123456789", "x@example.net")
    start(api, "0123456790", "x@example.net")
    start(api, "0999999999", "x@example.net")
    reasons = list(
        AuditEvent.objects.filter(event="recovery.requested")
        .order_by("pk")
        .values_list("details__outcome", flat=True)
    )
    assert reasons == ["email_mismatch", "no_email_on_record", "unknown_identifier"]


# --- The worker side is safe to run twice ----------------------------------------------------


def test_issuing_the_code_again_for_the_same_request_sends_nothing(api, citizen, mailoutbox):
    from ansinh.recovery.services import issue_code

    start(api)
    recovery = Recovery.objects.get()
    assert issue_code.call(recovery.pk) == "already_issued"
    assert len(codes(mailoutbox)) == 1


# One override for both settings: pytest-django's ``settings`` fixture inside an
# ``override_settings`` would restore the overridden TASKS at teardown and leak it.
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, TASK_STUCK_SECONDS=120
)
def test_a_task_left_running_by_a_dead_worker_is_run_again(api, citizen, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    from ansinh.ops.worker import requeue_stuck_tasks

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        start(api)
        DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())  # then it died
        assert requeue_stuck_tasks() == 0  # not yet: it may still be working
        traveller.shift(dt.timedelta(seconds=121))
        assert requeue_stuck_tasks() == 1
        from ansinh.recovery.services import issue_code

        task = DBTaskResult.objects.get()
        assert task.status == "READY"
        with run_on_commit():
            assert issue_code.call(*task.args_kwargs["args"]) == "issued"
    assert len(codes(mailoutbox)) == 1


def test_a_recovery_whose_task_was_lost_gets_its_code_from_the_sweeper(
    api, citizen, mailoutbox, monkeypatch
):
    from ansinh.recovery import services

    class QueueDown:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("task queue unreachable")

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        monkeypatch.setattr(services, "issue_code", QueueDown())
        recovery_id = start_id(api)  # the request still answers 202
        monkeypatch.undo()
        assert mailoutbox == []
        assert services.requeue_unissued() == 0  # within the grace period
        traveller.shift(dt.timedelta(seconds=31))
        with run_on_commit():
            assert services.requeue_unissued() == 1
        assert services.requeue_unissued() == 0  # issued now: nothing twice
        assert verify(api, recovery_id, last_code(mailoutbox)).status_code == 200
    assert len(codes(mailoutbox)) == 1
