"""Adding, listing and removing passkeys through the API (issue 13), with a software
authenticator (``authenticator.py``), and the attacks on the registration ceremony: a
replayed, foreign or expired challenge, another origin or RP, no user verification."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from ansinh.accounts.models import Passkey, PasskeyChallenge, User
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, OTHER_PASSWORD, STAFF_PASSWORD
from ansinh.notifications.models import Notice

from .authenticator import AT, UP, UV, SoftAuthenticator
from .passkey_helpers import (
    BHXH,
    PHONE,
    add_passkey,
    register,
    registration_options,
    sign_in_options,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(api, citizen):
    return api.login(BHXH, CITIZEN_PASSWORD)


def test_a_citizen_adds_a_passkey_and_is_told_by_email_and_notice(api, citizen, tokens, mailoutbox):
    options = registration_options(api, tokens)
    device = SoftAuthenticator()

    response = register(api, tokens, device.create(options.json()))

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == PHONE and body["last_used_at"] is None
    passkey = Passkey.objects.get()
    assert (passkey.user, passkey.credential_id, str(passkey.public_id)) == (
        citizen,
        device.id,
        body["id"],
    )
    assert passkey.transports == ["hybrid", "internal"]
    assert passkey.aaguid == "adce0002-35bc-c60a-648b-0b25f1f05503"
    listed = api.get("/me/passkeys", token=tokens["access_token"]).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    (email,) = [m for m in mailoutbox if "khóa truy cập" in m.subject.lower()]
    assert email.to == ["an.nguyen@example.com"]
    assert "“Điện thoại của tôi”" in email.body
    assert "/app/" in email.body
    notice = Notice.objects.get(user=citizen, kind="passkey_added")
    assert "Điện thoại của tôi" in notice.body
    event = AuditEvent.objects.get(event="passkey.added")
    assert (event.subject, event.details["passkey"]) == (citizen, body["id"])


def test_the_options_ask_for_a_discoverable_user_verified_passkey_and_exclude_the_known_ones(
    api, citizen, tokens
):
    first = add_passkey(api, tokens)

    options = registration_options(api, tokens).json()

    assert options["rp"] == {"name": "An Sinh", "id": "localhost"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["user"]["name"] == BHXH
    assert options["user"]["displayName"] == "Nguyễn Văn An"
    # The user handle is random and the same for every passkey of the account.
    assert BHXH not in options["user"]["id"]
    assert bytes(User.objects.get(pk=citizen.pk).passkey_handle or b"") == first.user_handle
    assert [c["id"] for c in options["excludeCredentials"]] == [first.id]
    assert options["excludeCredentials"][0]["transports"] == ["hybrid", "internal"]


def test_adding_a_passkey_needs_the_password_again(api, citizen, tokens):
    wrong = registration_options(api, tokens, password="Khong-Phai-Mat-Khau-2026")

    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "wrong_current_password"
    assert PasskeyChallenge.objects.count() == 0
    assert AuditEvent.objects.filter(event="passkey.add_failed").count() == 1


def test_wrong_passwords_before_adding_a_passkey_back_off_like_logins(
    api, citizen, tokens, settings
):
    for _ in range(settings.LOGIN_BACKOFF_AFTER):
        assert registration_options(api, tokens, password="Sai-Mat-Khau-2026").status_code == 400

    throttled = registration_options(api, tokens)

    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_attempts"
    assert int(throttled["Retry-After"]) > 0


def test_no_passkey_while_the_password_must_be_changed(api, citizen, tokens):
    User.objects.filter(pk=citizen.pk).update(password_change_required=True)

    response = registration_options(api, tokens)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_change_required"


def test_the_service_itself_refuses_a_passkey_while_the_password_must_be_changed(citizen):
    from ansinh.accounts import passkeys
    from ansinh.lib.actor import Actor, Channel

    citizen.password_change_required = True
    with pytest.raises(passkeys.PasswordChangeRequired):
        passkeys.add_passkey(actor=Actor(Channel.API, user=citizen), name=PHONE, credential={})


def test_staff_have_no_passkeys(api, clerk):
    staff = api.login("canbo1", STAFF_PASSWORD)

    response = registration_options(api, staff, password=STAFF_PASSWORD)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "citizens_only"
    assert api.get("/me/passkeys", token=staff["access_token"]).status_code == 403


def test_a_registration_challenge_works_once(api, citizen, tokens):
    options = registration_options(api, tokens).json()
    device = SoftAuthenticator()
    answer = device.create(options)
    assert register(api, tokens, answer).status_code == 201
    Passkey.objects.all().delete()  # even with the passkey gone, the answer is spent

    replayed = register(api, tokens, answer)

    assert replayed.status_code == 410
    assert replayed.json()["error"]["code"] == "passkey_challenge_expired"
    assert Passkey.objects.count() == 0


def test_another_persons_registration_challenge_adds_nothing(api, citizen, outsider, tokens):
    theirs = api.login("7912345678", OTHER_PASSWORD)
    options = registration_options(api, theirs, password=OTHER_PASSWORD).json()

    response = register(api, tokens, SoftAuthenticator().create(options))

    assert response.status_code == 410
    assert Passkey.objects.count() == 0
    # ... and it is not spent for its owner either.
    assert register(api, theirs, SoftAuthenticator().create(options)).status_code == 201


def test_a_sign_in_challenge_cannot_add_a_passkey(api, citizen, tokens):
    registration = registration_options(api, tokens).json()
    sign_in = sign_in_options(api)

    response = register(
        api, tokens, SoftAuthenticator().create(registration, challenge=sign_in["challenge"])
    )

    assert response.status_code == 410
    assert Passkey.objects.count() == 0


def test_a_made_up_challenge_adds_nothing(api, citizen, tokens):
    registration = registration_options(api, tokens).json()

    response = register(api, tokens, SoftAuthenticator().create(registration, challenge="A" * 43))

    assert response.status_code == 410


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        ({"origin": "https://ansinh.example.net"}, "origin"),
        ({"origin": "http://localhost.evil.example:8000"}, "origin"),
        ({"rp_id": "evil.example"}, "Unexpected RP ID hash"),
        ({"flags": UP | AT}, "User verification is required"),
        ({"flags": UV | AT}, "User presence was required"),
    ],
    ids=["other-origin", "look-alike-origin", "other-rp-id", "no-user-verification", "no-presence"],
)
def test_a_registration_answer_that_does_not_verify_is_refused_and_spends_the_challenge(
    api, citizen, tokens, bend, reason
):
    options = registration_options(api, tokens).json()

    response = register(api, tokens, SoftAuthenticator().create(options, **bend))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "passkey_refused"
    assert Passkey.objects.count() == 0
    event = AuditEvent.objects.get(event="passkey.add_refused")
    assert reason in event.details["reason"]
    assert register(api, tokens, SoftAuthenticator().create(options)).status_code == 410


def test_a_registration_challenge_expires(api, citizen, tokens, settings):
    options = registration_options(api, tokens).json()
    later = timezone.now() + dt.timedelta(seconds=settings.PASSKEY_CHALLENGE_TTL_SECONDS + 1)

    with time_machine.travel(later):
        response = register(api, tokens, SoftAuthenticator().create(options))

    assert response.status_code == 410


def test_a_malformed_answer_is_invalid_input(api, citizen, tokens):
    options = registration_options(api, tokens).json()
    answer = SoftAuthenticator().create(options)
    answer["response"]["clientDataJSON"] = "bm90IGpzb24"  # "not json"

    response = register(api, tokens, answer)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credential"


def test_the_same_passkey_cannot_be_added_twice(api, citizen, tokens):
    device = add_passkey(api, tokens)
    options = registration_options(api, tokens).json()
    again = SoftAuthenticator(key=device.key, credential_id=device.credential_id)

    response = register(api, tokens, again.create(options))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "passkey_exists"
    assert Passkey.objects.count() == 1


def test_a_passkey_needs_a_name(api, citizen, tokens):
    options = registration_options(api, tokens).json()

    response = register(api, tokens, SoftAuthenticator().create(options), name="   ")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"name": "Trường này là bắt buộc."}


def test_an_account_has_at_most_the_configured_number_of_passkeys(api, citizen, tokens, settings):
    settings.PASSKEY_MAX_PER_ACCOUNT = 2
    add_passkey(api, tokens)
    options = registration_options(api, tokens).json()  # issued while there was room
    add_passkey(api, tokens)

    late = register(api, tokens, SoftAuthenticator().create(options))
    refused = registration_options(api, tokens)

    assert late.status_code == 409 and refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_passkeys"
    assert Passkey.objects.count() == 2


def test_registration_options_are_limited_per_account(api, citizen, tokens, settings):
    settings.PASSKEY_REGISTER_RATE = "2/h"
    assert registration_options(api, tokens).status_code == 200
    assert registration_options(api, tokens).status_code == 200

    response = registration_options(api, tokens)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert PasskeyChallenge.objects.count() == 2


def test_a_person_removes_a_passkey_and_it_is_audited(api, citizen, tokens):
    add_passkey(api, tokens)
    kept = add_passkey(api, tokens, name="Máy tính bảng")
    removed = Passkey.objects.exclude(credential_id=kept.id).get()

    response = api.call("DELETE", f"/me/passkeys/{removed.public_id}", token=tokens["access_token"])

    assert response.status_code == 204
    assert list(Passkey.objects.values_list("name", flat=True)) == ["Máy tính bảng"]
    event = AuditEvent.objects.get(event="passkey.removed")
    assert (event.subject, event.details["passkey"]) == (citizen, str(removed.public_id))


@pytest.mark.parametrize("which", ["another-persons", "unknown", "malformed"])
def test_removing_a_passkey_that_is_not_ones_own_is_not_found_alike(
    api, citizen, outsider, tokens, which
):
    theirs = api.login("7912345678", OTHER_PASSWORD)
    other_device = SoftAuthenticator()
    options = registration_options(api, theirs, password=OTHER_PASSWORD).json()
    assert register(api, theirs, other_device.create(options)).status_code == 201
    passkey_id = {
        "another-persons": str(Passkey.objects.get(user=outsider).public_id),
        "unknown": "3f1c0f6e-0000-4000-8000-000000000000",
        "malformed": "khong-phai-uuid",
    }[which]

    response = api.call("DELETE", f"/me/passkeys/{passkey_id}", token=tokens["access_token"])

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Không tìm thấy.",
        "fields": {},
    }
    assert Passkey.objects.filter(user=outsider).count() == 1


def test_errors_speak_english_on_request(api, citizen, tokens):
    response = api.post(
        "/me/passkeys/options",
        {"current_password": "Sai-Mat-Khau-2026"},
        token=tokens["access_token"],
        lang="en",
    )

    assert response.json()["error"]["message"] == "The current password is incorrect."
