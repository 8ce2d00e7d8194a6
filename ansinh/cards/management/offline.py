"""What ``ansinh card verify`` and ``ansinh certificate verify`` read before they check a
payload offline: the payload, the published public keys, the day, and the signed list of
revoked serials (checked whole, and refused once it is due for renewal)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.core.management.base import CommandError

from ansinh.cards import revocations, signing


@dataclass(frozen=True)
class OfflineInputs:
    payload: str
    keys: Any
    day: dt.date
    revoked: revocations.RevocationList


def read_inputs(
    payload: str,
    key_file: Path,
    list_file: Path,
    today: str | None,
    *,
    form: Literal["ASR1", "ASCR1"] = revocations.FORMAT,
) -> OfflineInputs:
    """``payload`` (``-``: standard input), the keys, the day (``today`` or the machine's) and
    the list; an unreadable file, an altered or foreign list (``form``) or a stale one is a
    ``CommandError``, never used in part."""
    if payload == "-":
        payload = sys.stdin.read().strip()
    try:
        keys = signing.load_public_keys(key_file)
        day = dt.date.fromisoformat(today) if today else dt.date.today()  # noqa: DTZ011
        revoked = revocations.load(json.loads(list_file.read_text()), public_keys=keys, form=form)
    except revocations.RevocationListError as exc:
        raise CommandError(f"{list_file}: refused: {exc}") from exc
    except (OSError, ValueError, signing.KeyFileError) as exc:
        raise CommandError(str(exc)) from exc
    # The list is stale once the day after its "next update" has begun (the verifier's date).
    if day > revoked.next_update.date():
        raise CommandError(
            f"{list_file}: the revocation list was due for renewal at "
            f"{revoked.next_update:%Y-%m-%d %H:%M} UTC; fetch a new one"
        )
    return OfflineInputs(payload, keys, day, revoked)
