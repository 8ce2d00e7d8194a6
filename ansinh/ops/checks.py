"""System checks that keep test-only and embedded-only switches out of production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def production_safety(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if not settings.PRODUCTION:
        return errors
    if settings.CAPTCHA_TEST_MODE:
        errors.append(Error("CAPTCHA_TEST_MODE must be off in production.", id="ansinh.E001"))
    if settings.DEV_MAILBOX:
        errors.append(
            Error("The development mailbox must not exist in production.", id="ansinh.E002")
        )
    if settings.DEBUG:
        errors.append(Error("DEBUG must be off in production.", id="ansinh.E003"))
    return errors


@register(Tags.security, deploy=False)
def passkey_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Passkeys are scoped to WEBAUTHN_RP_ID and accepted from WEBAUTHN_ORIGINS only: the
    production profile has no default for either (docs/operations.md "Passkeys")."""
    from ansinh.accounts.relying_party import configuration_problems

    problems = configuration_problems(
        settings.WEBAUTHN_RP_ID, list(settings.WEBAUTHN_ORIGINS), production=settings.PRODUCTION
    )
    return [
        Error(
            problem,
            hint="Set WEBAUTHN_RP_ID to the site's host name and WEBAUTHN_ORIGINS to the "
            "https origin(s) the app is served from (docs/operations.md).",
            id="ansinh.E004",
        )
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def card_signing_keys(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """``check --deploy``: the e-BHYT card endpoints sign with CARD_KEYS_FILE, which the
    production profile never generates; without a usable file they answer 500."""
    if not settings.PRODUCTION:
        return []
    from ansinh.cards import signing

    try:
        signing.keyring(
            key_file=settings.CARD_KEYS_FILE,
            public_file=settings.CARD_PUBLIC_KEYS_FILE,
            generate=settings.CARD_KEYS_GENERATE,
        )
    except signing.KeyFileError as exc:
        return [
            Warning(
                f"The e-BHYT card cannot be signed: {exc}.",
                hint="Create one with `ansinh card new-key-file FILE --kid KID` and set "
                "CARD_KEYS_FILE (docs/operations.md, key rotation).",
                id="ansinh.W001",
            )
        ]
    return []
