"""Signing in to the app with a passkey (issue 13): the tokens of a password login, audited
and throttled alike, and every attack on the assertion — a replayed or foreign challenge,
another origin or RP, no user verification, another key's signature, another account's user
handle, a counter that goes back, a removed passkey."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from django.utils import timezone

from ansinh.accounts.models import DeviceSession, LoginFailureCounter, Passkey, User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD

from .authenticator import UP, UV, SoftAuthenticator
from .passkey_helpers import (
    BHXH,
    add_passkey,
    registration_options,
    sign_in,
    sign_in_options,
    sign_in_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(api, citizen):
    """The citizen's phone, holding a passkey of the account."""
    return add_passkey(api, api.login(BHXH, CITIZEN_PASSWORD))


def _code(response) -> str:
    return str(response.json()["error"]["code"])


def _failures() -> list[str]:
    return [
        e.details["reason"]
        for e in AuditEvent.objects.filter(event="login.failed").order_by("pk")
        if e.details.get("method") == "passkey"
    ]


def test_a_passkey_signs_in_with_the_tokens_of_a_password_login(api, citizen, phone):
    response = sign_in_with(api, phone, remote_addr="198.51.100.10")

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "password_change_required",
    }
    assert tokens["password_change_required"] is False
    assert api.get("/me", token=tokens["access_token"]).json()["username"] == BHXH
    refreshed = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    device = DeviceSession.objects.filter(user=citizen).latest("pk")
    assert device.device_name == "Điện thoại"
    assert device.security_stamp == User.objects.get(pk=citizen.pk).security_stamp
    passkey = Passkey.objects.get()
    assert passkey.sign_count == phone.sign_count == 2  # one at creation, one now
    assert passkey.last_used_at is not None
    event = AuditEvent.objects.get(event="login.succeeded", details__method="passkey")
    assert (event.actor, event.subject, event.client_ip) == (citizen, citizen, "198.51.100.10")
    assert event.details["passkey"] == str(passkey.public_id)


def test_a_password_login_is_audited_with_its_method(api, citizen):
    api.login(BHXH, CITIZEN_PASSWORD)

    assert AuditEvent.objects.get(event="login.succeeded").details == {"method": "password"}


def test_the_sign_in_options_name_no_credential_and_require_user_verification(api):
    options = sign_in_options(api)

    assert options["rpId"] == "localhost"
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert len(options["challenge"]) == 43  # 32 random bytes, base64url


def test_a_sign_in_challenge_works_once(api, citizen, phone):
    answer = phone.get(sign_in_options(api))
    assert sign_in(api, answer).status_code == 200

    replayed = sign_in(api, answer)

    assert replayed.status_code == 410
    assert _code(replayed) == "passkey_challenge_expired"
    assert DeviceSession.objects.filter(user=citizen).count() == 2  # the login above, the first


def test_a_refused_answer_spends_its_challenge_too(api, citizen, phone):
    options = sign_in_options(api)
    assert sign_in(api, phone.get(options, origin="https://evil.example")).status_code == 401

    retried = sign_in(api, phone.get(options))

    assert retried.status_code == 410


def test_a_registration_challenge_cannot_sign_in(api, citizen, phone):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    registration = registration_options(api, tokens).json()

    response = sign_in(
        api, phone.get({"rpId": "localhost", "challenge": registration["challenge"]})
    )

    assert response.status_code == 410


def test_a_made_up_challenge_signs_nobody_in(api, citizen, phone):
    response = sign_in(api, phone.get({"rpId": "localhost", "challenge": "B" * 43}))

    assert response.status_code == 410
    assert _failures() == ["challenge"]


def test_a_sign_in_challenge_expires(api, citizen, phone, settings):
    options = sign_in_options(api)
    later = timezone.now() + dt.timedelta(seconds=settings.PASSKEY_CHALLENGE_TTL_SECONDS + 1)

    with time_machine.travel(later):
        response = sign_in(api, phone.get(options))

    assert response.status_code == 410


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        ({"origin": "https://ansinh.example.net"}, "origin"),
        ({"origin": "http://127.0.0.1:8000"}, "origin"),
        ({"rp_id": "evil.example"}, "verification_failed"),
        ({"flags": UP}, "verification_failed"),  # no user verification
        ({"flags": UV}, "verification_failed"),  # no user presence
        ({"signer": ec.generate_private_key(ec.SECP256R1())}, "verification_failed"),
        ({"user_handle": b"\x00" * 32}, "user_handle"),
        ({"user_handle": b""}, "user_handle"),
    ],
    ids=[
        "other-origin",
        "ip-origin",
        "other-rp-id",
        "no-user-verification",
        "no-user-presence",
        "another-key",
        "another-user-handle",
        "no-user-handle",
    ],
)
def test_an_answer_that_does_not_verify_signs_nobody_in(api, citizen, phone, bend, reason):
    response = sign_in(api, phone.get(sign_in_options(api), **bend))

    assert response.status_code == 401
    assert _code(response) == "passkey_refused"
    assert _failures() == [reason]
    assert not AuditEvent.objects.filter(event="login.succeeded", details__method="passkey")
    assert DeviceSession.objects.filter(user=citizen).count() == 1  # the login that added it


def test_another_accounts_user_handle_does_not_sign_in_as_it(api, citizen, outsider, phone):
    theirs = add_passkey(api, api.login("7912345678", OTHER_PASSWORD), password=OTHER_PASSWORD)

    response = sign_in(api, phone.get(sign_in_options(api), user_handle=theirs.user_handle))

    assert response.status_code == 401
    assert _failures() == ["user_handle"]


def test_a_counter_that_goes_back_is_refused_and_audited(api, citizen, phone):
    assert sign_in_with(api, phone).status_code == 200  # counter 2
    assert sign_in_with(api, phone).status_code == 200  # counter 3

    cloned = sign_in(api, phone.get(sign_in_options(api), count=2))

    assert cloned.status_code == 401
    assert _code(cloned) == "passkey_refused"
    event = AuditEvent.objects.get(event="passkey.sign_count_regression")
    assert (event.subject, event.details["stored"], event.details["received"]) == (citizen, 3, 2)
    assert _failures() == ["sign_count_regression"]
    assert Passkey.objects.get().sign_count == 3
    # The same counter again is no better.
    assert sign_in(api, phone.get(sign_in_options(api), count=3)).status_code == 401
    # The genuine device, moving on, still signs in.
    assert sign_in_with(api, phone).status_code == 200


def test_a_passkey_that_keeps_no_counter_signs_in_again_and_again(api, citizen):
    synced = add_passkey(api, api.login(BHXH, CITIZEN_PASSWORD), SoftAuthenticator(counts=False))

    assert [sign_in_with(api, synced).status_code for _ in range(3)] == [200, 200, 200]
    assert Passkey.objects.get().sign_count == 0


def test_a_removed_passkey_no_longer_signs_in(api, citizen, phone):
    tokens = api.login(BHXH, CITIZEN_PASSWORD)
    passkey = Passkey.objects.get()
    removed = api.call("DELETE", f"/me/passkeys/{passkey.public_id}", token=tokens["access_token"])
    assert removed.status_code == 204

    response = sign_in_with(api, phone)

    assert response.status_code == 401
    assert _code(response) == "passkey_unknown"
    assert _failures() == ["unknown_credential"]


def test_a_disabled_account_cannot_sign_in_with_its_passkey(api, citizen, phone):
    User.objects.filter(pk=citizen.pk).update(is_active=False)

    response = sign_in_with(api, phone)

    assert response.status_code == 401
    assert _failures() == ["disabled"]


def test_an_account_that_must_change_its_password_gets_tokens_that_only_change_it(
    api, citizen, phone
):
    User.objects.filter(pk=citizen.pk).update(password_change_required=True)

    tokens = sign_in_with(api, phone).json()

    assert tokens["password_change_required"] is True
    refused = api.get("/me", token=tokens["access_token"])
    assert refused.status_code == 403
    assert _code(refused) == "password_change_required"


def test_repeated_failures_of_one_passkey_back_off_like_a_typed_identifier(
    api, citizen, phone, settings
):
    for _ in range(settings.LOGIN_BACKOFF_AFTER):
        assert sign_in(api, phone.get(sign_in_options(api), flags=UP)).status_code == 401

    throttled = sign_in_with(api, phone)

    assert throttled.status_code == 429
    assert _code(throttled) == "too_many_attempts"
    assert int(throttled["Retry-After"]) >= settings.LOGIN_BACKOFF_BASE_SECONDS
    event = AuditEvent.objects.get(event="login.throttled")
    assert event.details["method"] == "passkey" and event.subject == citizen
    assert AuditEvent.objects.filter(event="login.lockout", details__method="passkey").count() == 1
    # After the wait the genuine answer gets in, and the back-off is forgotten.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=int(throttled["Retry-After"]))):
        assert sign_in_with(api, phone).status_code == 200
    assert LoginFailureCounter.objects.count() == 0


def test_passkey_failures_never_lock_the_password(api, citizen, phone, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_BACKOFF_AFTER = 100
    for _ in range(5):
        assert sign_in(api, phone.get(sign_in_options(api), flags=UP)).status_code == 401

    assert User.objects.get(pk=citizen.pk).failed_logins == 0
    assert api.login(BHXH, CITIZEN_PASSWORD)["access_token"]


@override_settings(LOGIN_IP_RATE="3/15m")
def test_failures_from_a_busy_address_call_for_the_captcha_as_at_the_login(api, citizen, phone):
    stranger = SoftAuthenticator()
    for _ in range(3):
        assert (
            sign_in(api, stranger.get(sign_in_options(api), user_handle=b"x" * 32)).status_code
            == 401
        )

    options = sign_in_options(api)
    answer = phone.get(options)
    step_up = sign_in(api, answer)

    assert step_up.status_code == 429
    error = step_up.json()["error"]
    assert error["code"] == "captcha_required"
    # The challenge was not used up by the refusal: the same answer with the CAPTCHA gets in.
    solved = sign_in(
        api, answer, extra={"captcha_key": error["captcha"]["key"], "captcha_answer": "PASSED"}
    )
    assert solved.status_code == 200
    # Password logins from that address meet the same step-up: one allowance for both.
    login = api.post("/auth/login", {"username": BHXH, "password": CITIZEN_PASSWORD})
    assert _code(login) == "captcha_required"


def test_sign_in_options_are_limited_per_client_address(api, settings):
    settings.PASSKEY_OPTIONS_IP_RATE = "2/15m"
    sign_in_options(api)
    sign_in_options(api)

    refused = api.post("/auth/passkey/options")

    assert refused.status_code == 429
    assert _code(refused) == "throttled"
    assert "Retry-After" in refused
    assert api.post("/auth/passkey/options", remote_addr="198.51.100.9").status_code == 200


def test_a_malformed_answer_is_invalid_input_and_costs_nothing(api, citizen, phone):
    answer = phone.get(sign_in_options(api))
    answer["response"]["authenticatorData"] = "@@"

    response = sign_in(api, answer)

    assert response.status_code == 400
    assert _code(response) == "invalid_input"
    assert LoginFailureCounter.objects.count() == 0


def test_refusals_speak_english_on_request(api, citizen, phone):
    Passkey.objects.all().delete()

    response = sign_in_with(api, phone, lang="en")

    assert response.json()["error"]["message"] == (
        "This passkey is not registered with An Sinh (it may have been removed). "
        "Sign in with your password."
    )
