"""Who may read or write what in contributions (STYLE §4): adapters go through these.

Staff work on the units of their own office only. Another office's unit answers exactly like a
unit that does not exist (``UnitNotFound``, which the back office shows as the same 404 page),
so staff cannot learn which unit codes exist elsewhere, as with dossiers (docs/dossiers.md).
Actions that move money (recording a payment, importing bank transfers) need the approver role
(or the administrator's); clerks read statements and upload reports. The operator's commands
(``Actor.command()``, no user) act for every office. See docs/contributions.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ansinh.accounts.models import Role
from ansinh.lib.actor import Channel
from ansinh.lib.errors import DomainError, Forbidden, NotFound
from ansinh.lib.identifiers import UNIT_CODE_RE
from ansinh.people.models import Office, Person, Unit

from .models import Report

if TYPE_CHECKING:
    from ansinh.accounts.models import OrganisationKey
    from ansinh.lib.actor import Actor

# Roles that may record payments and import bank transfers.
MONEY_ROLES = (Role.APPROVER, Role.ADMIN)


class NotACitizen(Exception):  # noqa: N818
    """A staff account has no participation or card of its own."""


class NotAUnit(Exception):  # noqa: N818
    """The key belongs to a collection organisation, not to an employer unit."""


class ContributionAccessError(DomainError):
    """Refused by an access rule. ``code`` is stable (for tests and logs), ``message`` readable;
    no HTTP status: each is one of the kinds of ``ansinh.lib.errors`` (``UnitNotFound`` a
    ``NotFound``, the others ``Forbidden``), which each adapter maps."""


class StaffOnly(ContributionAccessError, Forbidden):  # noqa: N818
    """The actor is not BHXH staff with an office (a citizen, a unit key, staff without one)."""

    code = "staff_only"
    message = _("Only BHXH office staff may do this.")


class UnitNotFound(ContributionAccessError, NotFound):  # noqa: N818
    """No unit with that code in the actor's office: unknown, malformed or another office's."""

    code = "unit_not_found"
    message = _("There is no unit with this code in your office.")


class ApproverRequired(ContributionAccessError, Forbidden):  # noqa: N818
    """Recording or importing payments needs the approver role."""

    code = "approver_required"
    message = _("Only an approver may record payments or import bank transfers.")


def person_of_citizen(actor: Actor) -> Person:
    """The acting citizen's own record; a citizen reads only their own participation and
    card, so no identifier from the request is ever used to choose whose. ``NotACitizen`` for
    anyone without one (staff, a key, nobody)."""
    user = actor.user
    if user is None or not user.person_id:
        raise NotACitizen(user.username if user is not None else "")
    person = user.person
    assert person is not None  # noqa: S101
    return person


def unit_of_key(key: OrganisationKey) -> Unit:
    """The unit a unit API key acts for: reports and statements are always this unit's."""
    if key.unit is None:
        raise NotAUnit(key.owner_code)
    return key.unit


def _is_operator(actor: Actor) -> bool:
    return actor.channel == Channel.CLI and actor.is_anonymous


def staff_office(actor: Actor) -> Office | None:
    """The office whose units ``actor`` may work on; ``None`` for the operator's commands (every
    office). Contract: anyone else but office staff with an office raises ``StaffOnly``."""
    if _is_operator(actor):
        return None
    user = actor.user
    if user is None or not user.is_office_staff or not user.office_id or user.office is None:
        raise StaffOnly
    return user.office


def may_move_money(actor: Actor) -> bool:
    """Whether ``actor`` may record payments and import bank transfers (for pages to show the
    forms or a notice; the services check ``require_money_role`` themselves)."""
    try:
        require_money_role(actor)
    except ContributionAccessError:
        return False
    return True


def require_money_role(actor: Actor) -> None:
    """Contract: office staff without the approver (or administrator) role raise
    ``ApproverRequired``; anyone who is not office staff raises ``StaffOnly``; the operator's
    commands pass."""
    if staff_office(actor) is None:
        return
    assert actor.user is not None  # noqa: S101 - staff_office checked it
    if actor.user.role not in MONEY_ROLES:
        raise ApproverRequired


def get_unit_for_staff(actor: Actor, unit_code: str) -> Unit:
    """The unit ``unit_code`` if ``actor`` may work on it (a unit of the actor's office).

    Contract: non-staff raise ``StaffOnly``; a malformed code, an unknown code and a unit of
    another office raise ``UnitNotFound`` alike (the same query, the same exception), so a
    clerk cannot tell another office's units from codes that do not exist.
    """
    office = staff_office(actor)
    code = (unit_code or "").strip()
    if not UNIT_CODE_RE.fullmatch(code):
        raise UnitNotFound
    units = Unit.objects.select_related("office").filter(code=code)
    if office is not None:
        units = units.filter(office=office)
    unit = units.first()
    if unit is None:
        raise UnitNotFound
    return unit


def units_for_staff(actor: Actor, codes: set[str]) -> dict[str, Unit]:
    """The units among ``codes`` that ``actor`` may work on, by code (bank imports name many
    units). Codes of another office are missing exactly like unknown ones."""
    office = staff_office(actor)
    wanted = sorted(code for code in codes if UNIT_CODE_RE.fullmatch(code))
    units = Unit.objects.filter(code__in=wanted)
    if office is not None:
        units = units.filter(office=office)
    return {unit.code: unit for unit in units}


def log_staff_reads(actor: Actor, persons: Iterable[Person], *, what: str) -> None:
    """Write one data-access row per distinct person in ``persons`` that ``actor`` (staff) was
    shown (DESIGN §3.7): for pages such as the admin's lists that show many persons' rows."""
    from ansinh.audit.services import log_access

    seen: set[int] = set()
    for person in persons:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        log_access(person=person, what=what, by=actor)


def get_report_for_unit(unit: Unit, report_id: str) -> Report | None:
    """A report ``unit`` sent, by its public id (any case); ``None`` for another unit's, an
    unknown or a malformed id alike, so a key learns nothing about other units' reports."""
    if len(report_id or "") != 36:
        return None
    return Report.objects.filter(unit=unit, public_id__iexact=report_id).first()


__all__ = [
    "ApproverRequired",
    "ContributionAccessError",
    "MONEY_ROLES",
    "NotACitizen",
    "NotAUnit",
    "StaffOnly",
    "UnitNotFound",
    "get_report_for_unit",
    "get_unit_for_staff",
    "log_staff_reads",
    "may_move_money",
    "person_of_citizen",
    "require_money_role",
    "staff_office",
    "unit_of_key",
    "units_for_staff",
]
