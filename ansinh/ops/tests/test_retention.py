"""`ansinh purge` deletes what is past its retention and keeps the rest."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ansinh.accounts.models import AppToken, DeviceSession
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD
from ansinh.notifications.models import OutboundEmail
from ansinh.ops.retention import purge
from ansinh.recovery.models import Recovery

pytestmark = pytest.mark.django_db


def test_purge_keeps_fresh_rows_and_deletes_old_ones(api, citizen, mailoutbox):
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller:
        api.post("/auth/recovery", {"username": "0123456789", "email": "an.nguyen@example.com"})
        api.login("0123456789", CITIZEN_PASSWORD)
        assert all(count == 0 for count in purge().values())

        traveller.shift(dt.timedelta(days=31))
        counts = purge()
        assert counts["recoveries"] == 1
        assert counts["app_tokens"] == 1  # the access token expired 30 days ago
        assert not Recovery.objects.exists()
        assert AppToken.objects.count() == 1  # the refresh token lives 30 days: not yet
        assert OutboundEmail.objects.count() == 1  # kept 90 days
        assert AuditEvent.objects.count() > 0  # kept 5 years

        traveller.shift(dt.timedelta(days=60))
        assert purge()["emails"] == 1
        traveller.shift(dt.timedelta(days=5 * 365))
        assert purge()["audit_events"] > 0
    assert not AuditEvent.objects.exists()


def test_purge_command_reports_what_it_deleted(db):
    out = StringIO()
    call_command("purge", stdout=out)
    assert "recoveries: 0" in out.getvalue()


def test_a_device_never_logged_out_is_purged_after_its_last_refresh_token_expired(api, citizen):
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller:
        api.login("0123456789", CITIZEN_PASSWORD)  # never used again, never logged out
        used = api.login("0123456789", CITIZEN_PASSWORD)
        traveller.shift(dt.timedelta(days=20))
        refreshed = api.post("/auth/refresh", {"refresh_token": used["refresh_token"]})
        assert refreshed.status_code == 200

        # The idle device's refresh token expired on day 30; 30 days of retention follow.
        traveller.shift(dt.timedelta(days=40) - dt.timedelta(hours=1))
        kept = purge()["device_sessions"]
        traveller.shift(dt.timedelta(hours=2))
        counts = purge()

    assert kept == 0
    assert counts["device_sessions"] == 1
    remaining = DeviceSession.objects.get()
    assert remaining.last_seen_at == t0 + dt.timedelta(days=20)  # the device still in use
    assert not AppToken.objects.exclude(device=remaining).exists()  # the idle one's tokens too


def test_unused_passkey_challenges_are_purged_once_expired(api, settings):
    from ansinh.accounts.models import PasskeyChallenge

    t0 = timezone.now()
    with time_machine.travel(t0, tick=False) as traveller:
        api.post("/auth/passkey/options")
        assert purge()["passkey_challenges"] == 0

        traveller.shift(dt.timedelta(seconds=settings.PASSKEY_CHALLENGE_TTL_SECONDS))
        assert purge()["passkey_challenges"] == 1
    assert not PasskeyChallenge.objects.exists()
