"""Fault injection: the database connection breaks in the middle of a request.

On the real PostgreSQL (``make test-services``) a second connection kills the request's
backend (``pg_terminate_backend``) at a chosen step inside a dossier approval and inside a
report ingest: the client gets 503 ``database_unavailable`` (JSON, ``Retry-After``), nothing of
the request is left in the database, and the same request sent again succeeds. On both passes
the API, the portal and failing middleware turn ``OperationalError`` / ``InterfaceError`` into
that same 503 instead of a 500."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from ansinh.audit.models import AuditEvent
from ansinh.conftest import STAFF_PASSWORD
from ansinh.contributions import statements
from ansinh.contributions.models import (
    ContributionMonth,
    ContributionRate,
    Employment,
    Report,
    ReportLine,
)
from ansinh.contributions.tests.conftest import line, send
from ansinh.dossiers import deciding
from ansinh.dossiers import services as dossier_services
from ansinh.dossiers.models import Dossier, DossierEvent, FieldDecision
from ansinh.dossiers.tests.helpers import decide, token, unit_file
from ansinh.notifications.models import Notice, OutboundEmail
from ansinh.people.models import Person, PersonChange
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

NEW_ADDRESS = "5 Hàng Bài, Hoàn Kiếm, Hà Nội"
OLD_ADDRESS = "12 Phố Kim Mã, Ba Đình, Hà Nội"


def _assert_database_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "database_unavailable"


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("drops a real PostgreSQL connection (make test-services)")


def _kill_this_connection() -> None:
    """Terminate this process's PostgreSQL backend from a second connection, as a server
    restart, a fail-over or a network cut would; wait until it is gone."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        row = other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()
    assert row == (True,)


def _then_drop_the_connection(monkeypatch: Any, target: Any, name: str) -> list[int]:
    """Patch ``target.name`` so that its first call runs and then the connection dies."""
    real: Callable[..., Any] = getattr(target, name)
    calls: list[int] = []

    def step(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if not calls:
            calls.append(1)
            _kill_this_connection()
        return result

    monkeypatch.setattr(target, name, step)
    return calls


# --- A dossier approval ---------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_during_a_dossier_approval_applies_nothing_and_a_retry_succeeds(
    api, unit_key, employees, clerk, monkeypatch
):
    _needs_postgresql()
    filed = unit_file(api, "0123456789", {"address": NEW_ADDRESS})
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]
    clerk_token = token(api, "canbo1", STAFF_PASSWORD)
    before = (
        Notice.objects.count(),
        OutboundEmail.objects.count(),
        AuditEvent.objects.filter(event="dossier.decided").count(),
    )
    # The registry is changed (the address and its history row), then the connection dies
    # before the timeline event, the notice and the commit.
    calls = _then_drop_the_connection(monkeypatch, deciding, "change_personal_data")

    response = decide(api, clerk_token, dossier_id, {"address": "approve"})

    assert calls == [1]
    _assert_database_unavailable(response)
    person = Person.objects.get(bhxh_code="0123456789")
    assert person.address == OLD_ADDRESS
    assert not PersonChange.objects.filter(person=person).exists()
    dossier = Dossier.objects.get(public_id=dossier_id)
    assert (dossier.status, dossier.closed_at) == ("submitted", None)
    assert not FieldDecision.objects.exists()
    assert list(DossierEvent.objects.values_list("kind", flat=True)) == ["submitted"]
    assert (
        Notice.objects.count(),
        OutboundEmail.objects.count(),
        AuditEvent.objects.filter(event="dossier.decided").count(),
    ) == before

    again = decide(api, clerk_token, dossier_id, {"address": "approve"})

    assert again.status_code == 200, again.content
    assert again.json()["status"] == "approved"
    person.refresh_from_db()
    assert person.address == NEW_ADDRESS
    assert PersonChange.objects.filter(person=person, field="address").count() == 1
    assert FieldDecision.objects.count() == 1
    assert list(DossierEvent.objects.values_list("kind", flat=True)) == ["submitted", "approved"]
    assert AuditEvent.objects.filter(event="dossier.decided").count() == before[2] + 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_during_a_back_office_approval_shows_the_503_page_and_a_retry_succeeds(
    api, unit_key, employees, clerk, monkeypatch
):
    _needs_postgresql()
    dossier_id = unit_file(api, "0123456789", {"address": NEW_ADDRESS}).json()["dossier_id"]
    staff = Client()
    login(staff, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    path = f"/backoffice/dossiers/{dossier_id}/"
    form = {"csrfmiddlewaretoken": csrf_token(staff, path), "decision_address": "approve"}
    calls = _then_drop_the_connection(monkeypatch, deciding, "change_personal_data")

    response = staff.post(path, form)

    assert calls == [1]
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "database_unavailable" in response.content.decode()
    assert Person.objects.get(bhxh_code="0123456789").address == OLD_ADDRESS
    assert Dossier.objects.get(public_id=dossier_id).status == "submitted"
    assert not FieldDecision.objects.exists()

    again = staff.post(path, form)

    assert again.status_code == 302
    assert Person.objects.get(bhxh_code="0123456789").address == NEW_ADDRESS
    assert Dossier.objects.get(public_id=dossier_id).status == "approved"


# --- A report ingest ------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_connection_dropped_during_a_report_ingest_stores_nothing_and_a_retry_succeeds(
    api, citizen, unit_key, monkeypatch
):
    _needs_postgresql()
    if not ContributionRate.objects.exists():
        # An earlier transactional test flushed what the data migration loaded.
        reference_data = importlib.import_module(
            "ansinh.contributions.migrations.0002_reference_data"
        )
        reference_data.load(apps, None)
    lines = [line("0123456789", "hire", "2026-08", salary=10_000_000, job_title="Kế toán")]
    # The report, its lines (COPY), the employment and the months are written; the connection
    # dies while the statements are refreshed, before the audit row and the commit.
    calls = _then_drop_the_connection(monkeypatch, statements, "refresh_statements")

    response = send(api, unit_key, "D02-2026-10", "2026-10", lines)

    assert calls == [1], response.content
    _assert_database_unavailable(response)
    assert not Report.objects.exists()
    assert not ReportLine.objects.exists()
    assert not Employment.objects.exists()
    assert not ContributionMonth.objects.exists()
    assert not AuditEvent.objects.filter(event="report.received").exists()

    again = send(api, unit_key, "D02-2026-10", "2026-10", lines)

    assert again.status_code == 201, again.content  # stored now, not a replay of a half report
    assert again.json()["replayed"] is False
    assert Report.objects.count() == 1
    assert ReportLine.objects.count() == 1
    assert Employment.objects.count() == 1
    assert ContributionMonth.objects.count() == 3  # 2026-08 … 2026-10
    assert AuditEvent.objects.filter(event="report.received").count() == 1


# --- The error the client gets (both passes) ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_error_in_an_api_call_is_503_database_unavailable(
    api, unit_key, employees, clerk, monkeypatch, error
):
    dossier_id = unit_file(api, "0123456789", {"address": NEW_ADDRESS}).json()["dossier_id"]
    clerk_token = token(api, "canbo1", STAFF_PASSWORD)

    def broken(**kwargs: Any) -> Any:
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(dossier_services, "decide_dossier", broken)

    response = api.post(
        f"/staff/dossiers/{dossier_id}/decision",
        {"decisions": {"address": "approve"}},
        token=clerk_token,
        lang="en",
    )

    _assert_database_unavailable(response)
    assert "try again" in response.json()["error"]["message"].lower()
    assert "server closed" not in response.content.decode()  # no internals leak


@pytest.mark.django_db
def test_a_database_lost_while_middleware_loads_the_session_is_a_503_page(citizen, monkeypatch):
    browser = Client(raise_request_exception=False)
    browser.force_login(citizen)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionStore, "load", broken)

    response = browser.get("/ca-nhan/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "database_unavailable" in body
    assert "administrator command" not in body


@pytest.mark.django_db
def test_readiness_is_503_while_the_database_does_not_answer(client, monkeypatch):
    from ansinh.ops import views

    class Unreachable:
        def cursor(self) -> Any:
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Unreachable())

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["checks"]["database"]) == ("unavailable", "unavailable")
