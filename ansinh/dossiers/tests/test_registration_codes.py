"""Issue 11, defect o: registration codes flooded a mailbox through spelling variants of its
address (case, dots, ``+tags``): 8 codes in a burst past the 3-an-hour limit. Limits now count
one normalised mailbox key (for limits only, never for matching) and a rolling daily cap."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from ansinh.accounts.codes import canonical_mailbox, mailbox_key
from ansinh.conftest import run_on_commit
from ansinh.dossiers.models import Registration
from ansinh.lib import ratelimit
from ansinh.portal.tests.helpers import csrf_token

from .helpers import CODE_RE, registration_photos

pytestmark = pytest.mark.django_db

VARIANTS = [
    "lan.pham@gmail.com",
    "Lan.Pham@gmail.com",
    "lanpham@gmail.com",
    "LAN.PHAM@GMAIL.COM",
    "l.a.n.p.h.a.m@gmail.com",
    "lan.pham+dang-ky@gmail.com",
    "lanpham+1@googlemail.com",
    "Lan.Pham+x@GoogleMail.com",
]


def _register(address: str, email: str, identifier: str = "0123450001") -> int:
    client = Client(REMOTE_ADDR=address)
    data = {
        "identifier": identifier,
        "full_name": "Phạm Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": email,
        "office": "01001",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
        **registration_photos(),
    }
    with run_on_commit():
        return int(client.post("/dang-ky/", data).status_code)


def _codes_to_the_mailbox() -> int:
    return sum(
        len(CODE_RE.findall(str(m.body)))
        for m in mail.outbox
        if canonical_mailbox(m.to[0]) == "lanpham@gmail.com"
    )


def test_spelling_variants_of_one_mailbox_share_the_registration_limit(office, mailoutbox):
    statuses = [_register(f"198.51.100.{i}", email) for i, email in enumerate(VARIANTS)]
    assert statuses == [302] * 3 + [429] * 5
    assert _codes_to_the_mailbox() == 3


def test_registration_codes_to_one_mailbox_are_capped_per_day(office, mailoutbox, settings):
    settings.REGISTRATION_MAILBOX_MAX_CODES = 10
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for i in range(72):  # one every 20 minutes for a day, each from a fresh address
            _register(f"198.51.{100 + i // 50}.{i % 50}", VARIANTS[i % len(VARIANTS)])
            traveller.shift(dt.timedelta(minutes=20))
        assert _codes_to_the_mailbox() == 10
        traveller.shift(dt.timedelta(hours=1))  # a rolling day after the first ones
        assert _register("198.51.110.1", VARIANTS[0]) == 302
    assert _codes_to_the_mailbox() == 11


def _just_after_the_mailbox_window_starts(email: str) -> dt.datetime:
    """A moment 1 s into a fresh hourly window of ``email``'s mailbox counter (windows are
    staggered per key), so a test that waits out the 60-second resend delay never sees the
    window roll over in between."""
    key = f"registration-mailbox:{mailbox_key(email)}"
    _cache_key, end = ratelimit._window(key, 3600, timezone.now().timestamp())  # noqa: SLF001
    return dt.datetime.fromtimestamp(end + 1, tz=dt.UTC)


def test_registration_resends_count_against_the_mailbox(office, mailoutbox, settings):
    settings.REGISTRATION_EMAIL_RATE = "2/h"
    start = _just_after_the_mailbox_window_starts(VARIANTS[0])
    with time_machine.travel(start, tick=False) as traveller:
        client = Client(REMOTE_ADDR="198.51.100.1")
        data = {
            "identifier": "0123450001",
            "full_name": "Phạm Thị Lan",
            "date_of_birth": "1995-07-01",
            "phone": "0912 000 111",
            "email": VARIANTS[0],
            "office": "01001",
            "captcha_0": "x",
            "captcha_1": "PASSED",
            "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
            **registration_photos(),
        }
        with run_on_commit():
            assert client.post("/dang-ky/", data).status_code == 302
        traveller.shift(dt.timedelta(seconds=61))
        token = csrf_token(client, "/dang-ky/nhap-ma/")
        with run_on_commit():
            resend = client.post("/dang-ky/nhap-ma/", {"resend": "1", "csrfmiddlewaretoken": token})
        assert resend.status_code == 200
        assert _register("198.51.100.2", VARIANTS[2]) == 429
    assert _codes_to_the_mailbox() == 2
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("An.Nguyen+recovery@Example.com", "an.nguyen@example.com"),
        ("a.n.nguyen@gmail.com", "annguyen@gmail.com"),
        ("AnNguyen+x@googlemail.com", "annguyen@gmail.com"),
        ("an.nguyen@outlook.com", "an.nguyen@outlook.com"),  # dots count outside Gmail
    ],
)
def test_the_mailbox_key_folds_case_tags_and_gmail_dots(typed, canonical):
    assert canonical_mailbox(typed) == canonical
