"""Which door a signed-in account may use (STYLE §4, docs/architecture.md).

Adapters never read a user's role: they ask these helpers with the ``Actor`` they built and map
the refusal (the API to 403 with the error's ``code``, the back office to its login page, the
portal to the back office's home). Refusals carry a stable ``code`` and a readable message and
no HTTP status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ansinh.lib.errors import Forbidden

from .models import STAFF_ROLES, Role

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor
    from ansinh.people.models import Office

    from .models import User

# Roles that decide what a clerk may not: disputed email changes, API keys.
APPROVER_ROLES = (Role.APPROVER, Role.ADMIN)


class AccessDenied(Forbidden):
    """Refused by a door rule (a ``Forbidden`` of ``ansinh.lib.errors``). ``code`` is stable
    (API bodies, tests), ``message`` readable."""


class StaffOnly(AccessDenied):  # noqa: N818
    """The actor is not BHXH office staff (anonymous, a citizen, a unit key)."""

    code = "staff_only"
    message = _("Only BHXH office staff may do this.")


class CitizensOnly(AccessDenied):  # noqa: N818
    """The actor is not a citizen with a registry record (anonymous, staff, a unit key)."""

    code = "citizens_only"
    message = _("Only the person may do this.")


def require_staff(actor: Actor) -> User:
    """The acting office staff member (clerk, approver or administrator); ``StaffOnly`` for
    anyone else. Office scope is the object's access helper's work (``get_dossier_for_staff``,
    ``get_unit_for_staff``): this only tells the back office's door from the others."""
    user = actor.user
    if user is None or not user.is_authenticated or user.role not in STAFF_ROLES:
        raise StaffOnly
    return user


def require_staff_office(actor: Actor) -> tuple[User, Office]:
    """The acting staff member and the office they work for; ``StaffOnly`` for anyone else,
    staff without an office included."""
    user = require_staff(actor)
    if not (user.office_id and user.office):
        raise StaffOnly
    return user, user.office


def require_citizen(actor: Actor) -> User:
    """The acting citizen, who has a registry record; ``CitizensOnly`` for anyone else (staff
    accounts have no record of their own, so "my data" means nothing for them)."""
    user = actor.user
    if user is None or not user.is_authenticated or user.role != Role.CITIZEN:
        raise CitizensOnly
    if not user.person_id:
        raise CitizensOnly
    return user


def is_approver(actor: Actor) -> bool:
    """Whether the actor is an approver or administrator (what a page offers; the service that
    acts checks again)."""
    user = actor.user
    return user is not None and user.is_authenticated and user.role in APPROVER_ROLES
