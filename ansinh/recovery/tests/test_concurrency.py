"""Atomic consumption (DESIGN §3.3): of many concurrent right answers exactly one wins and
exactly one credentials email goes out. Real parallel requests, each thread on its own
database connection, all released at once by a barrier."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from ansinh.conftest import Api
from ansinh.notifications.models import OutboundEmail
from ansinh.recovery.models import Recovery, RecoveryStatus

from .helpers import NEW_PASSWORD, last_code, start_id

PARALLEL = 12


def _race(recovery_id: str, code: str, bodies: list[dict[str, str]]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def attempt(body: dict[str, str]) -> int:
        try:
            barrier.wait(timeout=30)
            response = Client().post(
                f"/api/v1/auth/recovery/{recovery_id}/verify",
                data=body,
                content_type="application/json",
                REMOTE_ADDR="203.0.113.7",
            )
            return int(response.status_code)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(attempt, bodies))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_right_codes_have_exactly_one_winner_and_one_credentials_email(
    citizen, mailoutbox
):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    recovery_id = start_id(Api(Client()))
    code = last_code(mailoutbox)

    statuses = _race(recovery_id, code, [{"otp": code}] * PARALLEL)

    assert sorted(statuses) == [200] + [410] * (PARALLEL - 1)
    assert OutboundEmail.objects.filter(kind="recovery_credentials").count() == 1
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 1
    assert Recovery.objects.get().status == RecoveryStatus.COMPLETED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_codes_with_and_without_a_new_password_still_have_one_winner(citizen, mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections to the real PostgreSQL (make test-services)")
    recovery_id = start_id(Api(Client()))
    code = last_code(mailoutbox)
    bodies = [{"otp": code, "new_password": NEW_PASSWORD}, {"otp": code}] * (PARALLEL // 2)

    statuses = _race(recovery_id, code, bodies)

    assert statuses.count(200) == 1
    assert statuses.count(410) == PARALLEL - 1
    winners = OutboundEmail.objects.filter(kind__in=["recovery_credentials", "password_reset"])
    assert winners.filter(kind="password_reset").count() == 1
    assert winners.filter(kind="recovery_credentials").count() <= 1
