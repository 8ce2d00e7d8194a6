"""Issue 12 c: the "Mã kiểm tra" everyone can pass. Through the portal's forms and the
``/captcha/`` endpoints: expired and wrong codes say so, in Vietnamese (English when chosen);
the code is spoken (a real WAV, rate-limited); "Đổi mã khác" works without JavaScript and keeps
what was typed except the password; the alphabet has no look-alike glyphs; a slow typist has
time. The answers are read from the test database, as a person reads the image."""

from __future__ import annotations

import datetime as dt
import io
import re
import wave

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.utils import timezone

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib import speech
from ansinh.lib.captcha_form import challenge
from ansinh.portal.tests.helpers import PORTAL_LOGIN, login_form, text

pytestmark = pytest.mark.django_db

RECOVERY = "/quen-mat-khau/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
VIETNAMESE = {"HTTP_ACCEPT_LANGUAGE": "vi"}
LOOK_ALIKES = set("0O1lI5S2Z8B")


def _answer(key: str) -> str:
    return CaptchaStore.objects.get(hashkey=key).response


def _wrong(answer: str) -> str:
    # Another code of the same alphabet and length: only the answer is wrong.
    return "".join("3" if c != "3" else "4" for c in answer)


def _post_recovery(client, key, answer, **extra):
    return client.post(
        RECOVERY,
        {
            "username": "0123456789",
            "email": "an.nguyen@example.com",
            "captcha_0": key,
            "captcha_1": answer,
        },
        **extra,
    )


def _key_of(response) -> str:
    match = re.search(r'name="captcha_0" value="([0-9a-f]+)"', response.content.decode())
    assert match, "no CAPTCHA on the page"
    return match.group(1)


@pytest.mark.parametrize(
    ("headers", "wrong", "not_shown"),
    [
        (VIETNAMESE, "Mã kiểm tra không đúng", "Invalid CAPTCHA"),
        (ENGLISH, "The verification code is wrong", "Invalid CAPTCHA"),
    ],
)
def test_a_wrong_captcha_answer_says_the_code_is_wrong_in_the_persons_language(
    client, citizen, headers, wrong, not_shown
):
    key, _ = login_form(client)
    response = client.post(
        PORTAL_LOGIN,
        {
            "username": "0123456789",
            "password": CITIZEN_PASSWORD,
            "captcha_0": key,
            "captcha_1": _wrong(_answer(key)),
        },
        **headers,
    )

    assert response.status_code == 400
    page = text(response.content)
    assert wrong in page
    assert not_shown not in page
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("headers", "expired"),
    [
        (VIETNAMESE, "Mã kiểm tra đã hết hạn, vui lòng nhập mã mới"),
        (ENGLISH, "The verification code has expired. Please type the new code."),
    ],
)
def test_an_expired_captcha_says_it_expired_not_that_it_is_wrong(
    client, settings, headers, expired
):
    response = client.get(RECOVERY, **headers)
    key = _key_of(response)
    answer = _answer(key)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=settings.CAPTCHA_TIMEOUT + 1)):
        response = _post_recovery(client, key, answer, **headers)

    assert response.status_code == 400
    page = text(response.content)
    assert expired in page
    assert "Mã kiểm tra không đúng" not in page
    assert "Invalid CAPTCHA" not in page
    assert _key_of(response) != key  # a new code to type


def test_a_used_captcha_code_is_refused_as_expired_even_with_the_right_answer(client):
    key = _key_of(client.get(RECOVERY))
    answer = _answer(key)
    first = _post_recovery(client, key, answer)
    assert first.status_code in (200, 302)

    again = _post_recovery(client, key, answer)

    assert again.status_code == 400
    assert "Mã kiểm tra đã hết hạn" in text(again.content)


def test_a_slow_typist_has_fourteen_minutes_to_answer_the_captcha(client, settings):
    assert settings.CAPTCHA_TIMEOUT >= 15
    key = _key_of(client.get(RECOVERY))
    answer = _answer(key)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14)):
        response = _post_recovery(client, key, answer)

    assert response.status_code == 302  # on to the code step: the CAPTCHA passed


def test_the_captcha_answer_ignores_case_spaces_and_full_width_digits(client):
    key = _key_of(client.get(RECOVERY))
    answer = _answer(key)
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in answer)  # "３ ４ ..." as some keyboards type

    response = _post_recovery(client, key, typed)

    assert response.status_code == 302


def test_the_captcha_alphabet_has_no_look_alike_glyphs_and_is_long_enough(settings):
    codes = [challenge()[0] for _ in range(300)]

    assert not LOOK_ALIKES & set("".join(codes))
    assert {len(c) for c in codes} == {settings.CAPTCHA_LENGTH}
    assert settings.CAPTCHA_LENGTH >= 6
    assert set("".join(codes)) == set(settings.CAPTCHA_ALPHABET)


def test_the_captcha_audio_is_a_spoken_wav_longer_than_a_second(client):
    page = client.get(PORTAL_LOGIN)
    key = _key_of(page)
    answer = _answer(key)
    html = page.content.decode()
    assert f'src="/captcha/audio/{key}.wav"' in html
    assert answer not in html  # the code is never written on the page

    response = client.get(f"/captcha/audio/{key}.wav")

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with wave.open(io.BytesIO(body)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    # Six digits, slowly, with pauses, twice: far more than a second, and not silence.
    assert seconds > 1
    assert seconds > 2 * settings_length() * 0.8
    assert max(frames[1::2]) > 16  # high bytes of 16-bit samples: a loud part exists
    assert answer.encode() not in body and answer not in str(response.headers)
    # The same code reads the same, so a player's range requests fit together.
    ranged = client.get(f"/captcha/audio/{key}.wav", HTTP_RANGE="bytes=100-199")
    assert ranged.status_code == 206
    assert b"".join(ranged.streaming_content) == body[100:200]


def settings_length() -> int:
    from django.conf import settings

    return int(settings.CAPTCHA_LENGTH)


def test_the_captcha_audio_of_an_unknown_or_expired_code_is_gone(client, settings):
    key = _key_of(client.get(PORTAL_LOGIN))
    assert client.get("/captcha/audio/ffff.wav").status_code == 410
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=settings.CAPTCHA_TIMEOUT + 1)):
        assert client.get(f"/captcha/audio/{key}.wav").status_code == 410


def test_the_captcha_audio_is_rate_limited_per_client_address(client, settings):
    settings.CAPTCHA_AUDIO_RATE = "2/m"
    key = _key_of(client.get(PORTAL_LOGIN))
    url = f"/captcha/audio/{key}.wav"
    for _ in range(2):
        assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200

    refused = client.get(url, REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert client.get(url, REMOTE_ADDR="198.51.100.4").status_code == 200


def test_the_captcha_refresh_endpoint_answers_the_new_codes_image_and_audio(client):
    response = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 200
    body = response.json()
    assert body["image_url"] == f"/captcha/image/{body['key']}/"
    assert body["audio_url"] == f"/captcha/audio/{body['key']}.wav"
    assert CaptchaStore.objects.filter(hashkey=body["key"]).exists()


def test_get_another_code_without_javascript_keeps_what_was_typed_but_not_the_password(
    client, citizen
):
    key, _ = login_form(client)

    response = client.post(
        PORTAL_LOGIN,
        {
            "username": "0123456789",
            "password": CITIZEN_PASSWORD,
            "captcha_0": key,
            "captcha_1": _answer(key),  # even right: "Đổi mã khác" is not a sign-in
            "captcha_refresh": "1",
        },
    )

    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "_auth_user_id" not in client.session
    assert 'value="0123456789"' in html
    assert CITIZEN_PASSWORD not in html
    assert 'role="alert"' not in html  # no error: nothing was submitted
    new_key = _key_of(response)
    assert new_key != key
    assert 'name="captcha_1"' in html and re.search(r'name="captcha_1"[^>]*value="', html) is None


def test_get_another_code_without_javascript_on_the_recovery_form_sends_nothing(
    client, citizen, mailoutbox
):
    key = _key_of(client.get(RECOVERY))

    response = client.post(
        RECOVERY,
        {
            "username": "0123456789",
            "email": "an.nguyen@example.com",
            "captcha_0": key,
            "captcha_1": "",
            "captcha_refresh": "1",
        },
    )

    html = response.content.decode()
    assert 'value="an.nguyen@example.com"' in html
    assert 'role="alert"' not in html  # no "type the code" error: it was not a submission
    assert _key_of(response) != key
    assert mailoutbox == []


def test_the_captcha_audio_speaks_english_when_the_person_chose_english(client):
    key = _key_of(client.get(PORTAL_LOGIN, **ENGLISH))

    response = client.get(f"/captcha/audio/{key}.wav", **ENGLISH)

    assert response.status_code == 200
    with wave.open(io.BytesIO(b"".join(response.streaming_content))) as wav:
        assert wav.getnframes() / wav.getframerate() > 2 * settings_length() * 0.8


def test_without_a_speech_engine_the_captcha_has_no_audio_and_still_works(client, monkeypatch):
    monkeypatch.setattr(speech, "available", lambda: False)
    page = client.get(RECOVERY)
    key = _key_of(page)
    html = page.content.decode()
    assert "<audio" not in html
    assert 'name="captcha_refresh"' in html
    assert client.get(f"/captcha/audio/{key}.wav").status_code == 404
    refreshed = client.get("/captcha/refresh/", HTTP_X_REQUESTED_WITH="XMLHttpRequest").json()
    assert refreshed["audio_url"] is None

    assert _post_recovery(client, key, _answer(key)).status_code == 302
