"""Issue 11, defect f: no recovery budget may tell whether a typed email is the one on record.

An attacker who knows a person's BHXH code and CCCD (both are printed on documents) and guesses
an address E used to learn whether E is on record: five requests with (BHXH code, E) then one
with (CCCD, E) answered 429 when E was on record (both identifiers spent the account's budget)
and 202 when not (two typed pairs, two budgets); the wrong-code budget leaked the same way.
Budgets are now keyed by what was typed — the identifier string and the typed address's
mailbox — for a match and a non-match alike, and decoys spend them exactly like real ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from ansinh.recovery.models import Recovery

from .helpers import (
    CITIZEN_EMAIL,
    codes,
    request_code,
    start,
    start_id,
    submit_code,
    verify,
    wrong_code,
)

pytestmark = pytest.mark.django_db

BHXH, CCCD = "0123456789", "001090012345"
STRANGER = "not.an.nguyen@example.net"  # a guess that is not on record


def _guess(right: list[str]) -> str:
    """A code that is certainly wrong: not the last one emailed, if any was."""
    return wrong_code(right[-1]) if right else "000000"


def _api_requests(api: Any, email: str, tag: int) -> list[int]:
    answers = [start(api, BHXH, email, remote_addr=f"198.51.{tag}.{i}") for i in range(5)]
    answers.append(start(api, CCCD, email, remote_addr=f"198.51.{tag}.9"))
    return [a.status_code for a in answers]


def test_recovery_request_limit_does_not_tell_an_email_on_record_from_another_on_the_api(
    api, citizen, mailoutbox
):
    on_record = _api_requests(api, CITIZEN_EMAIL, 100)
    not_on_record = _api_requests(api, STRANGER, 101)
    assert on_record == not_on_record == [202] * 6


def test_recovery_request_limit_does_not_tell_an_email_on_record_from_another_on_the_portal(
    citizen, mailoutbox
):
    def statuses(email: str, tag: int) -> list[int]:
        answers = [
            request_code(Client(REMOTE_ADDR=f"198.51.{tag}.{i}"), BHXH, email) for i in range(5)
        ]
        answers.append(request_code(Client(REMOTE_ADDR=f"198.51.{tag}.9"), CCCD, email))
        return [a.status_code for a in answers]

    assert statuses(CITIZEN_EMAIL, 100) == statuses(STRANGER, 101) == [302] * 6


def _spend_on_api(api: Any, email: str, mailoutbox: list[Any], tag: int) -> None:
    for n in range(2):
        recovery_id = start_id(api, BHXH, email, remote_addr=f"198.51.{tag}.{n}")
        for _ in range(5):
            verify(api, recovery_id, _guess(codes(mailoutbox)), remote_addr=f"198.51.{tag}.{n}")


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_recovery_wrong_code_budget_does_not_tell_an_email_on_record_from_another_on_the_api(
    api, citizen, mailoutbox
):
    answers = []
    for tag, email in ((100, CITIZEN_EMAIL), (101, STRANGER)):
        _spend_on_api(api, email, mailoutbox, tag)
        recovery_id = start_id(api, CCCD, email, remote_addr=f"198.51.{tag}.9")
        answers.append(verify(api, recovery_id, "000000", remote_addr=f"198.51.{tag}.9"))
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json() == answers[1].json()


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_recovery_wrong_code_budget_does_not_tell_an_email_on_record_from_another_on_the_portal(
    citizen, mailoutbox
):
    statuses = []
    for tag, email in ((100, CITIZEN_EMAIL), (101, STRANGER)):
        for n in range(2):
            browser = Client(REMOTE_ADDR=f"198.51.{tag}.{n}")
            request_code(browser, BHXH, email)
            for _ in range(5):
                submit_code(browser, _guess(codes(mailoutbox)))
        browser = Client(REMOTE_ADDR=f"198.51.{tag}.9")
        request_code(browser, CCCD, email)
        statuses.append(submit_code(browser, "000000").status_code)
    assert statuses == [400, 400]


@override_settings(RECOVERY_ACCOUNT_MAX_FAILURES=10)
def test_a_spent_account_budget_still_stops_codes_for_every_identifier_unseen(
    api, citizen, mailoutbox
):
    # The account's own budget still holds — out of sight: after 10 wrong codes through the
    # BHXH code, the CCCD gets no code and its recovery answers exactly like a decoy's.
    _spend_on_api(api, CITIZEN_EMAIL, mailoutbox, 100)
    sent = len(codes(mailoutbox))
    real = verify(api, start_id(api, CCCD, CITIZEN_EMAIL), "000000")
    decoy = verify(api, start_id(api, CCCD, STRANGER), "000000")
    assert len(codes(mailoutbox)) == sent
    assert real.status_code == decoy.status_code == 400
    assert real.json() == decoy.json()


def test_budget_keys_never_name_the_account(api, citizen, mailoutbox):
    start(api, BHXH, CITIZEN_EMAIL)
    start(api, BHXH, STRANGER)
    keys = list(Recovery.objects.order_by("pk").values_list("subject_key", flat=True))
    assert all(not key.startswith("u:") for key in keys), keys
    assert len(set(keys)) == 2
