"""Claims ("Nhận xử lý", ``claims``): a dossier another clerk holds cannot be decided until
one takes it over (audited) or an approver assigns it (audited); a hold lapses after
``DOSSIER_CLAIM_IDLE_MINUTES`` idle; of two clerks claiming at once exactly one gets it."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from ansinh.audit.models import AuditEvent
from ansinh.conftest import STAFF_PASSWORD, make_staff
from ansinh.dossiers import claims, services
from ansinh.dossiers.errors import Conflict, Forbidden, Invalid
from ansinh.dossiers.models import Dossier, FieldDecision
from ansinh.lib.actor import Actor, Channel
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

from .helpers import decide, token, unit_file

NOON = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


def _as(user) -> Actor:
    return Actor(channel=Channel.BACKOFFICE, user=user)


def _staff(username: str) -> Client:
    client = Client()
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


@pytest.fixture
def filed(api, unit_key, employees) -> Dossier:
    response = unit_file(api, "0123456789", {"address": "5 Hàng Bài"})
    assert response.status_code == 201, response.content
    return Dossier.objects.get(public_id=response.json()["dossier_id"])


@pytest.fixture
def colleague(office):
    return make_staff(username="canbo3", role="clerk", office=office)


def _decide(dossier: Dossier, user) -> Dossier:
    return services.decide_dossier(
        dossier=dossier, actor=_as(user), decisions={"address": "approve"}
    )


@pytest.mark.django_db
def test_a_dossier_another_clerk_holds_cannot_be_decided(filed, clerk, colleague):
    claims.claim(dossier=filed, actor=_as(clerk))

    with pytest.raises(Conflict) as refused:
        _decide(filed, colleague)

    assert refused.value.code == "claimed_by_other"
    assert "Cán bộ canbo1 (canbo1)" in str(refused.value.message)
    assert not FieldDecision.objects.exists()
    assert _decide(filed, clerk).status == "approved"


@pytest.mark.django_db
def test_a_second_clerk_cannot_claim_a_held_dossier_and_is_told_who_holds_it(
    filed, clerk, colleague
):
    claims.claim(dossier=filed, actor=_as(clerk))

    with pytest.raises(Conflict) as refused:
        claims.claim(dossier=filed, actor=_as(colleague))

    assert refused.value.code == "claimed_by_other"
    filed.refresh_from_db()
    assert filed.claimed_by == clerk


@pytest.mark.django_db
def test_taking_over_is_audited_and_lets_the_new_holder_decide(filed, clerk, colleague):
    claims.claim(dossier=filed, actor=_as(clerk))

    claims.take_over(dossier=filed, actor=_as(colleague))

    row = AuditEvent.objects.get(event="dossier.claim_taken_over")
    assert row.actor == colleague
    assert row.details == {"dossier": filed.public_id, "from": "canbo1"}
    with pytest.raises(Conflict):
        _decide(filed, clerk)
    assert _decide(filed, colleague).status == "approved"


@pytest.mark.django_db
def test_an_approver_assigns_a_dossier_to_a_clerk_and_only_an_approver_may(
    filed, clerk, colleague, approver, other_office
):
    claims.claim(dossier=filed, actor=_as(clerk))
    with pytest.raises(Forbidden) as refused:
        claims.assign(dossier=filed, actor=_as(clerk), to="canbo3")
    assert refused.value.code == "approver_only"
    make_staff(username="canbo9", role="clerk", office=other_office)
    with pytest.raises(Invalid):
        claims.assign(dossier=filed, actor=_as(approver), to="canbo9")

    claims.assign(dossier=filed, actor=_as(approver), to="canbo3")

    row = AuditEvent.objects.get(event="dossier.assigned")
    assert row.actor == approver
    assert row.details == {"dossier": filed.public_id, "to": "canbo3", "from": "canbo1"}
    with pytest.raises(Conflict):
        _decide(filed, clerk)
    assert _decide(filed, colleague).status == "approved"


@pytest.mark.django_db
def test_a_hold_lapses_after_the_idle_minutes_and_opening_the_dossier_keeps_it(
    filed, clerk, colleague, settings
):
    settings.DOSSIER_CLAIM_IDLE_MINUTES = 30
    with time_machine.travel(NOON, tick=False):
        claims.claim(dossier=filed, actor=_as(clerk))
    with time_machine.travel(NOON + dt.timedelta(minutes=20), tick=False):
        claims.touch(dossier=filed, actor=_as(clerk))  # the clerk opened it again
    with time_machine.travel(NOON + dt.timedelta(minutes=45), tick=False):
        with pytest.raises(Conflict):
            claims.claim(dossier=filed, actor=_as(colleague))
    with time_machine.travel(NOON + dt.timedelta(minutes=51), tick=False):
        assert claims.holder_of(Dossier.objects.get(pk=filed.pk)) is None
        claims.claim(dossier=filed, actor=_as(colleague))
        assert _decide(filed, colleague).status == "approved"


@pytest.mark.django_db
def test_a_decision_that_leaves_only_the_second_approval_lets_the_dossier_go(
    api, unit_key, employees, clerk
):
    dossier_id = unit_file(api, "0123456790", {"email": "binh@example.org"}).json()["dossier_id"]
    dossier = Dossier.objects.get(public_id=dossier_id)
    claims.claim(dossier=dossier, actor=_as(clerk))

    services.decide_dossier(dossier=dossier, actor=_as(clerk), decisions={"email": "approve"})

    dossier.refresh_from_db()
    assert dossier.status == "awaiting_second_approval"
    assert dossier.claimed_by is None


@pytest.mark.django_db
def test_a_closed_dossier_cannot_be_claimed(filed, clerk):
    _decide(filed, clerk)

    with pytest.raises(Conflict) as refused:
        claims.claim(dossier=filed, actor=_as(clerk))
    assert refused.value.code == "dossier_closed"


@pytest.mark.django_db
def test_the_back_office_shows_the_holder_and_refuses_the_other_clerks_decision(
    filed, clerk, colleague, api
):
    holder = _staff("canbo1")
    path = f"/backoffice/dossiers/{filed.public_id}/"
    response = holder.post(
        path + "claim/", {"csrfmiddlewaretoken": csrf_token(holder, path), "action": "claim"}
    )
    assert response.status_code == 302 and response.headers["Location"] == path

    other = _staff("canbo3")
    page = other.get(path).content.decode()
    assert 'data-held="other"' in page
    assert "Hồ sơ đang do Cán bộ canbo1 (canbo1) xử lý." in page
    queue = other.get("/backoffice/dossiers/", {"view": "all"}).content.decode()
    assert "Đang do Cán bộ canbo1 (canbo1) xử lý" in queue
    refused = other.post(
        path, {"csrfmiddlewaretoken": csrf_token(other, path), "decision_address": "approve"}
    )
    assert refused.status_code == 409
    claim = other.post(
        path + "claim/", {"csrfmiddlewaretoken": csrf_token(other, path), "action": "claim"}
    )
    assert claim.status_code == 409 and 'data-code="claimed_by_other"' in claim.content.decode()
    by_api = decide(
        api, token(api, "canbo3", STAFF_PASSWORD), filed.public_id, {"address": "approve"}
    )
    assert by_api.status_code == 409 and by_api.json()["error"]["code"] == "claimed_by_other"
    assert not FieldDecision.objects.exists()

    taken = other.post(
        path + "claim/", {"csrfmiddlewaretoken": csrf_token(other, path), "action": "take_over"}
    )
    assert taken.status_code == 302
    assert 'data-held="other"' in holder.get(path).content.decode()


# --- Two clerks at once, on the real PostgreSQL ------------------------------------------------

PARALLEL = 6


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_of_clerks_claiming_at_once_exactly_one_gets_the_dossier(filed, office):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    path = f"/backoffice/dossiers/{filed.public_id}/"
    clients = []
    for n in range(PARALLEL):
        make_staff(username=f"nhan{n}", role="clerk", office=office)
        client = _staff(f"nhan{n}")
        clients.append((client, csrf_token(client, path)))
    barrier = threading.Barrier(PARALLEL)

    def attempt(pair: tuple[Client, str]) -> int:
        client, csrf = pair
        try:
            barrier.wait(timeout=30)
            return client.post(
                path + "claim/", {"csrfmiddlewaretoken": csrf, "action": "claim"}
            ).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(attempt, clients))

    assert sorted(statuses) == [302] + [409] * (PARALLEL - 1)
    assert AuditEvent.objects.filter(event="dossier.claimed").count() == 1
    filed.refresh_from_db()
    assert filed.claimed_by is not None and filed.claimed_by.username.startswith("nhan")
