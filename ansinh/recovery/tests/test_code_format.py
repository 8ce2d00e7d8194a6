"""Codes as people type them (issue 11 §2, one module for emailed codes): spaces, dashes and
full-width digits are the same code, through the API and the portal; other digits are not."""

from __future__ import annotations

import pytest

from ansinh.accounts.codes import normalize_code
from ansinh.recovery.models import Recovery

from .helpers import NEW_PASSWORD, last_code, request_code, start_id, submit_code, verify

pytestmark = pytest.mark.django_db

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _spellings(code: str) -> list[str]:
    return [
        f"{code[:3]} {code[3:]}",
        f"{code[:3]}-{code[3:]}",
        f" {code[:3]}\u2013{code[3:]} ",
        code.translate(_FULL_WIDTH),
    ]


@pytest.mark.parametrize("spelling", range(4))
def test_the_right_code_typed_with_spaces_dashes_or_full_width_digits_works_on_the_api(
    api, citizen, mailoutbox, spelling
):
    recovery_id = start_id(api)
    typed = _spellings(last_code(mailoutbox))[spelling]
    assert verify(api, recovery_id, typed, NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("spelling", range(4))
def test_the_right_code_typed_with_spaces_dashes_or_full_width_digits_works_on_the_portal(
    client, citizen, mailoutbox, spelling
):
    request_code(client)
    typed = _spellings(last_code(mailoutbox))[spelling]
    assert submit_code(client, typed, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦", "۱۲۳۴۵۶", "①②③④⑤⑥", "12345", "1234567", "12a456"])
def test_other_digits_and_lengths_are_malformed_and_cost_no_attempt(
    api, citizen, mailoutbox, typed
):
    recovery_id = start_id(api)
    response = verify(api, recovery_id, typed)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert Recovery.objects.get().attempts == 0


def test_normalize_code_keeps_only_what_the_email_shows():
    assert normalize_code("１２３ ４５６") == "123456"
    assert normalize_code("123\u2212456") == "123456"
    with pytest.raises(Exception):  # noqa: B017, PT011 - Django's ValidationError
        normalize_code("¹²³⁴⁵⁶")
