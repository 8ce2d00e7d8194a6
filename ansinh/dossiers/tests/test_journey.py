"""The issue's journey through the API: a unit files TK1-TS adding an email for Trần Thị Bình
(no email on record) → the clerk approves → the same clerk again gets 409 → the approver
approves → Bình confirms the code sent to the new address → Bình recovers her password
through the recovery flow with that address."""

from __future__ import annotations

import pytest

from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD
from ansinh.people.models import Person, PersonChange
from ansinh.recovery.tests import helpers as recovery

from .helpers import decide, last_code, messages_to, token, unit_file

pytestmark = pytest.mark.django_db

NEW_EMAIL = "binh.tran@example.org"


def test_unit_email_for_binh_two_approvers_confirmation_then_password_recovery(
    api, unit_key, employees, clerk, approver, mailoutbox
):
    # The unit files TK1-TS for its employee Bình.
    filed = unit_file(api, "0123456790", {"email": NEW_EMAIL})
    assert filed.status_code == 201, filed.content
    dossier_id = filed.json()["dossier_id"]
    assert filed.json()["status"] == "submitted"

    # Until the change is through, recovery with the new address gets Bình nothing.
    recovery.start_id(api, "0123456790", NEW_EMAIL)
    assert messages_to(NEW_EMAIL) == []

    clerk_token = token(api, "canbo1", STAFF_PASSWORD)
    first = decide(api, clerk_token, dossier_id, {"email": "approve"})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "awaiting_second_approval"

    again = decide(api, clerk_token, dossier_id, {"email": "approve"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "second_approver_required"

    approver_token = token(api, "canbo2", STAFF_PASSWORD)
    second = decide(api, approver_token, dossier_id, {"email": "approve"})
    assert second.status_code == 200, second.content
    assert second.json()["status"] == "approved"

    # Approved, but not yet the recovery address: pending until Bình enters the code.
    binh = Person.objects.get(bhxh_code="0123456790")
    assert (binh.email, binh.email_verified, binh.pending_email) == ("", False, NEW_EMAIL)
    code = last_code(NEW_EMAIL)

    binh_token = token(api, "0123456790", CITIZEN_PASSWORD)
    confirmed = api.post("/me/email/confirm", {"code": code}, token=binh_token)
    assert confirmed.status_code == 200, confirmed.content
    binh.refresh_from_db()
    assert (binh.email, binh.email_verified, binh.pending_email) == (NEW_EMAIL, True, "")
    history = list(PersonChange.objects.filter(person=binh).values_list("field", "dossier_ref"))
    assert ("pending_email", dossier_id) in history and ("email", dossier_id) in history

    # Bình forgot her password: the recovery flow now reaches her through the new address.
    recovery_id = recovery.start_id(api, "0123456790", NEW_EMAIL)
    otp = recovery.last_code(messages_to(NEW_EMAIL))
    verified = recovery.verify(api, recovery_id, otp)
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "credentials_emailed"
    temporary = recovery.temporary_password(messages_to(NEW_EMAIL))
    assert api.login("0123456790", temporary)["password_change_required"] is True
