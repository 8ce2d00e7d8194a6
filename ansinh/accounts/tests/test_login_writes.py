"""The writes of an app login as precompiled SQL (ansinh/lib/inserts.py, lookups.claim_login,
throttle's counters read; issue 16): the same rows as the ORM would write, and no query more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ansinh.accounts import lookups, services, throttle
from ansinh.accounts.models import AppToken, DeviceSession, LoginFailureCounter, TokenKind, User
from ansinh.audit.models import AuditEvent
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.inserts import insert

pytestmark = pytest.mark.django_db

PASSWORD = "Mật-khẩu-đủ-dài-2026"  # noqa: S105 - a test account's


def _actor() -> Actor:
    return Actor(channel=Channel.API, ip="192.0.2.7", user_agent="app/1.0")


def test_insert_writes_what_the_orm_reads_back_with_defaults_and_keys(citizen):
    now = timezone.now()
    (device,) = insert([DeviceSession(user=citizen, device_name="Điện thoại", security_stamp="s")])
    tokens = insert(
        [
            AppToken(device=device, kind=TokenKind.ACCESS, digest="a" * 64, expires_at=now),
            AppToken(device=device, kind=TokenKind.REFRESH, digest="b" * 64, expires_at=now),
        ]
    )
    stored = DeviceSession.objects.get(pk=device.pk)
    assert stored.public_id == device.public_id and stored.device_name == "Điện thoại"
    assert stored.created_at == device.created_at and not device._state.adding
    assert [t.pk for t in tokens] == list(
        AppToken.objects.filter(device=stored).order_by("pk").values_list("pk", flat=True)
    )
    assert AppToken.objects.get(pk=tokens[1].pk).digest == "b" * 64


def test_an_app_login_writes_device_tokens_audit_and_last_login_in_few_statements(citizen):
    citizen.set_password(PASSWORD)
    citizen.save()
    with CaptureQueriesContext(connection) as queries:
        pair = services.login_with_tokens(
            identifier=citizen.username, password=PASSWORD, device_name="Máy A", actor=_actor()
        )
    device = DeviceSession.objects.get(pk=pair.device.pk)
    assert device.security_stamp == User.objects.get(pk=citizen.pk).security_stamp
    assert AppToken.objects.filter(device=device).count() == 2
    event = AuditEvent.objects.get(event="login.succeeded")
    assert event.subject_id == citizen.pk and event.details == {"method": "password"}
    assert event.client_ip == "192.0.2.7" and event.channel == "api"
    assert User.objects.get(pk=citizen.pk).last_login is not None
    assert services.access_token_device(pair.access_token) == device
    # Look-up, counters, claim, device, both tokens, audit event (+ the transaction's own).
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SAVEPOINT")]
    assert len([q for q in writes if q.split()[0] in ("SELECT", "UPDATE", "INSERT")]) == 6


def test_the_claim_fails_once_the_stamp_or_activity_changed(citizen):
    now = timezone.now()
    assert lookups.claim_login(citizen.pk, "not-the-stamp", now) == 0
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert lookups.claim_login(citizen.pk, citizen.security_stamp, now) == 0
    User.objects.filter(pk=citizen.pk).update(is_active=True)
    assert lookups.claim_login(citizen.pk, citizen.security_stamp, now) == 1
    assert User.objects.get(pk=citizen.pk).last_login == now


def test_the_counters_are_read_with_aware_times_and_forgotten_after_the_memory(citizen, settings):
    recent = timezone.now() - dt.timedelta(seconds=5)
    old = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_MEMORY_SECONDS + 5)
    ikey = throttle.identifier_key(citizen.username)
    LoginFailureCounter.objects.create(key=ikey, failures=4, last_failed_at=recent)
    LoginFailureCounter.objects.create(
        key=throttle.account_key(citizen, ""), failures=7, last_failed_at=old
    )
    state = throttle.load(citizen, citizen.username)
    assert (state.failures, state.account_failures) == (4, 7)  # the account's never lapses
    assert state.last_failed_at == recent and state.last_failed_at.tzinfo is not None
    LoginFailureCounter.objects.filter(key=ikey).update(last_failed_at=old)
    assert throttle.load(citizen, citizen.username).failures == 0
