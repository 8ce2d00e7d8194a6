"""Notices and emails are written in their reader's language (issue 12 §2, DESIGN §3.7), never
in the language of whoever or whatever caused them: a unit's HR system, staff deciding in the
other language, the person's own request from a browser in the other language, the task
worker. The person's language is the one they chose with the language switch, which the
account keeps.

Each kind is checked for an English reader (caused in Vietnamese) and a Vietnamese reader
(caused in English): a notice's title and body, an email's subject, text and HTML parts."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from ansinh.accounts.models import User
from ansinh.conftest import CITIZEN_PASSWORD, STAFF_PASSWORD, UNIT_KEY, Api, run_on_commit
from ansinh.dossiers.tests.helpers import change_request, dispute_link, hire_an, last_code
from ansinh.notifications.models import Notice, OutboundEmail
from ansinh.people.models import Person
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 16, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội
ALERT_DAY = dt.datetime(2026, 12, 31, 1, 0, tzinfo=dt.UTC)  # 10/2026 due 30/11, + 30 days
OLD, NEW = "an.nguyen@example.com", "an.moi@example.net"
NEW_PASSWORD = "Mot-Mat-Khau-Moi-Rat-Dai-2026"
# Names that are Vietnamese in either language: left out before looking at the language.
PROPER_NOUNS = [
    "Nguyễn Văn An",
    "Công ty TNHH An Khang",
    "BHXH quận Ba Đình",
    "5 Hàng Bài, Hoàn Kiếm",
    "12 Phố Kim Mã, Ba Đình, Hà Nội",
    "Ảnh CCCD không rõ",
    "Cán bộ canbo1",
    "02/SĐ-GD",
    "01/ĐK-GD",
]
# Letters only Vietnamese uses among the two languages (đ, ư, ơ, ă, â, ê, ô, tone marks).
VIETNAMESE = re.compile("[đĐưƯơƠăĂâÂêÊôÔàáảãạÀÁÌÍìíỉĩịòóỏõọùúủũụỳýỷỹỵèéẻẽẹ\u1ea0-\u1ef9]")
OTHER = {"en": "vi", "vi": "en"}


def _language_of(text: str) -> str:
    for noun in PROPER_NOUNS:
        text = text.replace(noun, "")
    return "vi" if VIETNAMESE.search(text) else "en"


def _switch_language(client: Client, language: str, *, next_page: str = "/ca-nhan/") -> None:
    """The language switch in the page header, as a person uses it."""
    response = client.post(
        "/i18n/setlang/",
        {
            "csrfmiddlewaretoken": csrf_token(client, next_page),
            "language": language,
            "next": next_page,
        },
    )
    assert response.status_code == 302


def _token(api: Api, username: str, password: str, lang: str) -> str:
    return str(api.login(username, password, lang=lang)["access_token"])


def _citizen_chooses(client: Client, language: str) -> User:
    """An (created with the other language) signs in to the portal and switches language."""
    user = User.objects.get(username="0123456789")
    User.objects.filter(pk=user.pk).update(language=OTHER[language])
    Person.objects.filter(bhxh_code="0123456789").update(language=OTHER[language])
    login(client, "0123456789", CITIZEN_PASSWORD)
    _switch_language(client, language)
    user.refresh_from_db()
    return user


@pytest.fixture(params=["en", "vi"])
def reader(request: Any, client: Client, citizen: User) -> str:
    language = str(request.param)
    user = _citizen_chooses(client, language)
    assert user.language == language
    assert Person.objects.get(bhxh_code="0123456789").language == language
    return language


def test_the_language_switch_keeps_the_choice_on_the_account(client, citizen):
    login(client, "0123456789", CITIZEN_PASSWORD)

    _switch_language(client, "en")
    assert User.objects.get(username="0123456789").language == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _switch_language(client, "vi")
    assert User.objects.get(username="0123456789").language == "vi"
    assert Person.objects.get(bhxh_code="0123456789").language == "vi"

    # Anyone else only gets the cookie; an unknown language changes nothing.
    anonymous = Client()
    _switch_language(anonymous, "en", next_page="/dang-nhap/")
    assert anonymous.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _switch_language(client, "fr")
    assert User.objects.get(username="0123456789").language == "vi"


def test_every_notice_and_email_is_in_the_readers_language(
    api, client, reader, unit_key, clerk, approver
):
    caused_in = OTHER[reader]  # the unit, the staff and An's own requests use the other one
    with time_machine.travel(MONDAY, tick=False):
        # The unit hires An (the hire announcement is written by the task worker).
        hired = hire_an(api, lang=caused_in)
        assert hired.status_code == 201, hired.content
        clerk_token = _token(api, "canbo1", STAFF_PASSWORD, caused_in)
        approver_token = _token(api, "canbo2", STAFF_PASSWORD, caused_in)

        # A TK1-TS, partly approved by a clerk working in the other language.
        filed = api.post(
            "/unit/dossiers",
            {
                "form": "TK1-TS",
                "bhxh_code": "0123456789",
                "changes": {"address": "5 Hàng Bài, Hoàn Kiếm", "cccd": "001090099999"},
            },
            headers={"X-API-Key": UNIT_KEY},
            lang=caused_in,
        )
        assert filed.status_code == 201, filed.content
        decided = api.post(
            f"/staff/dossiers/{filed.json()['dossier_id']}/decision",
            {
                "decisions": {"address": "approve", "cccd": "reject"},
                "reasons": {"cccd": "Ảnh CCCD không rõ"},
            },
            token=clerk_token,
            lang=caused_in,
        )
        assert decided.json()["status"] == "partly_approved", decided.content

        # A new email taken at the counter, approved by two staff (code to the new address,
        # "this wasn't me" to the old one).
        counter = api.post(
            "/staff/dossiers",
            {
                "form": "02/SĐ-GD",
                "bhxh_code": "0123456789",
                "changes": {"email": NEW},
                "identity_checked": True,
            },
            token=clerk_token,
            lang=caused_in,
        )
        assert counter.status_code == 201, counter.content
        counter_id = counter.json()["dossier_id"]
        for staff_token in (clerk_token, approver_token):
            api.post(
                f"/staff/dossiers/{counter_id}/decision",
                {"decisions": {"email": "approve"}},
                token=staff_token,
                lang=caused_in,
            )
        assert last_code(NEW) and dispute_link(OLD)

        # An's own change request from the app in the other language, then withdrawn.
        an = _token(api, "0123456789", CITIZEN_PASSWORD, caused_in)
        mine = change_request(client, an, changes={"address": "8 Tràng Tiền"})
        assert mine.status_code == 201, mine.content
        withdrawn = api.post(
            f"/me/dossiers/{mine.json()['dossier_id']}/withdraw", token=an, lang=caused_in
        )
        assert withdrawn.status_code == 200, withdrawn.content

        # A password change, then a recovery with a temporary password.
        changed = api.post(
            "/auth/password",
            {"current_password": CITIZEN_PASSWORD, "new_password": NEW_PASSWORD},
            token=an,
            lang=caused_in,
        )
        assert changed.status_code == 204, changed.content
        started = api.post(
            "/auth/recovery", {"username": "0123456789", "email": OLD}, lang=caused_in
        )
        code = last_code(OLD)
        verified = api.post(
            f"/auth/recovery/{started.json()['recovery_id']}/verify", {"otp": code}, lang=caused_in
        )
        assert verified.json()["status"] == "credentials_emailed", verified.content

    # The unit never pays 10/2026: the scheduled alert, run by the worker.
    with time_machine.travel(ALERT_DAY, tick=False), translation.override(caused_in):
        with run_on_commit():
            call_command("unpaid_alerts", stdout=io.StringIO())

    notices = list(Notice.objects.filter(user__username="0123456789"))
    assert {n.kind for n in notices} >= {
        "new_employer",
        "dossier_submitted",
        "dossier_partly_approved",
        "dossier_approved",
        "email_code_sent",
        "dossier_withdrawn",
        "unpaid_months",
    }
    wrong = [(n.kind, n.title, n.body) for n in notices if _language_of(n.title + n.body) != reader]
    assert wrong == []

    sent = list(OutboundEmail.objects.filter(recipient__in=[OLD, NEW]))
    assert {e.kind for e in sent} >= {
        "new_employer",
        "dossier_update",
        "email_change_code",
        "email_change_notice",
        "password_changed",
        "recovery_code",
        "recovery_credentials",
        "password_reset",
        "unpaid_months",
    }
    assert {e.language for e in sent} == {reader}
    # As delivered (the outbox erases the bodies of codes and passwords once sent).
    delivered = [m for m in mail.outbox if set(m.to) & {OLD, NEW}]
    assert len(delivered) == len(sent)
    wrong_mail = [
        (m.subject, part[:120])
        for m in delivered
        for part in (str(m.subject), str(m.body), str(m.alternatives[0][0]))  # type: ignore[attr-defined]
        if _language_of(part) != reader
    ]
    assert wrong_mail == []


def test_an_office_alert_is_in_each_staff_members_language(
    api, client, citizen, unit_key, employees, clerk, approver
):
    staff = Client()
    login(staff, "canbo2", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    _switch_language(staff, "en", next_page="/backoffice/")
    assert User.objects.get(username="canbo2").language == "en"
    filed = api.post(
        "/unit/dossiers",
        {"form": "TK1-TS", "bhxh_code": "0123456789", "changes": {"email": NEW}},
        headers={"X-API-Key": UNIT_KEY},
    )
    dossier_id = filed.json()["dossier_id"]
    for username in ("canbo1", "canbo2"):
        api.post(
            f"/staff/dossiers/{dossier_id}/decision",
            {"decisions": {"email": "approve"}},
            token=_token(api, username, STAFF_PASSWORD, "vi"),
        )

    # The old address says "this wasn't me" from a Vietnamese browser.
    path = "/" + dispute_link(OLD).split("://", 1)[1].split("/", 1)[1]
    opened = client.get(path)
    page = client.get(opened.headers["Location"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    with run_on_commit():
        client.post(opened.headers["Location"], {"csrfmiddlewaretoken": token.group(1)})

    alerts = {
        n.user.username: n.title
        for n in Notice.objects.filter(kind="office_email_change_disputed").select_related("user")
    }
    assert set(alerts) == {"canbo1", "canbo2"}
    assert _language_of(alerts["canbo1"]) == "vi"
    assert _language_of(alerts["canbo2"]) == "en"
