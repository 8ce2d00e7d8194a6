"""The recovery attack suite (issue 7 item 2): one named test per attack, on the app API
(``/api/v1/auth/recovery…``) and the portal (``/quen-mat-khau/…``) where both apply.

Attacks already proven elsewhere are not repeated here; ``docs/recovery.md`` ("The attack
suite") maps every attack to its test, here or in ``test_api_recovery.py``,
``test_concurrency.py`` and ``ansinh/portal/tests/test_recovery_portal.py``. Lockout, temporary
passwords, sessions, dossiers and client addresses: ``test_attacks_accounts.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.test import Client, override_settings
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD, Api, make_citizen
from ansinh.notifications.models import OutboundEmail
from ansinh.people.models import Person, Sex
from ansinh.recovery.models import Recovery, RecoveryStatus

from .helpers import (
    CITIZEN_EMAIL,
    CODE,
    DONE,
    NEW_PASSWORD,
    START,
    codes,
    last_code,
    portal_form,
    request_code,
    start,
    start_id,
    submit_code,
    temporary_password,
    verify,
    wrong_code,
)

pytestmark = pytest.mark.django_db
_VARYING_HEADERS = {"date", "expires", "x-request-id", "set-cookie"}


def _headers(response: Any) -> dict[str, str]:
    """The headers a client sees, but those that differ on every answer; cookies by name."""
    seen = {k.lower(): v for k, v in response.headers.items() if k.lower() not in _VARYING_HEADERS}
    seen["cookies"] = ",".join(sorted(response.cookies.keys()))
    return seen


def _password_unchanged(user: Any) -> bool:
    user.refresh_from_db()
    return bool(user.check_password(CITIZEN_PASSWORD)) and not user.password_change_required


# --- Enumeration -------------------------------------------------------------------------------
# Body, status and headers on the API: test_match_wrong_email_unknown_identifier_and_no_email_
# answer_identically (test_api_recovery.py); the code step: test_a_decoy_recovery_answers_the_
# code_step_like_a_real_one; the portal's pages: test_match_wrong_email_unknown_and_no_email_lead_
# to_the_same_page. Here: the portal's status and headers, and the timing.


def test_enumeration_portal_status_and_headers_are_identical(citizen, mailoutbox):
    seen = []
    for username, email in [
        ("0123456789", CITIZEN_EMAIL),  # match
        ("0999999999", CITIZEN_EMAIL),  # unknown identifier
        ("0123456789", "someone.else@example.com"),  # known identifier, wrong email
    ]:
        client = Client()
        answer = request_code(client, username, email)
        page = client.get(CODE)
        wrong = submit_code(client, "000000")
        seen.append(
            [
                (r.status_code, r.get("Location"), _headers(r), r.cookies.keys())
                for r in (answer, page, wrong)
            ]
        )
    assert seen[0][0][0] == 302 and seen[0][2][0] == 400
    assert seen[1] == seen[0] and seen[2] == seen[0]
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL]]


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_enumeration_a_spent_decoy_budget_does_not_tell_a_right_email_from_a_wrong_one(
    api, citizen, mailoutbox
):
    # The attacker knows the BHXH code, spends the budget of one wrong guess, then tries two
    # more addresses: the right one and a wrong one must answer the code step alike.
    for _ in range(2):
        decoy = start_id(api, "0123456789", "guess1@evil.test", remote_addr="192.0.2.1")
        for _ in range(5):
            verify(api, decoy, "000000", remote_addr="192.0.2.1")
    spent = verify(api, start_id(api, "0123456789", "guess1@evil.test"), "000000")
    assert spent.status_code == 429

    answers = [
        verify(api, start_id(api, "0123456789", typed, remote_addr=address), "000000")
        for typed, address in [(CITIZEN_EMAIL, "192.0.2.2"), ("guess2@evil.test", "192.0.2.3")]
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].content == answers[1].content
    assert _headers(answers[0]) == _headers(answers[1])


# The timing of the three branches. The request path hashes no password, but it is measured with
# production's hasher and task queue (the database queue: the code is made and mailed by the
# worker, out of the request) so that any branch that verified a password, made a code or sent
# mail inline would show. The yardstick is one production argon2 verification (≈ 20–60 ms here):
# the three medians must agree within half of it, or within a quarter of the median itself on a
# machine so loaded that everything is slow. 50 requests each, interleaved, so that load drift
# hits the three alike.
TIMING_TRIES = 50
PRODUCTION_HASHERS = [
    "ansinh.lib.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]


@override_settings(
    PASSWORD_HASHERS=PRODUCTION_HASHERS,
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    RECOVERY_IDENTIFIER_RATE="10000/h",
    RECOVERY_IP_RATE_API="10000/h",
)
def test_enumeration_timing_medians_agree_for_match_unknown_and_wrong_email(api, citizen):
    cases = {
        "match": ("0123456789", CITIZEN_EMAIL),
        "unknown": ("0999999999", CITIZEN_EMAIL),
        "wrong_email": ("0123456789", "someone.else@example.com"),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for name, (username, email) in cases.items():  # warm-up: caches, prepared statements
        assert start(api, username, email).status_code == 202, name
    for _ in range(TIMING_TRIES):
        for name, (username, email) in cases.items():
            began = time.perf_counter()
            response = start(api, username, email)
            timings[name].append(time.perf_counter() - began)
            assert response.status_code == 202
    hash_costs = []
    for _ in range(3):
        began = time.perf_counter()
        make_password("a password to time")
        hash_costs.append(time.perf_counter() - began)
    one_hash = min(hash_costs)

    medians = {name: statistics.median(values) for name, values in timings.items()}
    spread = max(medians.values()) - min(medians.values())
    tolerance = max(one_hash / 2, max(medians.values()) / 4)
    assert spread < tolerance, (medians, one_hash)
    assert Recovery.objects.count() == 3 * (TIMING_TRIES + 1)


# --- Code guessing -----------------------------------------------------------------------------
# Five wrong codes kill a recovery: test_wrong_code_five_times_kills_the_recovery (API),
# test_wrong_codes_count_like_on_the_api (portal).


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_brute_force_a_spent_budget_stops_new_recoveries_on_both_channels(api, citizen, mailoutbox):
    for _ in range(2):
        recovery_id = start_id(api)
        for _ in range(5):
            verify(api, recovery_id, wrong_code(last_code(mailoutbox)))
    sent = len(codes(mailoutbox))

    portal = Client()
    assert request_code(portal).status_code == 302  # the same answer as ever…
    blocked_portal = submit_code(portal, "123456")
    blocked_api = verify(api, start_id(api), "123456")

    assert len(codes(mailoutbox)) == sent  # …but no new code goes out
    assert blocked_portal.status_code == 429
    assert blocked_api.status_code == 429
    assert blocked_api.json()["error"]["code"] == "too_many_attempts"
    assert _password_unchanged(citizen)


# --- The counter ---------------------------------------------------------------------------------


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_failure_budget_survives_cookies_recoveries_channels_and_a_new_email_on_record(
    api, citizen, mailoutbox
):
    new_address = "an.moi@example.net"
    recovery_id = start_id(api, remote_addr="198.51.100.1")
    for _ in range(4):
        verify(api, recovery_id, wrong_code(last_code(mailoutbox)), remote_addr="198.51.100.1")
    # The email on record changes (a confirmed email change): same account, same budget.
    Person.objects.filter(pk=citizen.person_id).update(email=new_address)
    browser = Client(REMOTE_ADDR="198.51.100.2")
    request_code(browser, email=new_address)
    for _ in range(3):
        submit_code(browser, wrong_code(last_code(mailoutbox)))
    fresh_browser = Client(REMOTE_ADDR="198.51.100.3")  # new cookies, new recovery
    request_code(fresh_browser, "001090012345", new_address)  # and the CCCD this time
    for _ in range(3):
        submit_code(fresh_browser, wrong_code(last_code(mailoutbox)))
    sent = len(codes(mailoutbox))

    # The account's budget is spent, out of sight (issue 11 f): no code goes out and the
    # recovery answers exactly like a decoy of a pair that has spent as little.
    blocked = verify(api, start_id(api, email=new_address, remote_addr="198.51.100.4"), "123456")
    decoy = verify(
        api, start_id(api, email="someone@example.net", remote_addr="198.51.100.5"), "123456"
    )
    assert len(codes(mailoutbox)) == sent
    assert blocked.status_code == decoy.status_code == 400
    assert blocked.json() == decoy.json()
    assert mailoutbox[-1].to == [new_address]
    assert _password_unchanged(citizen)


# --- Racing the right code -----------------------------------------------------------------------
# On the API alone: test_parallel_right_codes_have_exactly_one_winner_and_one_credentials_email.

PARALLEL = 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_right_codes_on_the_portal_and_the_api_have_one_winner(citizen, mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    portal = Client()
    request_code(portal)
    code = last_code(mailoutbox)
    recovery_id = str(Recovery.objects.get().public_id)
    session_cookie = portal.cookies[settings.SESSION_COOKIE_NAME].value
    _key, token = portal_form(portal, CODE)
    barrier = threading.Barrier(PARALLEL)

    def attempt(i: int) -> str:
        try:
            client = Client()
            if i % 2:  # the same browser session, from several tabs
                client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
                client.cookies[settings.CSRF_COOKIE_NAME] = portal.cookies[
                    settings.CSRF_COOKIE_NAME
                ].value
                barrier.wait(timeout=30)
                response = client.post(
                    CODE,
                    {
                        "otp": code,
                        "action": "verify",
                        "choice": "choose",
                        "new_password": NEW_PASSWORD,
                        "new_password_again": NEW_PASSWORD,
                        "csrfmiddlewaretoken": token,
                    },
                )
                return "won" if response.status_code == 302 else str(response.status_code)
            barrier.wait(timeout=30)
            response = client.post(
                f"/api/v1/auth/recovery/{recovery_id}/verify",
                data={"otp": code},
                content_type="application/json",
            )
            return "won" if response.status_code == 200 else str(response.status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(attempt, range(PARALLEL)))

    assert results.count("won") == 1, results
    assert set(results) == {"won", "410"}, results
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 1
    assert OutboundEmail.objects.filter(kind="recovery_credentials").count() <= 1
    assert Recovery.objects.get().status == RecoveryStatus.COMPLETED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=3)
def test_parallel_wrong_codes_across_live_recoveries_stay_within_the_account_budget(
    citizen, mailoutbox
):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    from ansinh.recovery.models import RecoveryFailureCounter

    api = Api(Client())
    ids = [start_id(api, remote_addr=f"198.51.100.{i}") for i in range(3)]
    # Requests that raced each other can leave several recoveries of one account live.
    Recovery.objects.update(status=RecoveryStatus.PENDING)
    wrong = wrong_code(last_code(mailoutbox))
    barrier = threading.Barrier(PARALLEL)

    def attempt(i: int) -> int:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                f"/api/v1/auth/recovery/{ids[i % len(ids)]}/verify",
                data={"otp": wrong},
                content_type="application/json",
            )
            return int(response.status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(attempt, range(PARALLEL)))

    assert sorted(statuses) == [400] * 3 + [429] * (PARALLEL - 3), statuses
    assert RecoveryFailureCounter.objects.get(subject_key__startswith="p:").failures == 3
    assert RecoveryFailureCounter.objects.get(subject_key__startswith="u:").failures == 3


# --- Replay ------------------------------------------------------------------------------------
# On the API: test_a_used_code_cannot_be_replayed, test_a_new_recovery_voids_the_older_code,
# test_resend_waits_sixty_seconds_and_voids_the_previous_code, test_a_code_from_another_person_
# does_not_work.


def test_replay_of_used_resent_and_foreign_codes_fails_on_the_portal(citizen, outsider, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        theirs = Client()
        request_code(theirs, "7912345678", "cuong.le@example.org")
        foreign = last_code(mailoutbox)

        mine = Client()
        request_code(mine)
        old = last_code(mailoutbox)
        traveller.shift(dt.timedelta(seconds=61))
        _key, token = portal_form(mine, CODE)
        with_resend = mine.post(CODE, {"action": "resend", "csrfmiddlewaretoken": token})
        assert with_resend.status_code == 200
        new = last_code(mailoutbox)

        if old != new:
            assert submit_code(mine, old).status_code == 400  # superseded by the resend
        if foreign not in (new, old):
            assert submit_code(mine, foreign).status_code == 400  # another person's
        assert submit_code(mine, new, NEW_PASSWORD).status_code == 302
        # The used code again, through the same session (posted as a second tab would):
        replay = mine.post(
            CODE,
            {"otp": new, "action": "verify", "choice": "email", "csrfmiddlewaretoken": token},
        )
        assert replay.status_code == 302 and replay["Location"] == START
    assert Recovery.objects.filter(status=RecoveryStatus.COMPLETED).count() == 1
    assert Recovery.objects.get(user__username="7912345678").status == RecoveryStatus.PENDING


# --- Expiry --------------------------------------------------------------------------------------
# The API's first code: test_code_expires_after_five_minutes.


def test_expiry_a_resent_code_dies_five_minutes_and_one_second_after_the_resend(
    api, citizen, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        recovery_id = start_id(api)
        traveller.shift(dt.timedelta(seconds=61))
        assert api.post(f"/auth/recovery/{recovery_id}/resend").status_code == 202
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        late = verify(api, recovery_id, last_code(mailoutbox))
        resend = api.post(f"/auth/recovery/{recovery_id}/resend")
    assert late.status_code == 410
    assert late.json()["error"]["code"] == "recovery_expired"
    assert resend.status_code == 410
    assert _password_unchanged(citizen)


def test_expiry_at_five_minutes_and_one_second_on_the_portal(client, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        request_code(client)
        traveller.shift(dt.timedelta(minutes=5, seconds=1))
        late = submit_code(client, last_code(mailoutbox), NEW_PASSWORD)
    assert late.status_code == 410
    assert _password_unchanged(citizen)


# --- Skipping a step ---------------------------------------------------------------------------
# Unknown ids on the API: test_unknown_or_malformed_recovery_ids_answer_expired; the portal's code
# and done pages without a recovery: test_code_page_without_a_recovery_goes_back_to_the_start.


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_step_skipping_a_recovery_whose_code_was_never_issued_accepts_no_code(
    api, citizen, mailoutbox
):
    # The worker has not run: the recovery has no code yet. No guess can be right, not even
    # the digest's placeholder.
    recovery_id = start_id(api)
    assert mailoutbox == []
    for guess in ("000000", "123456"):
        response = verify(api, recovery_id, guess, NEW_PASSWORD)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_otp"
    assert _password_unchanged(citizen)


def test_step_skipping_a_password_without_the_right_code_changes_nothing(
    api, client, citizen, mailoutbox
):
    recovery_id = start_id(api)
    right = last_code(mailoutbox)
    assert verify(api, recovery_id, wrong_code(right), NEW_PASSWORD).status_code == 400
    no_code = api.post(f"/auth/recovery/{recovery_id}/verify", {"new_password": NEW_PASSWORD})
    assert no_code.status_code == 400
    # Not signed in, the password endpoint is closed too.
    unsigned = api.post("/auth/password", {"current_password": "", "new_password": NEW_PASSWORD})
    assert unsigned.status_code == 401

    request_code(client)
    _key, token = portal_form(client, CODE)
    skipped = client.post(
        CODE,
        {
            "action": "verify",
            "choice": "choose",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
            "csrfmiddlewaretoken": token,
        },
    )
    assert skipped.status_code == 400
    assert client.get(DONE)["Location"] == START  # the done page needs a finished recovery
    assert _password_unchanged(citizen)
    assert Recovery.objects.filter(status=RecoveryStatus.COMPLETED).count() == 0


def test_step_skipping_a_dead_recovery_cannot_be_finished_with_the_right_code(
    client, citizen, mailoutbox
):
    request_code(client)
    right = last_code(mailoutbox)
    for _ in range(5):
        submit_code(client, wrong_code(right))
    assert submit_code(client, right, NEW_PASSWORD).status_code == 410
    assert _password_unchanged(citizen)
    assert Recovery.objects.get().status == RecoveryStatus.FAILED


# --- Emails typed by an attacker ---------------------------------------------------------------
# Also: test_look_alike_emails_do_not_match, test_a_duplicated_email_key_is_rejected,
# test_repeated_email_fields_are_refused.

TYPED_EMAILS = [
    pytest.param("аn.nguyen@example.com", id="cyrillic-a-local"),
    pytest.param("an.nguyen@exаmple.com", id="cyrillic-a-domain"),
    pytest.param("AN.NGUYEN@example.com", id="local-part-case"),
    pytest.param("an.nguyen@example.com\r\nBcc: attacker@evil.test", id="crlf-bcc"),
    pytest.param("an.nguyen@example.com\nTo: attacker@evil.test", id="lf-to"),
    pytest.param("an.nguyen@example.com, attacker@evil.test", id="two-addresses"),
    pytest.param("an.nguyen@example.com\x00attacker@evil.test", id="null-byte"),
    pytest.param("an.nguyen\u200b@example.com", id="zero-width-space"),
    pytest.param("an.nguyen@xn--exmple-cua.com", id="idn-punycode-look-alike"),
    pytest.param("an.nguyen@exämple.com", id="idn-unicode-look-alike"),
    pytest.param('"an.nguyen@example.com"@evil.test', id="quoted-local-part"),
    pytest.param("an.nguyen@[127.0.0.1]", id="ip-literal"),
]


@pytest.fixture
def twin(db: None) -> Any:
    """Someone whose address differs from An's only by case (``An.Nguyen@…``)."""
    return make_citizen(
        bhxh_code="0123456700",
        cccd=None,
        full_name="Nguyễn Văn Ân",
        dob=dt.date(1991, 1, 1),
        sex=Sex.MALE,
        email="An.Nguyen@example.com",
    )


@pytest.mark.parametrize("typed", TYPED_EMAILS)
def test_email_tricks_never_reach_another_account_or_inject_headers(
    api, client, citizen, twin, mailoutbox, typed
):
    answers = [start(api, "0123456789", typed)]
    answers.append(request_code(client, "0123456789", typed))
    for answer in answers:
        assert answer.status_code in (202, 302, 400), answer.status_code
    assert mailoutbox == []  # none of them is An's address on record
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("username", "email"),
    [
        pytest.param("0123456700", "an.nguyen@example.com", id="twin-id-an-email"),
        pytest.param("0123456789", "An.Nguyen@example.com", id="an-id-twin-email"),
    ],
)
def test_email_case_does_not_cross_accounts(api, citizen, twin, mailoutbox, username, email):
    assert start(api, username, email).status_code == 202
    assert mailoutbox == []


def test_email_spaces_and_domain_case_still_reach_only_the_address_on_record(
    api, client, citizen, twin, mailoutbox
):
    assert start(api, " 0123456789 ", "\tan.nguyen@EXAMPLE.COM  ").status_code == 202
    assert request_code(client, " 0123456789", " an.nguyen@Example.com ").status_code == 302
    assert [m.to for m in mailoutbox] == [[CITIZEN_EMAIL], [CITIZEN_EMAIL]]
    for message in mailoutbox:
        assert not message.cc and not message.bcc
        assert set(message.extra_headers) <= {
            "Message-ID",
            "Auto-Submitted",
            "X-Auto-Response-Suppress",
        }


def test_email_an_idn_address_on_record_matches_only_as_typed(api, mailoutbox, db):
    make_citizen(
        bhxh_code="7912345670",
        cccd=None,
        full_name="Lê Thị Mai",
        dob=dt.date(1988, 2, 3),
        sex=Sex.FEMALE,
        email="mai@bücher.example",
    )
    for other in ("mai@xn--bcher-kva.example", "mai@BÜCHER.example", "mai@bucher.example"):
        assert start(api, "7912345670", other).status_code in (202, 400)
    assert mailoutbox == []
    assert start(api, "7912345670", "mai@bücher.example").status_code == 202
    assert [m.to for m in mailoutbox] == [["mai@bücher.example"]]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": ["0123456789", "0999999999"], "email": CITIZEN_EMAIL}, id="ids"),
        pytest.param({"username": "0123456789", "email": [CITIZEN_EMAIL]}, id="one-item-list"),
        pytest.param({"username": "0123456789", "email": {"a": CITIZEN_EMAIL}}, id="object"),
        pytest.param({"username": "0123456789", "email": None}, id="null"),
    ],
)
def test_email_list_and_object_values_are_refused_on_the_api(api, citizen, mailoutbox, body):
    response = api.post("/auth/recovery", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert not Recovery.objects.exists() and mailoutbox == []


# --- Malformed input -----------------------------------------------------------------------------
# Step 1 on both channels: test_malformed_requests_get_400_and_change_nothing and
# test_malformed_input_is_refused_with_an_error_and_sends_nothing; the code's format on the API:
# test_a_malformed_code_is_invalid_input_and_costs_no_attempt.


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"otp": "۱۲۳۴۵۶"}, id="persian-digits"),
        pytest.param({"otp": "12345\x00"}, id="null-byte"),
        pytest.param({"otp": "1" * 100_00}, id="over-long-code"),
        pytest.param({"otp": 123456}, id="number"),
        pytest.param({"otp": ["123456"]}, id="list"),
        pytest.param({"otp": "123456", "new_password": "x" * 300}, id="over-long-password"),
        pytest.param({"otp": "123456", "new_password": "Song-Hong\x00-Chay-Qua"}, id="null-pw"),
        pytest.param({"otp": "123456", "otp_again": "123456"}, id="extra-field"),
    ],
)
def test_bad_code_step_input_is_400_invalid_input_and_costs_nothing(api, citizen, mailoutbox, body):
    recovery_id = start_id(api)
    response = api.post(f"/auth/recovery/{recovery_id}/verify", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_input", "invalid_password")
    recovery = Recovery.objects.get()
    assert (recovery.attempts, recovery.status) == (0, RecoveryStatus.PENDING)
    assert _password_unchanged(citizen)


def test_a_password_with_a_null_byte_is_refused_even_with_the_right_code(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, last_code(mailoutbox), "Song-Hong\x00-Chay-Qua-26")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_input", "invalid_password")
    assert _password_unchanged(citizen)
    assert Recovery.objects.get().status == RecoveryStatus.PENDING


@pytest.mark.parametrize(
    ("recovery_id", "status", "code"),
    [
        ("%00", 410, "recovery_expired"),
        ("0" * 5000, 410, "recovery_expired"),
        ("%E2%80%8B", 410, "recovery_expired"),  # a zero-width space
        ("00000000-0000-4000-8000-000000000000%00", 410, "recovery_expired"),
        ("..%2F..%2Fme", 404, "not_found"),
    ],
)
def test_bad_recovery_ids_in_the_path_answer_4xx_without_error(
    api, citizen, mailoutbox, recovery_id, status, code
):
    start_id(api)
    for path in (f"/auth/recovery/{recovery_id}/verify", f"/auth/recovery/{recovery_id}/resend"):
        response = api.post(path, {"otp": "123456"} if path.endswith("verify") else None)
        assert response.status_code == status, path
        assert response.json()["error"]["code"] == code
    assert Recovery.objects.get().attempts == 0


def test_an_over_long_body_is_refused_with_a_stable_code(api, citizen, mailoutbox):
    raw = '{"username": "0123456789", "email": "' + "a" * 100_000 + '@example.com"}'
    response = api.post("/auth/recovery", raw=raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_large"
    assert not Recovery.objects.exists() and mailoutbox == []


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"otp": "12345\x00"}, id="null-byte"),
        pytest.param({"otp": "1" * 10_000}, id="over-long-code"),
        pytest.param({"new_password": "x" * 5000}, id="over-long-password"),
    ],
)
def test_bad_code_page_input_is_400_on_the_portal_and_costs_nothing(
    client, citizen, mailoutbox, fields
):
    request_code(client)
    _key, token = portal_form(client, CODE)
    data = {
        "otp": last_code(mailoutbox),
        "action": "verify",
        "choice": "choose",
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
        "csrfmiddlewaretoken": token,
    }
    data.update(fields)
    data["new_password_again"] = data["new_password"]
    response = client.post(CODE, data)
    assert response.status_code == 400
    recovery = Recovery.objects.get()
    assert (recovery.attempts, recovery.status) == (0, RecoveryStatus.PENDING)
    assert _password_unchanged(citizen)


# --- Host poisoning ----------------------------------------------------------------------------
# On the API: test_links_in_emails_come_from_site_url_not_the_request and
# test_a_foreign_host_header_is_refused.


def test_host_poisoning_settings_trust_no_request_host():
    assert settings.USE_X_FORWARDED_HOST is False
    assert "*" not in settings.ALLOWED_HOSTS
    assert settings.SITE_URL.startswith(("https://", "http://"))


@override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost"], SITE_URL="https://bhxh.example.vn")
def test_host_poisoning_portal_links_in_emails_and_pages_come_from_site_url(citizen, mailoutbox):
    poisoned = {"HTTP_HOST": "localhost", "HTTP_X_FORWARDED_HOST": "evil.example"}
    client = Client(
        HTTP_HOST=poisoned["HTTP_HOST"], HTTP_X_FORWARDED_HOST=poisoned["HTTP_X_FORWARDED_HOST"]
    )
    pages = [client.get(START)]
    pages.append(request_code(client, **poisoned))
    pages.append(client.get(CODE))
    pages.append(submit_code(client, last_code(mailoutbox), **poisoned))
    pages.append(client.get(DONE))

    for message in mailoutbox:
        text = message.body + "".join(str(body) for body, _type in message.alternatives)
        assert "evil.example" not in text and "localhost" not in text
    assert "https://bhxh.example.vn/dang-nhap/" in mailoutbox[1].body
    for page in pages:
        assert "evil.example" not in page.content.decode()
        assert "evil.example" not in page.get("Location", "")
    refused = Client(HTTP_HOST="evil.example").get(START)
    assert refused.status_code == 400


# --- Leaks ---------------------------------------------------------------------------------------
# Headers of the portal's pages: test_every_recovery_page_sends_no_referrer_and_is_not_cached;
# URLs: test_no_recovery_id_code_or_email_in_any_url; answers, audit and stored mail:
# test_codes_and_passwords_appear_in_no_answer_audit_row_or_stored_email.


def test_no_code_password_token_or_address_in_the_logs(api, client, citizen, mailoutbox, caplog):
    caplog.set_level(logging.DEBUG)
    session = api.login("0123456789", CITIZEN_PASSWORD)
    recovery_id = start_id(api)
    api_code = last_code(mailoutbox)
    verify(api, recovery_id, wrong_code(api_code))
    verify(api, recovery_id, api_code)
    temporary = temporary_password(mailoutbox)
    request_code(client)
    portal_code = last_code(mailoutbox)
    submit_code(client, portal_code, NEW_PASSWORD)

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    never_logged = [
        api_code,
        wrong_code(api_code),
        portal_code,
        temporary,
        NEW_PASSWORD,
        CITIZEN_PASSWORD,
        session["access_token"],
        session["refresh_token"],
        CITIZEN_EMAIL,
    ]
    for secret in never_logged:
        assert secret not in logged


def test_code_emails_carry_no_link_with_a_secret(api, citizen, mailoutbox):
    recovery_id = start_id(api)
    code = last_code(mailoutbox)
    verify(api, recovery_id, code)
    temporary = temporary_password(mailoutbox)
    for message in mailoutbox:
        html = "".join(str(body) for body, _type in message.alternatives)
        for link in _links(message.body) + _links(html):
            assert code not in link and temporary not in link and recovery_id not in link


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


# --- Mail flooding -----------------------------------------------------------------------------
# Per recovery, identifier and email: test_resends_are_capped_per_recovery,
# test_six_requests_an_hour_for_one_identifier_get_429, test_bhxh_code_and_cccd_share_the_account_
# limit. Here: everything an attacker who knows both can do, for an hour and for a day.


def test_mail_flood_one_mailbox_gets_a_bounded_number_of_codes(api, citizen, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        per_hour = []
        for _hour in range(4):
            before = len(codes(mailoutbox))
            for minute in range(60):
                address = f"198.51.100.{minute}"
                identifier = "0123456789" if minute % 2 else "001090012345"
                response = start(api, identifier, remote_addr=address)
                if response.status_code == 202:
                    recovery_id = response.json()["recovery_id"]
                    api.post(f"/auth/recovery/{recovery_id}/resend", remote_addr=address)
                if minute % 3 == 0:  # and the portal now and then
                    request_code(Client(REMOTE_ADDR=address), identifier)
                traveller.shift(dt.timedelta(seconds=61))
                for recovery in Recovery.objects.filter(status=RecoveryStatus.PENDING):
                    api.post(f"/auth/recovery/{recovery.public_id}/resend", remote_addr=address)
            per_hour.append(len(codes(mailoutbox)) - before)
    # RECOVERY_MAILBOX_MAX_CODES (20 a rolling day) is the ceiling; the 5-an-hour request and
    # resend limits reach it within three hours (fixed hourly windows: at least two whole ones),
    # then nothing more goes out that day.
    assert settings.RECOVERY_MAILBOX_MAX_CODES == 20
    assert sum(per_hour) == 20, per_hour
    assert per_hour[-1] == 0, per_hour
    assert {tuple(m.to) for m in mailoutbox} == {(CITIZEN_EMAIL,)}
