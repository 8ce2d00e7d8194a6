"""The back office's API-key pages (backoffice/keys.py): the office scope and the approver rule
live in ``accounts.keys``, so another office's approver is answered like a clerk: 404."""

from __future__ import annotations

import pytest
from django.test import Client

from ansinh.accounts import keys
from ansinh.accounts.models import Role
from ansinh.conftest import STAFF_PASSWORD, make_staff
from ansinh.lib.actor import Actor
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

pytestmark = pytest.mark.django_db


def _staff(username: str) -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


def _post(client: Client, path: str, data: dict):
    return client.post(
        path, {"csrfmiddlewaretoken": csrf_token(client, "/backoffice/keys/"), **data}
    )


def test_an_approver_of_another_office_cannot_see_issue_or_revoke_a_units_key(unit, other_office):
    issued = keys.issue_key(unit=unit, actor=Actor.command(), label="HR")
    make_staff(username="canbo9", role=Role.APPROVER, office=other_office)
    stranger = _staff("canbo9")

    listing = stranger.get("/backoffice/keys/")
    assert listing.status_code == 200
    assert str(issued.key.public_id) not in listing.content.decode()
    assert "TA01234" not in listing.content.decode()
    refused = _post(stranger, f"/backoffice/keys/{issued.key.public_id}/revoke/", {})
    assert refused.status_code == 404
    assert _post(stranger, "/backoffice/keys/", {"owner": "unit:TA01234"}).status_code == 400
    assert keys.authenticate_key(issued.raw) is not None


def test_staff_without_an_office_get_403_on_the_key_pages(db):
    from ansinh.accounts.models import User

    User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    client = Client()
    login(client, "quantri", "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)

    assert client.get("/backoffice/keys/").status_code == 403
