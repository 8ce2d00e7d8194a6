"""Online registration (01/ĐK-GD) on the portal: the same answer whether or not the details
match the registry, a code to the typed address first, two approvals, then the account's
credentials by email like recovery's (temporary password, forced change)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from ansinh.accounts.models import User
from ansinh.conftest import STAFF_PASSWORD, make_citizen, run_on_commit
from ansinh.dossiers.models import Dossier, Registration
from ansinh.portal.tests.helpers import csrf_token, text

from .helpers import TEMPORARY_RE, decide, last_code, messages_to, registration_photos, token

pytestmark = pytest.mark.django_db

EMAIL = "lan.pham@example.org"


def _register(client: Client, *, photos: dict | None = None, **overrides: Any):
    data = {
        "identifier": "0123450001",
        "full_name": "Phạm  Thị Lan",
        "date_of_birth": "1995-07-01",
        "phone": "0912 000 111",
        "email": EMAIL,
        "office": "01001",
        "captcha_0": "x",
        "captcha_1": "PASSED",
        "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/"),
        **(registration_photos() if photos is None else photos),
        **overrides,
    }
    with run_on_commit():
        return client.post("/dang-ky/", data)


def _code(client: Client, code: str):
    with run_on_commit():
        return client.post(
            "/dang-ky/nhap-ma/",
            {"code": code, "csrfmiddlewaretoken": csrf_token(client, "/dang-ky/nhap-ma/")},
        )


def _filed(client: Client, email: str = EMAIL, **overrides: Any) -> str:
    started = _register(client, email=email, **overrides)
    assert started.status_code == 302, started.content[:3000]
    done = _code(client, last_code(email))
    assert done.status_code == 302, done.content[:3000]
    page = client.get("/dang-ky/da-nop/")
    match = re.search(r'data-dossier="(HS-[^"]+)"', page.content.decode())
    assert match
    return match.group(1)


def test_registration_needs_the_code_sent_to_the_typed_address(client, lan, mailoutbox):
    started = _register(client)

    assert started.status_code == 302 and started.headers["Location"] == "/dang-ky/nhap-ma/"
    assert [m.to for m in mailoutbox] == [[EMAIL]]
    assert not Dossier.objects.exists()  # nothing is filed before the code

    wrong = _code(client, "000000" if last_code(EMAIL) != "000000" else "111111")
    assert wrong.status_code == 400
    assert _code(client, last_code(EMAIL)).status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.form, dossier.person, dossier.office.code) == ("01/ĐK-GD", lan, "01001")
    assert {c.field: c.new_value for c in dossier.changes.all()} == {
        "email": EMAIL,
        "phone": "0912000111",
    }


def test_a_registration_that_matches_nobody_gets_the_same_answers(client, lan, mailoutbox):
    matched_start = _register(client)
    matched_code = _code(client, last_code(EMAIL))
    matched_page = client.get("/dang-ky/da-nop/")

    other = Client()
    stranger_email = "ai.do@example.org"
    start = _register(other, identifier="0999999999", full_name="Ai Đó", email=stranger_email)
    code = _code(other, last_code(stranger_email))
    page = other.get("/dang-ky/da-nop/")

    assert (start.status_code, start.headers["Location"]) == (
        matched_start.status_code,
        matched_start.headers["Location"],
    )
    assert (code.status_code, code.headers["Location"]) == (
        matched_code.status_code,
        matched_code.headers["Location"],
    )
    ids = [
        re.search(r"HS-\d{4}-[A-Z2-9]{8}", p.content.decode()).group(0)
        for p in (matched_page, page)
    ]
    assert text(page.content).replace(ids[1], "X") == text(matched_page.content).replace(
        ids[0], "X"
    )

    # Both addresses got exactly the same kinds of mail: a code, then "received".
    def subjects(address: str) -> list[str]:
        return [m.subject.replace(ids[0], "X").replace(ids[1], "X") for m in messages_to(address)]

    assert subjects(EMAIL) == subjects(stranger_email)
    unmatched = Dossier.objects.get(public_id=ids[1])
    assert unmatched.person is None


def test_an_approved_registration_creates_the_account_and_emails_credentials(
    client, api, lan, clerk, approver, mailoutbox
):
    dossier_id = _filed(client)
    first = decide(
        api,
        token(api, "canbo1", STAFF_PASSWORD),
        dossier_id,
        {"email": "approve", "phone": "approve"},
    )
    assert first.json()["status"] == "awaiting_second_approval"
    assert not User.objects.filter(person=lan).exists()

    done = decide(
        api,
        token(api, "canbo2", STAFF_PASSWORD),
        dossier_id,
        {"email": "approve", "phone": "approve"},
    )

    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved"
    lan.refresh_from_db()
    assert (lan.email, lan.email_verified, lan.phone) == (EMAIL, True, "0912000111")
    account = User.objects.get(person=lan)
    assert (account.username, account.password_change_required) == ("0123450001", True)
    credentials = [m for m in messages_to(EMAIL) if TEMPORARY_RE.search(m.body)]
    assert len(credentials) == 1
    assert "0123450001" in credentials[0].body
    temporary = TEMPORARY_RE.search(credentials[0].body).group(1)
    tokens = api.login("0123450001", temporary)
    assert tokens["password_change_required"] is True
    assert api.get("/me", token=tokens["access_token"]).status_code == 403  # change it first


def test_a_registration_matching_nobody_cannot_be_approved_only_rejected(
    client, api, lan, clerk, mailoutbox
):
    dossier_id = _filed(client, identifier="0999999999", email="ai.do@example.org")
    clerk_token = token(api, "canbo1", STAFF_PASSWORD)

    refused = decide(api, clerk_token, dossier_id, {"email": "approve"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_registry_match"
    rejected = decide(
        api, clerk_token, dossier_id, {"email": "reject", "phone": "reject"},
        reasons={"email": "Không khớp sổ", "phone": "Không khớp sổ"},
    )  # fmt: skip
    assert rejected.json()["status"] == "rejected"
    assert not User.objects.filter(username="0999999999").exists()
    from ansinh.notifications.models import OutboundEmail

    told = OutboundEmail.objects.filter(recipient="ai.do@example.org").order_by("created_at", "pk")
    assert [e.kind for e in told] == ["registration_code", "dossier_update", "dossier_update"]
    assert dossier_id in told.last().body_text


def test_someone_who_already_has_an_account_cannot_get_a_second(
    client, api, citizen, clerk, mailoutbox
):
    dossier_id = _filed(
        client, identifier="0123456789", full_name="Nguyễn Văn An", date_of_birth="1990-05-17"
    )
    response = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_registered"


def test_registrations_to_one_address_are_rate_limited(client, lan, mailoutbox, settings):
    settings.REGISTRATION_EMAIL_RATE = "2/h"
    assert _register(client).status_code == 302
    assert _register(client).status_code == 302
    third = _register(client)
    assert third.status_code == 429
    assert len(mailoutbox) == 2


def test_strangers_typing_someones_identifier_cannot_block_their_registration(
    client, lan, mailoutbox, settings
):
    settings.REGISTRATION_IDENTIFIER_RATE = "2/h"
    settings.REGISTRATION_IP_RATE = "100/h"
    for n in range(4):  # an attacker's own addresses, the victim's identifier
        assert _register(client, email=f"ke.gian{n}@example.net").status_code == 302
    assert _register(client).status_code == 302  # the owner, with their own address
    assert _register(client).status_code == 302
    assert _register(client).status_code == 429  # the pair's own limit still applies
    assert sum(m.to == [EMAIL] for m in mailoutbox) == 2


def test_five_wrong_codes_kill_the_registration(client, lan, mailoutbox):
    _register(client)
    right = last_code(EMAIL)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert _code(client, wrong).status_code == 400
    assert _code(client, right).status_code == 410
    assert Registration.objects.get().status == "failed"
    assert not Dossier.objects.exists()


def test_an_expired_code_files_nothing(client, lan, mailoutbox, settings):
    _register(client)
    code = last_code(EMAIL)
    with time_machine.travel(dt.timedelta(seconds=settings.REGISTRATION_CODE_TTL_SECONDS + 1)):
        assert _code(client, code).status_code == 410
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identifier", "٠١٢٣٤٥٠٠٠١"),
        ("email", "lan@localhost"),
        ("phone", "12345"),
        ("captcha_1", "WRONG"),
    ],
)
def test_bad_registration_input_is_refused_without_mail(client, lan, mailoutbox, field, value):
    response = _register(client, **{field: value})
    assert response.status_code == 400
    assert mailoutbox == []
    assert not Registration.objects.exists()


def test_signed_in_people_are_sent_home(client, citizen):
    from ansinh.portal.tests.helpers import login

    login(client, "0123456789", "Vung-Tau-Bien-Xanh-2026")
    assert client.get("/dang-ky/").status_code == 302


def test_registration_pages_send_no_referrer_and_are_not_cached(client, lan):
    page = client.get("/dang-ky/")
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]
    assert 'name="captcha_1"' in page.content.decode()


__all__ = ["make_citizen", "mail"]
