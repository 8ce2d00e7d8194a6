"""Who may read or write what in contributions (STYLE §4): adapters go through these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ansinh.people.models import Person, Unit

if TYPE_CHECKING:
    from ansinh.accounts.models import OrganisationKey, User


class NotACitizen(Exception):  # noqa: N818
    """A staff account has no participation or card of its own."""


class NotAUnit(Exception):  # noqa: N818
    """The key belongs to a collection organisation, not to an employer unit."""


def person_of_citizen(user: User) -> Person:
    """The signed-in citizen's own record; a citizen reads only their own participation and
    card, so no identifier from the request is ever used to choose whose."""
    if not user.person_id:
        raise NotACitizen(user.username)
    person = user.person
    assert person is not None  # noqa: S101
    return person


def unit_of_key(key: OrganisationKey) -> Unit:
    """The unit a unit API key acts for: reports and statements are always this unit's."""
    if key.unit is None:
        raise NotAUnit(key.owner_code)
    return key.unit
