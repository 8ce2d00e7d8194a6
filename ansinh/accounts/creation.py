"""Where a citizen's e-transaction account comes into being (DESIGN §3.2): one account per
person, username = the BHXH code, no usable password until a service gives it one.

Every path builds it here: an approved registration (01/ĐK-GD, ``dossiers.services``) through
``create_citizen_account``; the demo loader (``ops.demo``: the fixed demo citizens one by one,
the synthetic registry in bulk) through ``citizen_account``. Staff accounts are made by the
operator's commands, never here; the admin site cannot add accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from ansinh.audit.services import record

from .models import Role, User

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor
    from ansinh.people.models import Person


def citizen_account(*, bhxh_code: str, person_id: int, language: str = "") -> User:
    """An unsaved citizen account for the person ``person_id`` (for bulk loading): signed in
    as ``bhxh_code``, no usable password."""
    user = User(username=bhxh_code, role=Role.CITIZEN, person_id=person_id)
    if language:
        user.language = language
    user.set_unusable_password()
    return user


def create_citizen_account(
    *, person: Person, by: Actor, language: str = "", details: dict[str, Any] | None = None
) -> User:
    """Create and audit (``account.created``) the account of ``person``, who has none; it has
    no usable password: the caller gives it one (a temporary password for a registration).
    Call inside the caller's transaction when the account is part of a larger change."""
    assert person.pk is not None  # noqa: S101 - a saved registry record
    with transaction.atomic():
        user = citizen_account(bhxh_code=person.bhxh_code, person_id=person.pk, language=language)
        user.save()
        record("account.created", subject=user, by=by, details=details or {})
    return user
