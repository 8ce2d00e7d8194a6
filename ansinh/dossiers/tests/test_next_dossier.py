"""The dossier page's rules in the domain (issue 14): what "save and open next" opens
(``worklist.next_for``: this office, this person's action, SLA order), which fields a staff
member may decide now (``worklist.decidable_fields``: never a second decision by the first
approver, and ``decide_dossier`` refuses it anyway) and the preset rejection reasons, shown in
each reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from ansinh.conftest import make_staff, run_on_commit
from ansinh.dossiers import services, worklist
from ansinh.dossiers.errors import Conflict, Invalid
from ansinh.dossiers.models import Dossier, FieldDecision
from ansinh.dossiers.present import detail
from ansinh.dossiers.reasons import RejectionReason, offered, reason_text
from ansinh.lib.actor import Actor, Channel

from .helpers import counter_dossiers

pytestmark = pytest.mark.django_db


def _as(user) -> Actor:
    return Actor(channel=Channel.BACKOFFICE, user=user)


@pytest.fixture
def colleague(office):
    """A third clerk of the office, who takes the forms at the counter."""
    return make_staff(username="canbo3", role="clerk", office=office)


def _due(dossier: Dossier, days: int) -> Dossier:
    Dossier.objects.filter(pk=dossier.pk).update(due_date=dossier.due_date + dt.timedelta(days))
    dossier.refresh_from_db()
    return dossier


def test_next_for_a_clerk_follows_the_sla_and_skips_what_is_decided(office, clerk, colleague):
    a, b, c, d = counter_dossiers(colleague, 4)
    _due(a, 3), _due(b, 1), _due(c, 2), _due(d, 2)  # SLA order: b, c, d (filed after c), a
    me = _as(clerk)

    assert worklist.next_for(me) == b
    assert worklist.next_for(me, after=b) == c
    assert worklist.next_for(me, after=c) == d
    assert worklist.next_for(me, after=d) == a
    assert worklist.next_for(me, after=a) == b  # round again to the ones skipped

    services.decide_dossier(dossier=c, actor=me, decisions={"phone": "approve"})
    assert worklist.next_for(me, after=b) == d  # c waits for a second approver, not for me


def test_next_for_stays_in_the_office_and_never_returns_the_current_one(
    office, other_office, clerk, colleague
):
    (mine,) = counter_dossiers(colleague, 1)
    elsewhere = make_staff(username="canbo9", role="clerk", office=other_office)
    (theirs,) = counter_dossiers(elsewhere, 1, start=1)

    assert worklist.next_for(_as(clerk), after=mine) is None
    assert worklist.next_for(_as(elsewhere)) == theirs
    assert worklist.next_for(_as(elsewhere), after=theirs) is None


def test_next_for_an_approver_puts_second_approvals_first_and_never_their_own(
    office, clerk, approver, colleague
):
    first, second, third = counter_dossiers(colleague, 3)
    services.decide_dossier(dossier=third, actor=_as(clerk), decisions={"phone": "approve"})
    services.decide_dossier(dossier=second, actor=_as(approver), decisions={"phone": "approve"})
    boss = _as(approver)

    # third awaits a second approval the approver may give: before the pending first; second
    # awaits one too, but the approver gave its first approval.
    assert worklist.next_for(boss) == third
    assert worklist.next_for(boss, after=third) == first
    assert worklist.next_for(boss, after=first) == third
    # A clerk's to-do is the pending ones only.
    assert worklist.next_for(_as(clerk)) == first
    assert worklist.next_for(_as(clerk), after=first) is None


def test_the_first_approver_has_no_open_decision_on_a_field_needing_a_second_one(
    office, clerk, approver, colleague
):
    (filed,) = counter_dossiers(colleague, 1)
    assert [c.field for c in worklist.decidable_fields(filed, _as(clerk))] == ["phone"]
    services.decide_dossier(dossier=filed, actor=_as(clerk), decisions={"phone": "approve"})
    filed.refresh_from_db()

    assert worklist.decidable_fields(filed, _as(clerk)) == []
    assert [c.field for c in worklist.decidable_fields(filed, _as(approver))] == ["phone"]
    for decision in ("approve", "reject"):
        with pytest.raises(Conflict) as refused:
            services.decide_dossier(
                dossier=filed,
                actor=_as(clerk),
                decisions={"phone": decision},
                reason_codes={"phone": RejectionReason.MISSING_DOCUMENT},
            )
        assert refused.value.code == "second_approver_required"
    assert FieldDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", "Ảnh giấy tờ không rõ: mặt sau bị mờ"),
        ("en", "The photo of the document is not readable: mặt sau bị mờ"),
    ],
)
def test_a_preset_reason_is_enough_and_reaches_the_person_in_their_language(
    office, citizen, clerk, colleague, mailoutbox, language, expected
):
    citizen.language = language
    citizen.save(update_fields=["language"])
    with run_on_commit():
        filed = services.submit_counter_dossier(
            actor=_as(colleague),
            person=citizen.person,
            changes={"phone": "0987000111"},
            identity_checked=True,
            note="",
        )
    mailoutbox.clear()
    with translation.override("vi" if language == "en" else "en"), run_on_commit():
        services.decide_dossier(  # staff deciding in the other language
            dossier=filed,
            actor=_as(clerk),
            decisions={"phone": "reject"},
            reason_codes={"phone": RejectionReason.UNREADABLE_DOCUMENT},
            reasons={"phone": "mặt sau bị mờ"},
        )
    decision = FieldDecision.objects.get()
    assert (decision.reason_code, decision.reason) == ("unreadable_document", "mặt sau bị mờ")
    (email,) = mailoutbox
    assert expected in email.body
    with translation.override(language):
        shown = detail(filed, staff=False)["changes"][0]["decisions"][0]
    assert shown["reason"] == expected


def test_a_rejection_needs_a_listed_reason_or_words_and_an_unknown_code_changes_nothing(
    office, clerk, colleague
):
    (filed,) = counter_dossiers(colleague, 1)
    with pytest.raises(Invalid) as unknown:
        services.decide_dossier(
            dossier=filed,
            actor=_as(clerk),
            decisions={"phone": "reject"},
            reason_codes={"phone": "because"},
        )
    assert (unknown.value.code, list(unknown.value.fields)) == ("invalid_input", ["phone"])
    with pytest.raises(Invalid) as missing:
        services.decide_dossier(dossier=filed, actor=_as(clerk), decisions={"phone": "reject"})
    assert missing.value.code == "reason_required"
    assert not FieldDecision.objects.exists()


def test_the_listed_reasons_read_in_vietnamese():
    with translation.override("vi"):
        labels = [str(label) for _code, label in offered()]
        assert "Ảnh giấy tờ không rõ" in labels
        assert "Thông tin không khớp với giấy tờ" in labels
        assert "Thiếu giấy tờ chứng minh" in labels
        assert "Số CCCD không khớp sổ đăng ký" in labels
        assert str(reason_text("", "  chữ ký khác  ")) == "chữ ký khác"


def test_the_staff_api_takes_a_listed_reason_and_refuses_an_unknown_one(
    api, unit_key, employees, clerk
):
    from ansinh.conftest import STAFF_PASSWORD

    from .helpers import decide, token, unit_file

    filed = unit_file(api, "0123456789", {"address": "5 Hàng Bài"}).json()["dossier_id"]
    staff = token(api, "canbo1", STAFF_PASSWORD)
    unknown = decide(api, staff, filed, {"address": "reject"}, reason_codes={"address": "because"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "invalid_input")
    assert not FieldDecision.objects.exists()

    listed = decide(
        api, staff, filed, {"address": "reject"}, reason_codes={"address": "missing_document"}
    )
    assert listed.status_code == 200, listed.content
    (shown,) = listed.json()["changes"][0]["decisions"]
    assert (shown["reason_code"], shown["decided_by"]) == ("missing_document", "canbo1")
    assert shown["reason"] in ("Thiếu giấy tờ chứng minh", "A supporting document is missing")
