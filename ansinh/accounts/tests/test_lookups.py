"""The account an identifier names, loaded by one precompiled query (ansinh/accounts/lookups.py)
exactly as the ORM loads it: same fields, person and office attached, role respected."""

from __future__ import annotations

import pytest

from ansinh.accounts.backends import resolve_identifier
from ansinh.accounts.models import User

pytestmark = pytest.mark.django_db


def _same_fields(loaded, fresh) -> None:
    for field in type(fresh)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(fresh, field.attname), field.name


@pytest.mark.parametrize("identifier", ["0123456789", "001090012345"])
def test_a_citizen_is_found_by_bhxh_code_or_cccd_in_one_query(
    citizen, identifier, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = resolve_identifier(identifier)
        assert user is not None
        person, office = user.person, user.office

    _same_fields(user, User.objects.get(pk=citizen.pk))
    _same_fields(person, citizen.person)
    assert office is None


def test_a_staff_member_is_found_by_username_with_the_office(clerk, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = resolve_identifier("canbo1")
        assert user is not None
        person, office = user.person, user.office

    _same_fields(user, User.objects.get(pk=clerk.pk))
    assert person is None
    _same_fields(office, clerk.office)


def test_identifiers_name_nobody_across_roles(citizen, clerk):
    User.objects.filter(pk=clerk.pk).update(username="0123456780")
    assert resolve_identifier("0123456780") is None  # 10 digits: a citizen's BHXH code only
    assert resolve_identifier("0999999999") is None
    assert resolve_identifier("canbo1") is None
