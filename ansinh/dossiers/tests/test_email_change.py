"""Email change safety: an approved new email becomes the recovery address only once its owner
enters the code sent to it; the old address is told, with a signed, single-use "this wasn't
me" link that freezes (or undoes) the change and alerts the office until an approver decides."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import Client

from ansinh.accounts.models import AppToken
from ansinh.audit.models import AuditEvent
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.dossiers.email_change import DISPUTE_SALT
from ansinh.dossiers.models import Dossier, DossierEvent, EmailChange
from ansinh.notifications.models import Notice
from ansinh.people.models import Person, PersonChange
from ansinh.recovery.tests import helpers as recovery

from .helpers import decide, dispute_link, last_code, messages_to, token, unit_file

pytestmark = pytest.mark.django_db

OLD = "an.nguyen@example.com"
NEW = "an.moi@example.net"


@pytest.fixture
def approved(api, unit_key, employees, clerk, approver):
    """An's email change from the unit, approved by the clerk and the approver."""
    response = unit_file(api, "0123456789", {"email": NEW})
    assert response.status_code == 201, response.content
    dossier_id = response.json()["dossier_id"]
    decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    done = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    assert done.json()["status"] == "approved", done.content
    return dossier_id


def _an() -> Person:
    return Person.objects.get(bhxh_code="0123456789")


def _confirm(api, code):
    return api.post(
        "/me/email/confirm", {"code": code}, token=token(api, "0123456789", CITIZEN_PASSWORD)
    )


def test_an_approved_email_is_pending_and_recovery_keeps_the_old_address(api, approved, mailoutbox):
    person = _an()
    assert (person.email, person.email_verified, person.pending_email) == (OLD, True, NEW)
    assert EmailChange.objects.get().status == "pending"
    # The code goes to the new address; the old address is told, with the link.
    assert last_code(NEW)
    [notice] = [m for m in messages_to(OLD) if "/khong-phai-toi/" in m.body]
    assert "a*****@example.net" in notice.body  # the new address, masked
    assert dispute_link(OLD)

    # Recovery still works with the old address, and not with the unconfirmed new one.
    before = len(messages_to(NEW))
    recovery.start_id(api, "0123456789", NEW)
    assert len(messages_to(NEW)) == before
    recovery.start_id(api, "0123456789", OLD)
    assert recovery.codes(messages_to(OLD))


def test_the_right_code_makes_the_new_address_the_recovery_address(api, approved, mailoutbox):
    response = _confirm(api, last_code(NEW))

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "confirmed", "email_masked": "a*****@example.net"}
    person = _an()
    assert (person.email, person.email_verified, person.pending_email) == (NEW, True, "")
    fields = list(
        PersonChange.objects.filter(person=person).values_list("field", "old_value", "new_value")
    )
    assert ("email", OLD, NEW) in fields
    assert DossierEvent.objects.filter(kind="email_confirmed").exists()
    # Used once: the same code again finds nothing waiting.
    again = _confirm(api, last_code(NEW))
    assert again.status_code == 404 and again.json()["error"]["code"] == "no_pending_email"
    recovery.start_id(api, "0123456789", NEW)
    assert recovery.codes(messages_to(NEW))


def test_wrong_codes_count_down_and_the_fifth_cancels_the_change(api, approved, mailoutbox):
    right = last_code(NEW)
    wrong = recovery.wrong_code(right)
    for left in (4, 3, 2, 1):
        response = _confirm(api, wrong)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_code"
        assert response.json()["error"]["attempts_left"] == left
    assert _confirm(api, wrong).json()["error"]["attempts_left"] == 0

    assert _confirm(api, right).status_code == 404
    person = _an()
    assert (person.email, person.pending_email) == (OLD, "")
    assert EmailChange.objects.get().status == "failed"


def test_an_expired_code_is_410(api, approved, mailoutbox, settings):
    code = last_code(NEW)
    expires_at = EmailChange.objects.get().expires_at
    assert expires_at is not None
    later = expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        response = _confirm(api, code)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "code_expired"
    assert _an().email == OLD


def test_a_new_code_replaces_the_old_one_after_a_minute(api, approved, mailoutbox):
    first = last_code(NEW)
    citizen_token = token(api, "0123456789", CITIZEN_PASSWORD)
    too_soon = api.post("/me/email/resend", token=citizen_token)
    assert too_soon.status_code == 429
    with time_machine.travel(dt.timedelta(seconds=61)):
        citizen_token = token(api, "0123456789", CITIZEN_PASSWORD)
        assert api.post("/me/email/resend", token=citizen_token).status_code == 202
        second = last_code(NEW)
        if second != first:
            assert _confirm(api, first).status_code == 400
        assert _confirm(api, second).status_code == 200


def test_the_state_of_my_email_is_readable_masked(api, approved):
    state = api.get("/me/email", token=token(api, "0123456789", CITIZEN_PASSWORD)).json()
    assert state["email_masked"] == "a********@example.com"
    assert state["pending_email_masked"] == "a*****@example.net"
    assert state["email_verified"] is True and state["code_expires_at"]


def test_someone_elses_code_confirms_nothing_for_me(api, approved, outsider, mailoutbox):
    response = api.post(
        "/me/email/confirm",
        {"code": last_code(NEW)},
        token=token(api, "7912345678", "Ha-Long-Suong-Mu-2026"),
    )
    assert response.status_code == 404
    assert _an().pending_email == NEW


# --- "This wasn't me" -----------------------------------------------------------------------------


def _dispute(client: Client, link: str):
    path = link.split("://", 1)[1].split("/", 1)[1]
    opened = client.get("/" + path)
    assert opened.status_code == 302  # the token leaves the URL for the session
    page = client.get(opened.headers["Location"])
    return page, client.post(opened.headers["Location"], {"csrfmiddlewaretoken": _csrf(page)})


def _csrf(response) -> str:
    import re

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else ""


def test_the_link_uses_site_url_not_the_request_host(
    api, unit_key, employees, clerk, approver, settings, mailoutbox
):
    settings.SITE_URL = "https://ansinh.example"
    response = unit_file(api, "0123456789", {"email": NEW})
    dossier_id = response.json()["dossier_id"]
    decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {"email": "approve"})
    api.call(
        "POST",
        f"/staff/dossiers/{dossier_id}/decision",
        {"decisions": {"email": "approve"}},
        token=token(api, "canbo2", STAFF_PASSWORD),
        headers={"X-Forwarded-Host": "evil.example"},
    )
    assert dispute_link(OLD).startswith("https://ansinh.example/khong-phai-toi/")


def test_this_wasnt_me_freezes_a_pending_change_and_alerts_the_office(
    api, approved, client, clerk, approver, mailoutbox
):
    link = dispute_link(OLD)
    page, done = _dispute(client, link)

    assert page.status_code == 200  # opening the link changed nothing yet
    assert done.status_code == 200
    change = EmailChange.objects.get()
    assert change.status == "disputed"
    dossier = Dossier.objects.get()
    assert dossier.flagged_at is not None
    assert DossierEvent.objects.filter(kind="email_change_disputed").exists()
    assert AuditEvent.objects.filter(event="email_change.disputed").exists()
    assert {
        n.user.username for n in Notice.objects.filter(kind="office_email_change_disputed")
    } == {
        "canbo1",
        "canbo2",
    }
    flagged = api.get("/staff/dossiers?flagged=true", token=token(api, "canbo1", STAFF_PASSWORD))
    assert [i["dossier_id"] for i in flagged.json()["items"]] == [approved]
    # Frozen: the code no longer works; the old address stays the recovery address.
    assert _confirm(api, last_code(NEW)).status_code == 404
    assert (_an().email, _an().email_verified) == (OLD, True)


def test_a_replayed_link_changes_nothing_more(api, approved, client, mailoutbox):
    link = dispute_link(OLD)
    _dispute(client, link)
    events = DossierEvent.objects.count()

    _page, replay = _dispute(Client(), link)

    assert replay.status_code == 409
    assert DossierEvent.objects.count() == events


@pytest.mark.parametrize("forge", ["tamper", "other_salt", "other_key", "garbage"])
def test_forged_links_are_refused_and_change_nothing(api, approved, client, mailoutbox, forge):
    link = dispute_link(OLD)
    token_part = link.rstrip("/").rsplit("/", 1)[1]
    change = EmailChange.objects.get()
    forged = {
        "tamper": token_part[:-2] + ("AA" if not token_part.endswith("AA") else "BB"),
        "other_salt": signing.dumps(str(change.public_id), salt="something.else"),
        "other_key": signing.dumps(str(change.public_id), salt=DISPUTE_SALT, key="not-our-key"),
        "garbage": "not-a-token",
    }[forge]
    opened = client.get(f"/khong-phai-toi/{forged}/")
    page = client.get(opened.headers["Location"])
    posted = client.post(opened.headers["Location"], {"csrfmiddlewaretoken": _csrf(page) or "x"})

    assert page.status_code == 400
    assert posted.status_code in (400, 403)
    assert EmailChange.objects.get().status == "pending"
    assert Dossier.objects.get().flagged_at is None


def test_an_expired_link_is_refused(api, approved, client, settings, mailoutbox):
    link = dispute_link(OLD)
    with time_machine.travel(dt.timedelta(days=settings.EMAIL_CHANGE_DISPUTE_DAYS + 1)):
        page, posted = _dispute(client, link)
    assert page.status_code == 400
    assert EmailChange.objects.get().status == "pending"


def test_this_wasnt_me_after_confirmation_restores_the_old_address_and_signs_out(
    api, approved, client, mailoutbox
):
    assert _confirm(api, last_code(NEW)).status_code == 200
    assert _an().email == NEW
    live = AppToken.objects.filter(device__user__username="0123456789", revoked_at__isnull=True)
    assert live.exists()

    _page, done = _dispute(client, dispute_link(OLD))

    assert done.status_code == 200
    person = _an()
    assert (person.email, person.email_verified) == (OLD, True)
    assert not live.exists()  # every app token of the account was revoked
    login = api.post("/auth/login", {"username": "0123456789", "password": CITIZEN_PASSWORD})
    assert login.status_code == 401  # whoever knew the password: only recovery sets a new one
    recovery_id = recovery.start_id(api, "0123456789", OLD)
    otp = recovery.last_code(messages_to(OLD))
    new_password = "Song-Da-Chay-Ve-Xuoi-2026"
    assert recovery.verify(api, recovery_id, otp, new_password).status_code == 200
    assert api.login("0123456789", new_password)["access_token"]


def test_only_an_approver_decides_a_dispute_and_cancel_keeps_the_old_address(
    api, approved, client, mailoutbox
):
    _dispute(client, dispute_link(OLD))
    body = {"action": "cancel", "reason": "Người dân xác nhận không yêu cầu"}

    by_clerk = api.post(
        f"/staff/dossiers/{approved}/dispute", body, token=token(api, "canbo1", STAFF_PASSWORD)
    )
    assert by_clerk.status_code == 403
    assert by_clerk.json()["error"]["code"] == "approver_required"

    by_approver = api.post(
        f"/staff/dossiers/{approved}/dispute", body, token=token(api, "canbo2", STAFF_PASSWORD)
    )
    assert by_approver.status_code == 200, by_approver.content
    assert by_approver.json()["flagged"] is False
    person = _an()
    assert (person.email, person.pending_email) == (OLD, "")
    assert EmailChange.objects.get().status == "cancelled"
    again = api.post(
        f"/staff/dossiers/{approved}/dispute", body, token=token(api, "canbo2", STAFF_PASSWORD)
    )
    assert again.status_code == 409


def test_a_released_change_needs_a_fresh_code(api, approved, client, mailoutbox):
    old_code = last_code(NEW)
    _dispute(client, dispute_link(OLD))
    response = api.post(
        f"/staff/dossiers/{approved}/dispute",
        {"action": "release", "reason": "Đã gọi điện xác minh"},
        token=token(api, "canbo2", STAFF_PASSWORD),
    )
    assert response.status_code == 200
    fresh = last_code(NEW)
    if fresh != old_code:
        assert _confirm(api, old_code).status_code == 400
    assert _confirm(api, fresh).status_code == 200
    assert _an().email == NEW


def test_the_dispute_answer_showing_the_person_is_in_their_access_log(
    api, approved, client, mailoutbox
):
    from ansinh.audit.models import DataAccess

    _dispute(client, dispute_link(OLD))
    approver = token(api, "canbo2", STAFF_PASSWORD)
    before = DataAccess.objects.filter(staff__username="canbo2", person=_an()).count()
    response = api.post(
        f"/staff/dossiers/{approved}/dispute",
        {"action": "cancel", "reason": "Người dân xác nhận không yêu cầu"},
        token=approver,
    )
    assert response.status_code == 200, response.content
    assert response.json()["person"]["email"] == OLD
    after = DataAccess.objects.filter(staff__username="canbo2", person=_an()).count()
    assert after - before == 1
