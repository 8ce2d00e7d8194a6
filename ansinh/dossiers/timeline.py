"""A dossier's timeline: one event per step (submitted, each status move, the person's
confirmation, a counter identity check, withdrawal), with who and when (docs/dossiers.md).
The portal, the app and the back office show the events in order (``present``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ansinh.lib.actor import Actor

from .models import Dossier, DossierEvent


def add_event(
    dossier: Dossier,
    kind: str,
    *,
    actor: Actor,
    actor_label: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> DossierEvent:
    """Append an event of ``kind`` at the dossier's current status to its timeline, by
    ``actor`` (the stored ``actor`` is its user; ``actor_label`` names a key's owner or an
    anonymous party)."""
    return DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        status=dossier.status,
        at=now or timezone.now(),
        actor=actor.user if actor.user is not None and actor.user.pk else None,
        actor_label=actor_label[:120],
        note=note[:500],
    )
