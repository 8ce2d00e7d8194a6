"""The two profiles of DESIGN §7 (ansinh/settings.py, docs/operations.md).

Settings are read once, at import, from the environment, so each profile is checked in a
fresh interpreter with exactly the environment an operator would give it: the production
profile needs SECRET_KEY, DATABASE_URL, SMTP_HOST and SITE_URL, has no development mailbox,
passes ``check --deploy`` without errors, and refuses the test-only switches.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ansinh.ops.checks import production_safety

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "ANSINH_PROFILE": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://ansinh@127.0.0.1:5432/ansinh",
    "SMTP_HOST": "smtp.ansinh.example",
    "SITE_URL": "https://ansinh.example",
    "WEBAUTHN_RP_ID": "ansinh.example",
    "WEBAUTHN_ORIGINS": "https://ansinh.example",
}
REQUIRED = ["SECRET_KEY", "DATABASE_URL", "SMTP_HOST", "SITE_URL"]

# Prints what the URLconf and the settings of this environment expose (no database needed).
PROBE = """
import json
import django
from django.conf import settings
from django.urls import Resolver404, resolve

django.setup()


def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


print(json.dumps({
    "mailbox": resolves("/dev/mailbox/"),
    "mailbox_message": resolves("/dev/mailbox/1/"),
    "login": resolves("/dang-nhap/"),
    "api": resolves("/api/v1/auth/login"),
    "DEV_MAILBOX": settings.DEV_MAILBOX,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "CAPTCHA_TEST_MODE": settings.CAPTCHA_TEST_MODE,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "DEBUG": settings.DEBUG,
}))
"""


def _run(
    args: list[str], env: dict[str, str], settings_module: str = "ansinh.settings"
) -> subprocess.CompletedProcess[str]:
    """Run ``python args…`` in the checkout with only ``env`` (plus PATH and HOME) set."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only a fallback
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(env: dict[str, str]) -> dict[str, object]:
    result = _run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# --- Which profile has a development mailbox ------------------------------------------------------


def test_production_profile_has_no_dev_mailbox_and_sends_through_smtp():
    seen = _probe(PRODUCTION_ENV)

    assert (seen["mailbox"], seen["mailbox_message"]) == (False, False)
    assert (seen["login"], seen["api"]) == (True, True)
    assert seen["DEV_MAILBOX"] is False
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (seen["CAPTCHA_TEST_MODE"], seen["DEBUG"]) == (False, False)
    assert seen["SESSION_COOKIE_SECURE"] is True


def test_embedded_profile_has_the_dev_mailbox():
    seen = _probe({})

    assert (seen["mailbox"], seen["mailbox_message"], seen["login"]) == (True, True, True)
    assert seen["DEV_MAILBOX"] is True
    assert seen["EMAIL_BACKEND"] == "ansinh.notifications.devmailbox.DevMailboxBackend"


def test_embedded_profile_with_smtp_has_no_dev_mailbox():
    seen = _probe({"SMTP_HOST": "smtp.ansinh.example"})

    assert (seen["mailbox"], seen["DEV_MAILBOX"]) == (False, False)
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


# --- What the production profile requires ---------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_production_profile_refuses_to_start_without_a_required_variable(name, value):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != name}
    if value is not None:
        env[name] = value

    result = _run(["-c", "import ansinh.settings"], env)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert name in result.stderr.strip().splitlines()[-1]


def test_unknown_profile_is_refused():
    result = _run(["-c", "import ansinh.settings"], {"ANSINH_PROFILE": "staging"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_profile_passes_check_deploy_without_errors():
    result = _run(["-m", "ansinh", "check", "--deploy", "--fail-level", "ERROR"], PRODUCTION_ENV)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERRORS:" not in output
    # The production profile's own switches, which Django checks for: DEBUG off, a strong key,
    # HTTPS redirect, HSTS, secure cookies, explicit hosts.
    for check_id in ("W004", "W008", "W009", "W012", "W016", "W018", "W020"):
        assert f"security.{check_id}" not in output, output


# --- Test-only switches in production (ansinh/ops/checks.py) ----------------------------------


def test_test_settings_under_the_production_profile_fail_the_system_check():
    result = _run(["-m", "ansinh", "check"], PRODUCTION_ENV, settings_module="tests_settings")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ansinh.E001" in output  # CAPTCHA_TEST_MODE
    assert "ansinh.E002" in output  # the development mailbox


def _ids(**overrides: object) -> list[str]:
    with override_settings(**overrides):
        return [str(error.id) for error in production_safety(None)]


def test_captcha_test_mode_is_refused_in_production():
    safe = {"PRODUCTION": True, "DEV_MAILBOX": False, "DEBUG": False}

    assert _ids(**safe, CAPTCHA_TEST_MODE=True) == ["ansinh.E001"]
    assert _ids(**safe, CAPTCHA_TEST_MODE=False) == []


def test_dev_mailbox_and_debug_are_refused_in_production():
    safe = {"PRODUCTION": True, "CAPTCHA_TEST_MODE": False}

    assert _ids(**safe, DEV_MAILBOX=True, DEBUG=False) == ["ansinh.E002"]
    assert _ids(**safe, DEV_MAILBOX=False, DEBUG=True) == ["ansinh.E003"]


def test_test_switches_are_allowed_outside_production():
    assert _ids(PRODUCTION=False, CAPTCHA_TEST_MODE=True, DEV_MAILBOX=True, DEBUG=True) == []


@override_settings(PRODUCTION=True, CAPTCHA_TEST_MODE=True, DEV_MAILBOX=False, DEBUG=False)
def test_check_command_fails_on_captcha_test_mode_in_production():
    with pytest.raises(SystemCheckError, match="ansinh.E001"):
        call_command("check")


# --- Passkeys: the relying party and its origins (ansinh.E004) ---------------------------------


def test_production_without_the_passkey_settings_fails_the_system_check():
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("WEBAUTHN_")}

    result = _run(["-m", "ansinh", "check"], env)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ansinh.E004" in output
    assert "WEBAUTHN_RP_ID is not set" in output and "WEBAUTHN_ORIGINS is not set" in output


def _passkey_problems(**overrides: object) -> list[str]:
    from ansinh.ops.checks import passkey_settings

    with override_settings(**overrides):
        return [str(error.msg) for error in passkey_settings(None)]


def test_the_embedded_defaults_serve_passkeys_on_localhost_at_any_port():
    from ansinh.accounts.relying_party import origin_allowed

    assert _passkey_problems() == []
    assert origin_allowed("http://localhost:8000")
    assert origin_allowed("http://localhost:41234")
    assert not origin_allowed("http://127.0.0.1:8000")
    assert not origin_allowed("http://localhost.evil.example:8000")
    assert not origin_allowed("https://localhost:8000")


@pytest.mark.parametrize(
    ("rp_id", "origins", "problem"),
    [
        ("127.0.0.1", ["https://127.0.0.1"], "is not a lower-case host name"),
        ("AnSinh.example", ["https://ansinh.example"], "is not a lower-case host name"),
        ("ansinh.example", ["http://ansinh.example"], "must be https"),
        ("ansinh.example", ["https://ansinh.example:*"], "must name its exact port"),
        ("ansinh.example", ["https://evil.example"], "is not ansinh.example or a subdomain"),
        ("ansinh.example", ["https://ansinh.example/app/"], "is not scheme://host[:port]"),
    ],
    ids=["ip-address", "upper-case", "plain-http", "any-port", "other-site", "a-path"],
)
def test_production_refuses_a_passkey_setting_that_cannot_work(rp_id, origins, problem):
    found = _passkey_problems(PRODUCTION=True, WEBAUTHN_RP_ID=rp_id, WEBAUTHN_ORIGINS=origins)

    assert any(problem in text for text in found), found


def test_production_accepts_the_site_and_its_subdomains():
    assert (
        _passkey_problems(
            PRODUCTION=True,
            WEBAUTHN_RP_ID="ansinh.example",
            WEBAUTHN_ORIGINS=["https://ansinh.example", "https://app.ansinh.example:8443"],
        )
        == []
    )


# --- Key rotation: SECRET_KEY_FALLBACKS (docs/operations.md) ----------------------------------

OLD_KEY = "old-" + "k" * 60
NEW_KEY = "new-" + "n" * 60


def test_secret_key_fallbacks_are_read_from_the_environment():
    probe = "import ansinh.settings as s, json; print(json.dumps(s.SECRET_KEY_FALLBACKS))"
    env = {**PRODUCTION_ENV, "SECRET_KEY_FALLBACKS": f" {OLD_KEY} , older-{OLD_KEY}"}

    rotated = _run(["-c", probe], env)
    plain = _run(["-c", probe], PRODUCTION_ENV)

    assert json.loads(rotated.stdout.strip().splitlines()[-1]) == [OLD_KEY, f"older-{OLD_KEY}"]
    assert json.loads(plain.stdout.strip().splitlines()[-1]) == []


def test_web_session_survives_a_key_rotation_only_with_the_old_key_as_fallback(client, citizen):
    from django.urls import reverse

    from ansinh.conftest import CITIZEN_PASSWORD
    from ansinh.portal.tests.helpers import login

    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        login(client, citizen.username, CITIZEN_PASSWORD)
        assert client.get(reverse("portal:home")).status_code == 200

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        kept = client.get(reverse("portal:home"))
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        # The request above re-signed the session with the new key: no fallback needed now.
        still = client.get(reverse("portal:home"))
    with override_settings(SECRET_KEY="third-" + "t" * 60, SECRET_KEY_FALLBACKS=[]):
        dropped = client.get(reverse("portal:home"))

    assert kept.status_code == 200
    assert still.status_code == 200
    assert dropped.status_code == 302
    assert dropped["Location"].startswith(reverse("portal:login"))


def test_signed_links_verify_with_a_fallback_key_and_fail_without_it():
    from django.core import signing

    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        token = signing.dumps("dispute-link", salt="ansinh.test.rotation")

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert signing.loads(token, salt="ansinh.test.rotation") == "dispute-link"
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        with pytest.raises(signing.BadSignature):
            signing.loads(token, salt="ansinh.test.rotation")


# --- check --deploy: the card signing keys --------------------------------------------------------


def test_check_deploy_warns_when_the_card_cannot_be_signed(tmp_path):
    from ansinh.cards import signing
    from ansinh.ops.checks import card_signing_keys

    keys = tmp_path / "card-keys.json"
    signing.write_new_key_file(keys, "k1")
    production = {"PRODUCTION": True, "CARD_KEYS_GENERATE": False, "CARD_PUBLIC_KEYS_FILE": ""}

    with override_settings(**production, CARD_KEYS_FILE=""):
        unset = [w.id for w in card_signing_keys(None)]
    with override_settings(**production, CARD_KEYS_FILE=str(tmp_path / "missing.json")):
        missing = [w.id for w in card_signing_keys(None)]
    with override_settings(**production, CARD_KEYS_FILE=str(keys)):
        usable = [w.id for w in card_signing_keys(None)]
    with override_settings(PRODUCTION=False, CARD_KEYS_FILE=""):
        embedded = [w.id for w in card_signing_keys(None)]

    assert unset == missing == ["ansinh.W001"]
    assert usable == embedded == []


def test_check_deploy_of_the_production_profile_names_the_missing_card_keys():
    result = _run(["-m", "ansinh", "check", "--deploy"], PRODUCTION_ENV)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ansinh.W001" in output and "CARD_KEYS_FILE" in output


def test_server_side_cursors_can_be_turned_off_for_pgbouncer():
    probe = (
        "import ansinh.settings as s, json; "
        "print(json.dumps(s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS']))"
    )

    pooled = _run(["-c", probe], {**PRODUCTION_ENV, "DB_DISABLE_SERVER_SIDE_CURSORS": "1"})
    direct = _run(["-c", probe], PRODUCTION_ENV)

    assert json.loads(pooled.stdout.strip().splitlines()[-1]) is True
    assert json.loads(direct.stdout.strip().splitlines()[-1]) is False


def _binding(env: dict[str, str]) -> list[object]:
    probe = (
        "import ansinh.settings as s, json; o = s.DATABASES['default']['OPTIONS']; "
        "print(json.dumps([o['server_side_binding'], o['prepare_threshold']]))"
    )
    return json.loads(
        _run(["-c", probe], {**PRODUCTION_ENV, **env}).stdout.strip().splitlines()[-1]
    )


def test_statements_are_prepared_unless_turned_off_for_an_old_pgbouncer():
    assert _binding({}) == [True, 5]
    assert _binding({"DB_PREPARE_THRESHOLD": "off"}) == [True, None]
    assert _binding({"DB_PREPARE_THRESHOLD": "2"}) == [True, 2]
    assert _binding({"DB_SERVER_SIDE_BINDING": "0", "DB_PREPARE_THRESHOLD": "off"}) == [
        False,
        None,
    ]
    refused = _run(
        ["-c", "import ansinh.settings"], {**PRODUCTION_ENV, "DB_PREPARE_THRESHOLD": "x"}
    )
    assert refused.returncode != 0 and "DB_PREPARE_THRESHOLD" in refused.stderr


@pytest.mark.parametrize("value", ["ture", "yes please", "2"])
def test_a_misspelt_yes_no_setting_is_refused_not_read_as_no(value):
    result = _run(["-c", "import ansinh.settings"], {"SECURE_COOKIES": value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECURE_COOKIES" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("value", "expected"), [("Off", False), (" 1 ", True), ("no", False)])
def test_yes_no_settings_accept_the_usual_spellings(value, expected):
    seen = _probe({"SECURE_COOKIES": value})

    assert seen["SESSION_COOKIE_SECURE"] is expected
