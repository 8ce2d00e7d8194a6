"""System checks that keep test-only and embedded-only switches out of production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


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
