"""API keys of units and collection organisations: issued, listed and revoked from the CLI,
stored hashed, and the demo key of TA01234."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ansinh.accounts import keys
from ansinh.accounts.models import OrganisationKey
from ansinh.audit.models import AuditEvent
from ansinh.lib.actor import Actor
from ansinh.people.models import CollectionOrganisation

pytestmark = pytest.mark.django_db


def _cli(*args: str) -> str:
    out = StringIO()
    call_command("orgkey", *args, stdout=out)
    return out.getvalue()


def test_cli_issues_a_key_shown_once_and_stored_only_as_a_digest(unit):
    output = _cli("issue", "TA01234", "--label", "HR system")
    raw = next(line.split()[-1] for line in output.splitlines() if line.startswith("key:"))
    assert raw.startswith("ansk_") and len(raw) > 40

    key = OrganisationKey.objects.get()
    assert (key.unit, key.label) == (unit, "HR system")
    assert raw not in (key.digest, key.prefix) and key.digest == keys.digest(raw)
    assert keys.authenticate_key(raw) == key
    assert raw not in _cli("list")
    assert AuditEvent.objects.filter(event="orgkey.issued").count() == 1


def test_cli_revokes_a_key_and_it_stops_working(unit):
    issued = keys.issue_key(unit=unit, actor=Actor.command())
    _cli("revoke", str(issued.key.public_id))
    assert keys.authenticate_key(issued.raw) is None
    assert "revoked" in _cli("list", "TA01234")
    assert "already revoked" in _cli("revoke", str(issued.key.public_id))


def test_a_collection_organisation_gets_keys_too(office):
    organisation = CollectionOrganisation.objects.create(
        code="TC0001", name="Bưu điện Ba Đình", office=office
    )
    _cli("issue", "TC0001")
    assert OrganisationKey.objects.get().organisation == organisation


@pytest.mark.parametrize(
    "args",
    [
        ("issue", "NOPE999"),
        ("revoke", "not-a-uuid"),
        ("revoke", "3f2b0a1e-0000-4000-8000-000000000000"),
    ],
)
def test_cli_refuses_unknown_owners_and_keys(unit, args):
    with pytest.raises(CommandError):
        _cli(*args)


@pytest.mark.parametrize("raw", ["", "ansk_unknown", "x" * 500])
def test_unknown_keys_authenticate_nobody(unit, raw):
    keys.issue_key(unit=unit, actor=Actor.command())
    assert keys.authenticate_key(raw) is None


def test_demo_data_has_the_documented_unit_key(db):
    call_command("demo", synthetic=0, stdout=StringIO())
    key = keys.authenticate_key("demo-unit-key-TA01234")
    assert key is not None and key.unit.code == "TA01234"
    call_command("demo", synthetic=0, stdout=StringIO())
    assert OrganisationKey.objects.count() == 1


def test_demo_data_refuses_the_production_profile(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", synthetic=0, stdout=StringIO())
    assert not OrganisationKey.objects.exists()
