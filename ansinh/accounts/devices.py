"""The app devices signed in to an account: list them, sign one out (ASVS 7.5.2).

"Log out everywhere" (``services.logout_all``) ends them all at once; here the person sees
each device (name, since when, last used) and ends one, after re-entering the password.
"""

from __future__ import annotations

import uuid

from django.db.models import F
from django.utils import timezone

from ansinh.lib.actor import Actor

from .models import DeviceSession, TokenKind, User
from .services import check_password_again, logout_device


class DeviceNotFound(Exception):  # noqa: N818 - a domain outcome, not a program error
    pass


def live_devices(user: User) -> list[DeviceSession]:
    """The user's device sessions that still hold a usable refresh token, most recent first."""
    return list(
        DeviceSession.objects.filter(
            user=user,
            revoked_at__isnull=True,
            security_stamp=F("user__security_stamp"),
            tokens__kind=TokenKind.REFRESH,
            tokens__revoked_at__isnull=True,
            tokens__expires_at__gt=timezone.now(),
        )
        .distinct()
        .order_by("-last_seen_at", "-pk")
    )


def sign_out_device(*, actor: Actor, device_id: str, current_password: str) -> None:
    """End one of the actor's devices. The password is checked first (throttled like a login,
    ``Throttled`` / ``WrongCurrentPassword``); then a device id that is not one of the user's
    live devices — unknown, malformed, ended, or someone else's — is ``DeviceNotFound``."""
    check_password_again(actor=actor, password=current_password, event="device.sign_out")
    user = actor.user
    assert user is not None  # noqa: S101 - check_password_again needs a signed-in actor
    try:
        public_id = uuid.UUID(device_id)
    except ValueError:
        raise DeviceNotFound from None
    device = next((d for d in live_devices(user) if d.public_id == public_id), None)
    if device is None:
        raise DeviceNotFound
    logout_device(device=device, actor=actor)
