"""Write audit events. Callers pass facts, never secrets; this module masks identifiers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone

from ansinh.lib.clientip import client_ip
from ansinh.lib.identifiers import mask_middle
from ansinh.lib.metrics import count_event

from .models import AuditEvent, DataAccess

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(text: str, limit: int) -> str:
    # Log-injection and NUL safe: control characters become "?".
    return _CONTROL.sub("?", text[:limit])


if TYPE_CHECKING:
    from ansinh.accounts.models import OrganisationKey, User
    from ansinh.lib.actor import Actor
    from ansinh.people.models import Person


def record(
    event: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    request: HttpRequest | None = None,
    identifier: str = "",
    channel: str = "",
    details: dict[str, Any] | None = None,
    by: Actor | None = None,
) -> AuditEvent:
    """Append one audit event.

    ``by`` is the acting party as services receive it (``ansinh.lib.actor.Actor``): it gives
    the client address, user agent and channel, and the acting user unless ``actor`` is given.
    ``request`` is the older way to pass the address and is kept for adapters not yet moved.

    ``identifier`` is what someone typed (a BHXH code, CCCD or username); it is stored masked
    and truncated, so the audit log cannot be used to recover a list of valid identifiers.
    """
    count_event(event)
    if by is not None:
        ip, agent = by.ip, by.user_agent
        channel = channel or by.channel
        if actor is None:
            actor = by.user
    else:
        ip = client_ip(request) if request is not None else None
        agent = _clean(request.META.get("HTTP_USER_AGENT", ""), 200) if request is not None else ""
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        event=event,
        actor=actor if actor is not None and actor.pk else None,
        subject=subject if subject is not None and subject.pk else None,
        identifier=mask_middle(_clean(identifier, 40)) if identifier else "",
        client_ip=ip,
        user_agent=agent,
        channel=channel,
        details=details or {},
    )


def log_access(
    *,
    person: Person,
    what: str,
    staff: User | None = None,
    key: OrganisationKey | None = None,
    channel: str = "",
    by: Actor | None = None,
) -> DataAccess:
    """Record that staff, or the unit or organisation behind ``key``, read ``person``'s
    ``what``. ``by`` (an ``Actor``) gives the staff user or key and the channel at once.
    Services and the apps' ``access.py`` helpers call it, never adapters: whatever hands a
    person's data to anyone but the person writes this row."""
    if by is not None:
        staff, key, channel = by.user, by.key, channel or by.channel
    return DataAccess.objects.create(
        person=person,
        accessed_at=timezone.now(),
        staff=staff,
        unit=key.unit if key is not None else None,
        organisation=key.organisation if key is not None else None,
        what=what,
        channel=channel,
    )
