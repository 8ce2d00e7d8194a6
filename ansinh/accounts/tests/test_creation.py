"""A citizen's account comes from one function (accounts/creation.py) on every path: an
approved registration, the demo loader; never from the admin's add form."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ansinh.accounts.creation import create_citizen_account
from ansinh.accounts.models import Role, User
from ansinh.audit.models import AuditEvent
from ansinh.lib.actor import Actor
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, login

pytestmark = pytest.mark.django_db


def test_a_created_citizen_account_is_keyed_by_the_bhxh_code_and_has_no_password(db):
    person = Person.objects.create(
        bhxh_code="0199999999",
        full_name="Lê Văn Cường",
        date_of_birth="1985-01-02",
        sex="M",
        province_code="01",
    )

    user = create_citizen_account(person=person, by=Actor.command(), details={"why": "test"})

    user.refresh_from_db()
    assert (user.username, user.role, user.person) == ("0199999999", Role.CITIZEN, person)
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(event="account.created", subject=user)
    assert (event.channel, event.details) == ("cli", {"why": "test"})


def test_the_demo_citizens_accounts_are_created_by_the_creation_function(db):
    call_command("demo", synthetic=0, stdout=StringIO())

    created = AuditEvent.objects.filter(event="account.created", details__source="demo")
    assert sorted(e.subject.username for e in created) == ["0123456789", "0123456790"]
    call_command("demo", synthetic=0, stdout=StringIO())  # loading again creates nothing
    assert AuditEvent.objects.filter(event="account.created").count() == 2


def test_the_admin_cannot_add_an_account(client):
    admin = User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    login(client, admin.username, "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)

    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 403
