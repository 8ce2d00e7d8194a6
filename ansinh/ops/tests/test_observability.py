"""Operator endpoints and signals: /healthz, /readyz, /metrics, request ids, JSON logs with
personal data masked, security headers, and the bound on concurrent argon2 computations."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.lib import hashers
from ansinh.lib.logs import MaskPersonalData, RequestIdFilter, mask

pytestmark = pytest.mark.django_db


# --- Health -----------------------------------------------------------------------------------


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_cache_and_queue_are_fine(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {"database": "ok", "cache": "ok", "task_queue": "ok"}
    assert body["queue_depth"] == 0


@override_settings(READY_MAX_QUEUE_LAG_SECONDS=60)
def test_readyz_fails_when_the_oldest_task_waits_too_long(client):
    from ansinh.notifications.tasks import deliver_email

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        deliver_email.enqueue(123)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(seconds=61))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == "lagging"
    assert response.json()["queue_depth"] == 1


def test_readyz_fails_when_the_cache_is_down(client, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"


# --- Metrics ---------------------------------------------------------------------------------


def _metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_metrics_count_logins_requests_and_report_the_queue(client, api, citizen):
    before = _scrape(client)
    api.post("/auth/login", {"username": "0123456789", "password": "wrong-wrong-wrong"})
    api.login("0123456789", CITIZEN_PASSWORD)
    after = _scrape(client)

    for outcome in ("failure", "success"):
        name = f'ansinh_logins_total{{outcome="{outcome}"}}'
        assert _metric(after, name) == _metric(before, name) + 1
    route = 'ansinh_http_requests_total{method="POST",route="api/v1/auth/login",status="200"}'
    assert _metric(after, route) == _metric(before, route) + 1
    assert "ansinh_task_queue_depth 0.0" in after
    assert "ansinh_http_request_duration_seconds_bucket" in after


def test_metrics_count_recoveries_and_emails(client, api, citizen, mailoutbox):
    before = _scrape(client)
    api.post("/auth/recovery", {"username": "0123456789", "email": "an.nguyen@example.com"})
    after = _scrape(client)
    started = 'ansinh_recoveries_total{stage="started"}'
    assert _metric(after, started) == _metric(before, started) + 1
    sent = 'ansinh_emails_total{event="sent"}'
    assert _metric(after, sent) == _metric(before, sent) + 1
    assert 'ansinh_outbox_emails{status="sent"} 1.0' in after


def test_metric_routes_are_patterns_not_paths(client, api, citizen):
    api.post("/auth/recovery/11111111-1111-4111-8111-111111111111/verify", {"otp": "123456"})
    text = _scrape(client)
    assert "11111111-1111" not in text
    assert 'route="api/v1/auth/recovery/<recovery_id>/verify"' in text


def test_the_home_page_is_its_own_route_and_a_404_is_unmatched(client):
    assert client.get("/").status_code == 200
    assert client.get("/khong-co-trang-nay/").status_code == 404
    text = _scrape(client)
    assert 'ansinh_http_requests_total{method="GET",route="/",status="200"}' in text
    assert 'ansinh_http_requests_total{method="GET",route="unmatched",status="404"}' in text


@override_settings(METRICS_TOKEN="s3cret-metrics-token")
def test_metrics_need_the_token_when_one_is_set(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200


# --- Request ids and logs --------------------------------------------------------------------


def test_every_answer_has_a_request_id_and_a_spoofed_one_is_ignored(client):
    first, second = client.get("/healthz"), client.get("/healthz", HTTP_X_REQUEST_ID="evil-id-1234")
    assert len(first["X-Request-ID"]) == 32
    assert second["X-Request-ID"] not in (first["X-Request-ID"], "evil-id-1234")


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_trusted_proxys_request_id_is_kept_if_well_formed(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c01")["X-Request-ID"] == "lb-4f2a9c01"
    odd = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
    assert odd["X-Request-ID"] != "bad id\nInjected: yes"


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("login failed for 001090012345", "001090012345"),
        ("code for 0123456789 sent", "0123456789"),
        ("mail to an.nguyen@example.com failed", "an.nguyen@example.com"),
        ("call 0912345678 or +84912345678", "912345678"),
        ("token ans_tY7IqgsUdTwzi0zB2A8PJiZBYF_okE9V53J7CcHSN0c leaked", "tY7Iqgs"),
        ("key ansk_abcdefghijklmnop leaked", "abcdefgh"),
    ],
)
def test_log_masking_hides_identifiers_contacts_and_tokens(raw, hidden):
    assert hidden not in mask(raw)


def test_json_log_lines_carry_the_request_id_and_masked_messages(settings):
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskPersonalData())
    logger = logging.getLogger("ansinh.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("recovery for %s by %s", "001090012345", "an.nguyen@example.com")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "-"
    assert "001090012345" not in line["message"] and "an.nguyen@" not in line["message"]
    assert line["levelname"] == "WARNING"


def test_the_request_log_line_has_route_status_and_no_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="ansinh.request"):
        client.get("/healthz?email=an.nguyen@example.com")
    [record] = [r for r in caplog.records if r.name == "ansinh.request"]
    assert record.status == 200 and record.route == "healthz"
    assert "an.nguyen" not in record.getMessage()


# --- Security headers ------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/dang-nhap/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe-inline" not in policy


# --- The argon2 memory bound -----------------------------------------------------------------


def test_no_more_argon2_computations_run_at_once_than_the_setting_allows(settings, monkeypatch):
    settings.PASSWORD_HASH_CONCURRENCY = 2
    monkeypatch.setattr(hashers, "_slots", None)
    running, peak, changed = 0, 0, threading.Condition()
    release = threading.Event()

    def held_verify(self, password, encoded):
        nonlocal running, peak
        with changed:
            running += 1
            peak = max(peak, running)
            changed.notify_all()
        release.wait(timeout=30)  # holds its slot like a long argon2 verification
        with changed:
            running -= 1
        return True

    monkeypatch.setattr(hashers.Argon2PasswordHasher, "verify", held_verify)
    hasher = hashers.Argon2idHasher()
    threads = [threading.Thread(target=hasher.verify, args=("pw", "enc")) for _ in range(8)]
    for thread in threads:
        thread.start()
    with changed:
        assert changed.wait_for(lambda: running == 2, timeout=30)
    assert hashers.hash_slots().acquire(blocking=False) is False  # the other six wait
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert peak == 2
    assert running == 0


def test_metrics_report_dossiers_by_status(client, api, employees, unit_key):
    filed = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456790", "changes": {"phone": "0987654321"}},
        headers={"X-API-Key": unit_key},
    )
    assert filed.status_code == 201, filed.content
    status = filed.json()["status"]
    assert f'ansinh_dossiers{{status="{status}"}} 1.0' in _scrape(client)
