"""Write audit events. Callers pass facts, never secrets; this module masks identifiers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ansinh.lib.identifiers import mask_middle
from ansinh.lib.inserts import insert
from ansinh.lib.metrics import count_event

from .models import AuditEvent, DataAccess

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean(text: str, limit: int) -> str:
    # Log-injection and NUL safe: control characters become "?".
    return _CONTROL.sub("?", text[:limit])


if TYPE_CHECKING:
    import datetime as dt

    from ansinh.accounts.models import User
    from ansinh.dossiers.models import Dossier
    from ansinh.lib.actor import Actor
    from ansinh.people.models import Person, Unit


def record(
    event: str,
    *,
    by: Actor | None = None,
    actor: User | None = None,
    subject: User | None = None,
    identifier: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event.

    ``by`` is the acting party as services receive it (``ansinh.lib.actor.Actor``): it gives
    the channel, client address and user agent, and the acting user unless ``actor`` is given
    (a staff user acting for a key's request, say). Without ``by`` the row has no channel or
    address.

    ``identifier`` is what someone typed (a BHXH code, CCCD or username); it is stored masked
    and truncated, so the audit log cannot be used to recover a list of valid identifiers.
    """
    count_event(event)
    ip, agent, channel = None, "", ""
    if by is not None:
        ip, agent, channel = by.ip, _clean(by.user_agent, 200), str(by.channel)
        if actor is None:
            actor = by.user
    # One precompiled INSERT (ansinh.lib.inserts): every login writes one of these.
    (event_row,) = insert(
        [
            AuditEvent(
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
        ]
    )
    return event_row


def log_access(
    *,
    person: Person,
    what: str,
    by: Actor,
    dossier: Dossier | None = None,
    unit: Unit | None = None,
    month: dt.date | None = None,
) -> DataAccess:
    """Record that the staff user, or the unit or organisation behind the key, of ``by`` read
    ``person``'s ``what``, through ``by``'s channel. Services and the apps' ``access.py``
    helpers call it, never adapters: whatever hands a person's data to anyone but the person
    writes this row. ``dossier`` names the dossier the read concerns; ``unit`` and ``month``
    the unit's papers it was part of (a monthly statement), so the person's log can say
    exactly what was seen."""
    key = by.key
    return DataAccess.objects.create(
        person=person,
        accessed_at=timezone.now(),
        staff=by.user,
        unit=key.unit if key is not None else None,
        organisation=key.organisation if key is not None else None,
        what=what,
        channel=str(by.channel),
        dossier_ref=dossier.public_id if dossier is not None else "",
        dossier_form=dossier.form if dossier is not None else "",
        about_unit=unit,
        about_month=month,
    )
