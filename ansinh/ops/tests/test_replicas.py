"""Read replicas against a real PostgreSQL streaming standby (issue 16, ansinh/lib/replicas.py):
the read endpoints read from it, a request that just wrote reads its write, a standby that is
down or lags is survived. Skipped on the embedded SQLite pass (no standby to start)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ansinh.accounts.models import User
from ansinh.conftest import CITIZEN_PASSWORD, Api
from ansinh.contributions.models import ContributionRate, Report
from ansinh.lib import replicas
from ansinh.notifications.models import Notice
from ansinh.portal.tests.helpers import login

from .standby import Standby, standby  # noqa: F401 - the session fixture

pytestmark = [
    pytest.mark.skipif(
        "replica" not in django_settings.DATABASES,
        reason="a streaming standby needs DATABASE_URL on PostgreSQL",
    ),
    pytest.mark.services,
    # Committed rows: a test's rolled-back transaction would never reach the standby.
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


@pytest.fixture
def replica(standby: Standby, settings: Any) -> Iterator[Standby]:  # noqa: F811
    """The standby as the ``replica`` of this test, caught up, nothing remembered of it."""
    settings.DATABASE_REPLICAS = ["replica"]
    settings.REPLICA_MAX_LAG_SECONDS = 60
    standby.wait_caught_up()
    replicas.forget_health()
    yield standby
    replicas.forget_health()
    if standby.sql("SELECT pg_is_wal_replay_paused()")[0]:
        standby.resume()


def _notice(user: User, title: str) -> Notice:
    """A notice written straight on the primary, by no request."""
    return Notice.objects.create(user=user, kind="test", title=title, created_at=timezone.now())


def _titles(api: Api, token: str) -> list[str]:
    response = api.get("/me/notifications", token=token)
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def _signed_in(api: Api, citizen: User, replica: Standby) -> str:
    """Sign in (a write), then let the standby replay it, so that reads may go there."""
    token = str(api.login(citizen.username, CITIZEN_PASSWORD)["access_token"])
    replica.wait_caught_up()
    replicas.forget_health()
    return token


def test_the_read_endpoints_read_from_the_standby(
    api: Api, citizen: User, replica: Standby
) -> None:
    token = _signed_in(api, citizen, replica)
    replica.pause()
    _notice(citizen, "Chỉ có trên máy chính")
    # The standby has not replayed it: the list read from the standby does not show it …
    assert _titles(api, token) == []
    # The card first: the first history read stores a snapshot on the primary (a write).
    for path in ("/me/card", "/me/participation"):
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            response = api.get(path, token=token)
        assert response.status_code in {200, 404}, (path, response.content)
        assert on_replica.captured_queries, f"{path} did not read from the replica"
    # … until it has.
    replica.resume()
    assert _titles(api, token) == ["Chỉ có trên máy chính"]


def test_the_portal_history_reads_from_the_standby(
    client: Any, citizen: User, replica: Standby
) -> None:
    login(client, citizen.username, CITIZEN_PASSWORD)
    replica.wait_caught_up()
    replicas.forget_health()
    # The card first: the first history read stores a snapshot on the primary (a write).
    for url in ("/ca-nhan/the-bhyt/", "/ca-nhan/qua-trinh-tham-gia/"):
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            response = client.get(url)
        assert response.status_code == 200, url
        assert on_replica.captured_queries, f"{url} did not read from the replica"


def test_without_the_decorator_reads_go_to_the_primary(
    api: Api, citizen: User, replica: Standby
) -> None:
    token = _signed_in(api, citizen, replica)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert api.get("/me", token=token).status_code == 200
    assert not on_replica.captured_queries


def test_a_request_that_wrote_reads_its_write(api: Api, citizen: User, replica: Standby) -> None:
    token = _signed_in(api, citizen, replica)
    _notice(citizen, "Thông báo mới")
    replica.wait_caught_up()
    replicas.forget_health()
    assert api.get("/me/notifications", token=token).json()["unread"] == 1
    replica.pause()
    # A write through the API: every notice read. The standby has not replayed it …
    assert api.post("/me/notifications/read", {}, token=token).json()["marked"] == 1
    replicas.forget_health()
    assert Notice.objects.using("replica").filter(read_at__isnull=True).count() == 1
    # … so the writer's reads go to the primary, and see the write.
    assert api.get("/me/notifications", token=token).json()["unread"] == 0
    # Once the standby has replayed past the write, they go to the standby again.
    replica.resume()
    replicas.forget_health()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert api.get("/me/notifications", token=token).json()["unread"] == 0
    assert on_replica.captured_queries


def test_a_unit_reads_the_report_it_just_sent(
    api: Api, citizen: User, unit_key: str, replica: Standby
) -> None:
    if not ContributionRate.objects.exists():
        # An earlier transactional test flushed what the data migration loaded.
        importlib.import_module("ansinh.contributions.migrations.0002_reference_data").load(
            apps, None
        )
    replica.wait_caught_up()
    replica.pause()
    sent = api.post(
        "/unit/reports",
        {
            "reference": "D02-2026-10",
            "period": "2026-10",
            "lines": [
                {
                    "bhxh_code": citizen.username,
                    "type": "hire",
                    "from_month": "2026-08",
                    "salary": 10_000_000,
                    "date_of_birth": "1990-05-17",
                }
            ],
        },
        headers={"X-API-Key": unit_key},
    )
    assert sent.status_code == 201, sent.content
    report = f"/unit/reports/{sent.json()['report_id']}"
    replicas.forget_health()
    # The standby has not replayed the report; the unit that sent it reads it from the primary.
    assert not Report.objects.using("replica").exists()
    assert api.get(report, headers={"X-API-Key": unit_key}).status_code == 200
    replica.resume()
    replicas.forget_health()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert api.get(report, headers={"X-API-Key": unit_key}).status_code == 200
    assert on_replica.captured_queries


def test_a_standby_that_is_down_is_survived(
    api: Api, citizen: User, replica: Standby, settings: Any
) -> None:
    token = _signed_in(api, citizen, replica)
    assert _titles(api, token) == []  # the connection to the standby is open now
    _notice(citizen, "Khi máy dự phòng tắt")
    replica.wait_caught_up()
    settings.REPLICA_CHECK_SECONDS = 3600  # no probe: the read itself meets the closed server
    replica.stop()
    try:
        # The read fails on the standby and runs again on the primary …
        assert _titles(api, token) == ["Khi máy dự phòng tắt"]
        assert replicas.health_of("replica").up is False
        # … and the next ones go to the primary straight away.
        assert replicas.replica_for(f"user:{citizen.pk}") is None
        for path in ("/me/participation", "/me/notifications"):
            assert api.get(path, token=token).status_code == 200
        # A probe finds it refused, too.
        replicas.forget_health()
        assert api.get("/me/card", token=token).status_code in {200, 404}
        assert replicas.health_of("replica").up is False
    finally:
        replica.start()


def test_a_lagging_standby_gets_no_reads(
    api: Api, citizen: User, replica: Standby, settings: Any
) -> None:
    token = _signed_in(api, citizen, replica)
    settings.REPLICA_MAX_LAG_SECONDS = 1
    replica.pause()
    _notice(citizen, "Máy dự phòng chậm")
    time.sleep(1.5)  # the standby's last replayed transaction is now older than the limit
    replicas.forget_health()
    assert replicas.health_of("replica").lag_seconds > 1  # type: ignore[operator]
    assert _titles(api, token) == ["Máy dự phòng chậm"]
    # Not lagging any more: back to the standby.
    replica.resume()
    replicas.forget_health()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert "Máy dự phòng chậm" in _titles(api, token)
    assert on_replica.captured_queries
