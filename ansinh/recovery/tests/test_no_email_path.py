"""Issue 12 §1a: Bình has no email and forgot her password. Her employer files TK1-TS (or she
files 02/SĐ-GD at the counter) with an email, two staff approve it, and "Quên mật khẩu" with
that address must end in a recovered account — without her old password and without signing
in to confirm the address first (DESIGN §3.3, last paragraph)."""

from __future__ import annotations

from typing import Any

import pytest

from ansinh.conftest import STAFF_PASSWORD
from ansinh.dossiers.models import DossierEvent, EmailChange, EmailChangeStatus, EventKind
from ansinh.dossiers.tests.helpers import decide, messages_to, token, unit_file
from ansinh.people.models import Person, PersonChange

from .helpers import CITIZEN_EMAIL, NEW_PASSWORD, last_code, start, start_id, verify, wrong_code

pytestmark = pytest.mark.django_db

BINH = "0123456790"
BINH_CCCD = "001192012346"
NEW_EMAIL = "binh.tran@example.org"
CHOSEN = "Hoa-Sen-No-Tren-Dam-2026"


def _approve_by_two(api: Any, dossier_id: str, field: str = "email") -> None:
    first = decide(api, token(api, "canbo1", STAFF_PASSWORD), dossier_id, {field: "approve"})
    assert first.status_code == 200, first.content
    second = decide(api, token(api, "canbo2", STAFF_PASSWORD), dossier_id, {field: "approve"})
    assert second.status_code == 200, second.content
    assert second.json()["status"] == "approved"


def _counter_intake(api: Any, bhxh_code: str = BINH, email: str = NEW_EMAIL) -> str:
    filed = api.post(
        "/staff/dossiers",
        {
            "form": "02/SĐ-GD",
            "bhxh_code": bhxh_code,
            "changes": {"email": email},
            "identity_checked": True,
        },
        token=token(api, "canbo1", STAFF_PASSWORD),
    )
    assert filed.status_code == 201, filed.content
    dossier_id = str(filed.json()["dossier_id"])
    _approve_by_two(api, dossier_id)
    return dossier_id


def _by_unit(api: Any, bhxh_code: str = BINH, email: str = NEW_EMAIL) -> str:
    filed = unit_file(api, bhxh_code, {"email": email})
    assert filed.status_code == 201, filed.content
    dossier_id = str(filed.json()["dossier_id"])
    _approve_by_two(api, dossier_id)
    return dossier_id


def _recovery_codes_to(address: str) -> list[str]:
    """Codes of recovery emails (not the email-change code) sent to ``address``."""
    from ansinh.notifications.models import OutboundEmail

    recovery_ids = {
        e.message_id for e in OutboundEmail.objects.filter(recipient=address, kind="recovery_code")
    }
    return [
        code
        for m in messages_to(address)
        if m.extra_headers.get("Message-ID", "") in recovery_ids
        for code in [last_code([m])]
    ]


def _recover_to_signed_in(api: Any, identifier: str, dossier_id: str) -> None:
    """From "Quên mật khẩu" with the approved address to a signed-in session."""
    binh = Person.objects.get(bhxh_code=BINH)
    assert (binh.email, binh.email_verified, binh.pending_email) == ("", False, NEW_EMAIL)

    recovery_id = start_id(api, identifier, NEW_EMAIL)
    sent = _recovery_codes_to(NEW_EMAIL)
    assert len(sent) == 1, "the recovery code goes to the approved, not yet confirmed address"
    verified = verify(api, recovery_id, sent[0])
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "credentials_emailed"

    # The code confirmed the address: it is the verified email on record, with its history.
    binh.refresh_from_db()
    assert (binh.email, binh.email_verified, binh.pending_email) == (NEW_EMAIL, True, "")
    history = set(PersonChange.objects.filter(person=binh).values_list("field", "new_value"))
    assert {("email", NEW_EMAIL), ("email_verified", "true"), ("pending_email", "")} <= history
    change = EmailChange.objects.get(dossier__public_id=dossier_id)
    assert change.status == EmailChangeStatus.CONFIRMED
    assert DossierEvent.objects.filter(
        dossier__public_id=dossier_id, kind=EventKind.EMAIL_CONFIRMED
    ).exists()

    # The temporary password went to that address; it signs in once and forces a change.
    temporary = last_temporary(NEW_EMAIL)
    signed = api.login(BINH, temporary)
    assert signed["password_change_required"] is True
    blocked = api.get("/me", token=signed["access_token"])
    assert blocked.status_code == 403
    changed = api.post(
        "/auth/password",
        {"current_password": temporary, "new_password": CHOSEN},
        token=signed["access_token"],
    )
    assert changed.status_code == 204, changed.content
    fresh = api.login(BINH, CHOSEN)
    assert fresh["password_change_required"] is False
    me = api.get("/me", token=fresh["access_token"])
    assert me.status_code == 200, me.content


def last_temporary(address: str) -> str:
    from ansinh.dossiers.tests.helpers import TEMPORARY_RE

    found = [p for m in messages_to(address) for p in TEMPORARY_RE.findall(m.body)]
    assert len(found) == 1, f"expected one credentials email, found {len(found)}"
    return found[0]


# --- (1) and (2): the journeys -----------------------------------------------------------------


def test_binh_recovers_through_the_address_taken_at_the_counter(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    dossier_id = _counter_intake(api)
    _recover_to_signed_in(api, BINH, dossier_id)


def test_binh_recovers_through_the_address_her_employer_filed(
    api, unit_key, employees, clerk, approver, mailoutbox
):
    dossier_id = _by_unit(api)
    _recover_to_signed_in(api, BINH_CCCD, dossier_id)


def test_binh_can_choose_her_password_with_the_code_sent_to_the_approved_address(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    _counter_intake(api)
    recovery_id = start_id(api, BINH, NEW_EMAIL)
    done = verify(api, recovery_id, _recovery_codes_to(NEW_EMAIL)[-1], new_password=NEW_PASSWORD)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "password_changed"
    binh = Person.objects.get(bhxh_code=BINH)
    assert (binh.email, binh.email_verified, binh.pending_email) == (NEW_EMAIL, True, "")
    assert api.login(BINH, NEW_PASSWORD)["password_change_required"] is False


def test_a_wrong_code_does_not_confirm_the_approved_address(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    _counter_intake(api)
    recovery_id = start_id(api, BINH, NEW_EMAIL)
    wrong = verify(api, recovery_id, wrong_code(_recovery_codes_to(NEW_EMAIL)[-1]))
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_otp"
    binh = Person.objects.get(bhxh_code=BINH)
    assert (binh.email, binh.email_verified, binh.pending_email) == ("", False, NEW_EMAIL)


# --- (3) the negatives -------------------------------------------------------------------------


def test_with_a_confirmed_address_the_pending_one_gets_no_recovery_code(
    api, unit_key, employees, clerk, approver, mailoutbox
):
    # An has a confirmed address; his employer files a new one, two staff approve it.
    _by_unit(api, "0123456789", NEW_EMAIL)
    an = Person.objects.get(bhxh_code="0123456789")
    assert (an.email, an.email_verified, an.pending_email) == (CITIZEN_EMAIL, True, NEW_EMAIL)

    start_id(api, "0123456789", NEW_EMAIL)
    assert _recovery_codes_to(NEW_EMAIL) == []
    an.refresh_from_db()
    assert (an.email, an.pending_email) == (CITIZEN_EMAIL, NEW_EMAIL)

    # The confirmed address stays the channel until the new one is confirmed.
    start_id(api, "0123456789", CITIZEN_EMAIL)
    assert len(_recovery_codes_to(CITIZEN_EMAIL)) == 1


def test_a_disputed_pending_address_is_no_recovery_channel(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    dossier_id = _counter_intake(api)
    # The state that "this wasn't me" leaves behind: the change is frozen for staff.
    EmailChange.objects.filter(dossier__public_id=dossier_id).update(
        status=EmailChangeStatus.DISPUTED
    )
    start_id(api, BINH, NEW_EMAIL)
    assert _recovery_codes_to(NEW_EMAIL) == []


def test_a_code_sent_to_the_pending_address_stops_working_once_the_change_is_disputed(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    dossier_id = _counter_intake(api)
    recovery_id = start_id(api, BINH, NEW_EMAIL)
    code = _recovery_codes_to(NEW_EMAIL)[-1]
    EmailChange.objects.filter(dossier__public_id=dossier_id).update(
        status=EmailChangeStatus.DISPUTED
    )
    refused = verify(api, recovery_id, code)
    assert refused.status_code == 400, refused.content
    assert refused.json()["error"]["code"] == "invalid_otp"
    binh = Person.objects.get(bhxh_code=BINH)
    assert (binh.email, binh.email_verified) == ("", False)


def test_binh_with_a_wrong_email_is_answered_exactly_like_with_the_approved_one(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    _counter_intake(api)

    def fingerprint(response: Any) -> Any:
        body = dict(response.json())
        body.pop("recovery_id")
        return response.status_code, body

    right = start(api, BINH, NEW_EMAIL)
    wrong = start(api, BINH, "someone.else@example.org")
    ids = [str(r.json()["recovery_id"]) for r in (right, wrong)]
    assert fingerprint(right) == fingerprint(wrong)
    assert messages_to("someone.else@example.org") == []
    # The code step of the mismatch answers like a real one with a wrong code.
    real_code = _recovery_codes_to(NEW_EMAIL)[-1]
    answers = [verify(api, recovery_id, wrong_code(real_code)) for recovery_id in ids]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].content == answers[1].content


# --- What the pages and emails tell her ----------------------------------------------------------

AFTER_VI = "Sau khi hồ sơ được duyệt, hãy chọn “Quên mật khẩu” và nhập địa chỉ email đã đăng ký"
AFTER_EN = "Once the dossier is approved, choose “Forgot password” and enter the email address"


def test_the_generic_answer_tells_what_to_do_after_the_counter_or_the_employer(api, db):
    vi = start(api, BINH, "nobody@example.org", lang="vi").json()["message"]
    en = start(api, BINH, "nobody@example.org", lang="en").json()["message"]
    assert AFTER_VI in vi and "mã OTP sẽ được gửi tới địa chỉ đó" in vi
    assert AFTER_EN in en and "the OTP code will be sent to that address" in en


def test_the_portal_recovery_page_tells_what_happens_after_the_dossier_is_approved(client, db):
    page = client.get("/quen-mat-khau/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "hãy chọn “Quên mật khẩu” và nhập địa chỉ email đã đăng ký trong hồ sơ" in page
    assert "bạn không cần đăng nhập trước" in page


def test_the_approved_address_is_told_it_can_recover_without_signing_in(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    _counter_intake(api)
    (mail,) = messages_to(NEW_EMAIL)
    assert "Quên mật khẩu hoặc không đăng nhập được?" in mail.body
    assert "/quen-mat-khau/" in mail.body


def test_binh_recovers_through_the_portal_with_the_address_taken_at_the_counter(
    api, citizen_no_email, clerk, approver, mailoutbox
):
    from django.test import Client

    from .helpers import request_code, submit_code

    _counter_intake(api)
    browser = Client()
    assert request_code(browser, BINH_CCCD, NEW_EMAIL).status_code == 302
    done = submit_code(browser, _recovery_codes_to(NEW_EMAIL)[-1], new_password=CHOSEN)
    assert done.status_code == 302, done.content
    binh = Person.objects.get(bhxh_code=BINH)
    assert (binh.email, binh.email_verified, binh.pending_email) == (NEW_EMAIL, True, "")
    assert api.login(BINH, CHOSEN)["password_change_required"] is False
