"""Who sent a report, and who issued a key, comes from the Actor the adapter built (issue 11 §2):
the report keeps its channel, key and staff member, and its ``report.received`` audit row the
client address and door, whichever door it came through."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ansinh.accounts.models import OrganisationKey
from ansinh.audit.models import AuditEvent
from ansinh.conftest import STAFF_PASSWORD
from ansinh.contributions.models import Report
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login

from .conftest import line, send

pytestmark = pytest.mark.django_db

REPORTS = "/backoffice/contributions/reports/"
HIRE_CSV = (
    b"bhxh_code,type,from_month,salary,date_of_birth\n7912345678,hire,2026-10,10000000,1985-01-02\n"
)


def _audit_row(event: str) -> tuple[str | None, str, str, object]:
    row = AuditEvent.objects.get(event=event)
    return row.client_ip, row.channel, row.user_agent, row.actor


def test_a_report_sent_through_the_unit_api_is_audited_with_the_client_address_and_its_key(
    api, citizen, unit_key
):
    response = api.call(
        "POST",
        "/unit/reports",
        {
            "reference": "D02-ACTOR",
            "period": "2026-10",
            "lines": [line("0123456789", "hire", "2026-10", salary=10_000_000)],
        },
        remote_addr="198.51.100.23",
        headers={"X-API-Key": unit_key, "User-Agent": "HR-Tool/2.1"},
    )

    assert response.status_code == 201, response.content
    report = Report.objects.get()
    key = OrganisationKey.objects.get(unit__code="TA01234")
    assert (report.channel, report.key, report.staff) == ("api", key, None)
    assert _audit_row("report.received") == ("198.51.100.23", "api", "HR-Tool/2.1", None)


def test_a_report_uploaded_in_the_back_office_is_audited_with_the_clerks_address(
    unit, clerk, outsider
):
    client = Client(REMOTE_ADDR="198.51.100.41")
    login(client, "canbo1", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = client.post(
        REPORTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, REPORTS),
            "unit": "TA01234",
            "reference": "BO-ACTOR",
            "period": "2026-10",
            "file": SimpleUploadedFile("d02.csv", HIRE_CSV, "text/csv"),
        },
    )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.channel, report.key, report.staff) == ("backoffice", None, clerk)
    assert _audit_row("report.received") == ("198.51.100.41", "backoffice", "", clerk)


def test_a_key_issued_in_the_back_office_is_audited_with_the_approvers_address(unit, approver):
    client = Client(REMOTE_ADDR="198.51.100.42")
    login(client, "canbo2", STAFF_PASSWORD, path=BACKOFFICE_LOGIN)

    response = client.post(
        "/backoffice/keys/",
        {
            "csrfmiddlewaretoken": csrf_token(client, "/backoffice/keys/"),
            "owner": "unit:TA01234",
            "label": "HR",
        },
    )

    assert response.status_code == 200, response.content
    key = OrganisationKey.objects.get()
    assert key.created_by == approver
    assert _audit_row("orgkey.issued") == ("198.51.100.42", "backoffice", "", approver)


def test_a_report_refused_for_unmatched_hires_is_audited_with_the_client_address(
    api, unit_key, settings
):
    settings.UNIT_UNMATCHED_HIRES_PER_DAY = 1
    nobody = [
        line(code, "hire", "2026-10", salary=9_000_000, date_of_birth="1990-01-01")
        for code in ("0100000001", "0100000002")
    ]

    response = send(api, unit_key, "D02-NOBODY", "2026-10", nobody)

    assert response.status_code == 429, response.content
    assert _audit_row("report.unmatched_hires_refused") == ("203.0.113.7", "api", "", None)
