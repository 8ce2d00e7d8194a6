"""Issue 11 a: the back office's contribution pages are scoped to the unit's office, money
actions need the approver role and are bounded and audited, and staff reads of a unit's people
are access-logged.

Another office's unit answers exactly like a unit that does not exist (same status, same page),
as another office's dossier does (docs/dossiers.md). No staff API route handles contributions,
so the back office is the only door these tests go through.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ansinh.accounts.models import Role, User
from ansinh.audit.models import AuditEvent, DataAccess
from ansinh.conftest import STAFF_PASSWORD, make_staff
from ansinh.contributions.models import ContributionMonth, Employment, Payment, Report
from ansinh.contributions.services import ingest_report
from ansinh.lib.actor import Actor, Channel
from ansinh.people.models import Office, Unit
from ansinh.portal.tests.helpers import BACKOFFICE_LOGIN, csrf_token, login, text

pytestmark = pytest.mark.django_db

REPORTS = "/backoffice/contributions/reports/"
PAYMENTS = "/backoffice/contributions/payments/"
STATEMENT = "/backoffice/contributions/statement/"
UNKNOWN_UNIT = "ZZ99999"
HIRE_CSV = (
    b"bhxh_code,type,from_month,salary,date_of_birth\n7912345678,hire,2026-10,10000000,1985-01-02\n"
)


@pytest.fixture
def other_clerk(other_office: Office) -> User:
    return make_staff(username="canbo7", role=Role.CLERK, office=other_office)


@pytest.fixture
def other_approver(other_office: Office) -> User:
    return make_staff(username="canbo8", role=Role.APPROVER, office=other_office)


@pytest.fixture
def staffed(unit: Unit, citizen: User, citizen_no_email: User) -> Unit:
    """TA01234 employs An and Bình since 2026-10 (reported through the unit API)."""
    ingest_report(
        unit=unit,
        reference="SETUP-1",
        period="2026-10",
        lines=[
            {
                "bhxh_code": "0123456789",
                "type": "hire",
                "from_month": "2026-10",
                "salary": 10**7,
                "date_of_birth": "1990-05-17",
            },
            {
                "bhxh_code": "0123456790",
                "type": "hire",
                "from_month": "2026-10",
                "salary": 8 * 10**6,
                "date_of_birth": "1992-03-08",
            },
        ],
        actor=Actor(channel=Channel.API),
    )
    return unit


def _signed_in(client: Client, username: str) -> Client:
    login(client, username, STAFF_PASSWORD, path=BACKOFFICE_LOGIN)
    return client


def _unit_field(unit: Unit | str) -> str:
    """How the forms name a unit: by its code, which the clerk reads off the paperwork."""
    return unit if isinstance(unit, str) else unit.code


def _record(client: Client, unit: Unit | str, amount: str = "3200000", **extra: str) -> Any:
    return client.post(
        PAYMENTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, PAYMENTS),
            "action": "record",
            "unit": _unit_field(unit),
            "amount": amount,
            "paid_on": "2026-10-20",
            **extra,
        },
    )


def _import(client: Client, body: bytes) -> Any:
    return client.post(
        PAYMENTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, PAYMENTS),
            "action": "import",
            "file": SimpleUploadedFile("bank.csv", body, "text/csv"),
        },
    )


def _upload(
    client: Client, unit: Unit | str, body: bytes = HIRE_CSV, reference: str = "BO-1"
) -> Any:
    return client.post(
        REPORTS,
        {
            "csrfmiddlewaretoken": csrf_token(client, REPORTS),
            "unit": _unit_field(unit),
            "reference": reference,
            "period": "2026-10",
            "file": SimpleUploadedFile("d02.csv", body, "text/csv"),
        },
    )


def _statement(client: Client, unit: Unit | str, month: str = "2026-10") -> Any:
    return client.get(STATEMENT, {"unit": _unit_field(unit), "month": month})


def _same_page(first: Any, second: Any, first_code: str, second_code: str) -> None:
    """The two answers are the same status and the same visible page, once the typed unit
    code (echoed in the form) is put aside."""
    assert first.status_code == second.status_code

    def visible(response: Any, code: str) -> str:
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return text(page.replace(code, "UNIT"))

    assert visible(first, first_code) == visible(second, second_code)


# --- Scope: another office's unit is an unknown unit --------------------------------------------


def test_clerk_of_another_office_cannot_read_a_units_statement(client, staffed, other_clerk):
    _signed_in(client, "canbo7")

    theirs = _statement(client, staffed)
    unknown = _statement(client, UNKNOWN_UNIT)

    assert theirs.status_code == 404
    _same_page(theirs, unknown, staffed.code, UNKNOWN_UNIT)
    assert "0123456789" not in theirs.content.decode()
    assert not DataAccess.objects.exists()


def test_approver_of_another_office_cannot_record_a_payment(client, staffed, other_approver):
    _signed_in(client, "canbo8")

    theirs = _record(client, staffed, amount="999999")
    unknown = _record(client, UNKNOWN_UNIT, amount="999999")

    assert theirs.status_code == 404
    _same_page(theirs, unknown, staffed.code, UNKNOWN_UNIT)
    assert not Payment.objects.exists()
    assert not ContributionMonth.objects.filter(paid=True).exists()


def test_approver_of_another_office_cannot_import_bank_credits_for_the_unit(
    client, staffed, other_office, other_approver
):
    Unit.objects.create(code="TC00042", name="Công ty Cổ phần Sao Mai", office=other_office)
    _signed_in(client, "canbo8")
    own_line = b"VCB-1,TC00042,500000,2026-10-02\n"
    header = b"bank_reference,unit_code,amount,paid_on\n"

    theirs = _import(client, header + own_line + b"VCB-2,TA01234,999999,2026-10-02\n")
    unknown = _import(client, header + own_line + b"VCB-2,ZZ99999,999999,2026-10-02\n")

    assert theirs.status_code == 400
    _same_page(theirs, unknown, "TA01234", "ZZ99999")
    assert "unknown_unit" in theirs.content.decode()
    # Nothing of the file is applied, not even the line for the approver's own unit.
    assert not Payment.objects.exists()


def test_clerk_of_another_office_cannot_upload_a_report_for_the_unit(
    client, unit, outsider, other_clerk
):
    _signed_in(client, "canbo7")

    theirs = _upload(client, unit)
    unknown = _upload(client, UNKNOWN_UNIT)

    assert theirs.status_code == 404
    _same_page(theirs, unknown, unit.code, UNKNOWN_UNIT)
    assert not Report.objects.exists()
    assert not Employment.objects.exists()


# --- Money actions need the approver role --------------------------------------------------------


def test_clerk_without_approver_role_cannot_record_a_payment(client, staffed, clerk):
    _signed_in(client, "canbo1")

    response = _record(client, staffed)

    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_clerk_without_approver_role_cannot_import_bank_credits(client, staffed, clerk):
    _signed_in(client, "canbo1")

    response = _import(
        client, b"bank_reference,unit_code,amount,paid_on\nVCB-1,TA01234,500000,2026-10-02\n"
    )

    assert response.status_code == 403
    assert not Payment.objects.exists()


# --- Amounts are bounded ---------------------------------------------------------------------------


def test_a_payment_over_the_maximum_is_a_form_error_and_nothing_is_written(
    client, staffed, approver, settings
):
    settings.PAYMENT_MAX_AMOUNT = 100_000_000_000
    _signed_in(client, "canbo2")

    response = _record(client, staffed, amount="999999999999")

    assert response.status_code == 400
    assert 'id="id_amount_error"' in response.content.decode()
    assert not Payment.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="payment.").exists()


def test_a_bank_line_over_the_maximum_rejects_the_whole_file(client, staffed, approver, settings):
    settings.PAYMENT_MAX_AMOUNT = 100_000_000_000
    _signed_in(client, "canbo2")

    response = _import(
        client,
        b"bank_reference,unit_code,amount,paid_on\n"
        b"VCB-1,TA01234,500000,2026-10-02\nVCB-2,TA01234,999999999999,2026-10-02\n",
    )

    assert response.status_code == 400
    assert "amount_over_limit" in response.content.decode()
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["-5000000", "0", "12.5", "1e9", "١٠٠"])
def test_negative_zero_and_non_integer_payments_are_form_errors(client, staffed, approver, amount):
    _signed_in(client, "canbo2")

    response = _record(client, staffed, amount=amount)

    assert response.status_code == 400
    assert 'id="id_amount_error"' in response.content.decode()
    assert not Payment.objects.exists()


# --- Money actions are audited -------------------------------------------------------------------


def test_a_recorded_payment_is_audited_with_who_unit_amount_and_reference(
    client, staffed, approver
):
    _signed_in(client, "canbo2")

    response = _record(client, staffed, amount="3200000", note="UNC 0815")

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.recorded_by == approver
    event = AuditEvent.objects.get(event="payment.recorded")
    assert event.actor == approver
    assert event.channel == "backoffice"
    assert event.client_ip
    assert event.details["unit"] == "TA01234"
    assert event.details["amount"] == 3_200_000
    assert event.details["payment"] == str(payment.public_id)
    assert event.details["reference"] == "UNC 0815"


def test_every_imported_bank_credit_is_audited(client, staffed, approver):
    _signed_in(client, "canbo2")

    response = _import(
        client,
        b"bank_reference,unit_code,amount,paid_on\n"
        b"VCB-1,TA01234,500000,2026-10-02\nVCB-2,TA01234,700000,2026-10-03\n",
    )

    assert response.status_code == 302
    events = AuditEvent.objects.filter(event="payment.recorded").order_by("pk")
    assert [(e.details["reference"], e.details["amount"], e.details["unit"]) for e in events] == [
        ("VCB-1", 500_000, "TA01234"),
        ("VCB-2", 700_000, "TA01234"),
    ]
    assert {e.actor for e in events} == {approver}
    assert {e.details["source"] for e in events} == {"bank_import"}


# --- Staff reads of a unit's people are access-logged --------------------------------------------


def test_statement_lines_are_access_logged_for_each_person_shown(
    client, staffed, clerk, citizen, citizen_no_email
):
    _signed_in(client, "canbo1")

    response = _statement(client, staffed)

    assert response.status_code == 200
    page = response.content.decode()
    assert "0123456789" in page and "0123456790" in page
    rows = DataAccess.objects.filter(staff=clerk)
    assert sorted(r.person.bhxh_code for r in rows) == ["0123456789", "0123456790"]
    assert {(r.what, r.channel) for r in rows} == {("statement", "backoffice")}


def test_a_rejected_upload_does_not_log_reads_nor_tell_the_unit_of_another_office(
    client, unit, other_clerk, outsider
):
    _signed_in(client, "canbo7")

    response = _upload(
        client, unit, b"bhxh_code,type,from_month,salary\n7912345678,leave,2026-10,\n"
    )

    assert response.status_code == 404
    assert "not_employed" not in response.content.decode()
    assert not DataAccess.objects.exists()


# --- The positive paths still work ---------------------------------------------------------------


def test_clerk_uploads_a_report_and_reads_the_statement_of_a_unit_of_the_office(
    client, unit, clerk, outsider
):
    _signed_in(client, "canbo1")

    response = _upload(client, unit)

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.channel, report.staff, report.unit) == ("backoffice", clerk, unit)
    page = _statement(client, unit)
    assert page.status_code == 200
    assert "7912345678" in page.content.decode()


def test_approver_records_a_payment_and_imports_bank_credits_of_the_office(
    client, staffed, approver
):
    _signed_in(client, "canbo2")

    assert _record(client, staffed, amount="5760000").status_code == 302
    response = _import(
        client, b"bank_reference,unit_code,amount,paid_on\nVCB-9,TA01234,1000,2026-11-02\n"
    )

    assert response.status_code == 302
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [1000, 5_760_000]
    assert all(p.recorded_by == approver for p in Payment.objects.all())
    assert ContributionMonth.objects.filter(month=dt.date(2026, 10, 1), paid=True).count() == 2


def test_the_bank_import_command_still_imports_for_any_unit(tmp_path, staffed):
    from django.core.management import call_command

    path = tmp_path / "bank.csv"
    path.write_text("bank_reference,unit_code,amount,paid_on\nVCB-5,TA01234,5000,2026-10-02\n")

    call_command("import_payments", str(path))

    payment = Payment.objects.get()
    assert payment.amount == 5000 and payment.recorded_by is None
    event = AuditEvent.objects.get(event="payment.recorded")
    assert (event.channel, event.details["reference"]) == ("cli", "VCB-5")


# --- The adapter holds no queries and no role checks (issue 11 §2) -------------------------------


def test_the_back_office_contribution_pages_hold_no_queries_or_role_checks():
    """The pages parse, call ``contributions.access`` or a service, and render: no model is
    imported, no manager or queryset is touched, no role or office is compared there."""
    import ast
    from pathlib import Path

    import ansinh.backoffice.contributions as pages

    tree = ast.parse(Path(pages.__file__).read_text())
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("models"):
            found.append(f"line {node.lineno}: imports {node.module}")
        if isinstance(node, ast.Attribute) and node.attr in {
            "objects",
            "role",
            "office",
            "office_id",
            "is_office_staff",
            "filter",
            "exclude",
            "select_for_update",
        }:
            found.append(f"line {node.lineno}: .{node.attr}")
    assert found == []


def test_the_admin_lists_of_persons_rows_are_access_logged(client, staffed, citizen):
    admin = User.objects.create_superuser("quantri", "Quan-Tri-He-Thong-2026")
    login(client, admin.username, "Quan-Tri-He-Thong-2026", path=BACKOFFICE_LOGIN)

    listed = client.get("/admin/contributions/contributionmonth/")
    row = ContributionMonth.objects.filter(person=citizen.person).first()
    assert row is not None
    opened = client.get(f"/admin/contributions/employment/{Employment.objects.first().pk}/change/")

    assert listed.status_code == 200 and opened.status_code == 200
    logged = DataAccess.objects.filter(staff=admin)
    assert sorted(r.person.bhxh_code for r in logged if r.what == "contribution_month") == [
        "0123456789",
        "0123456790",
    ]
    assert [r.what for r in logged if r.what == "employment"] == ["employment"]


def test_a_malformed_bank_file_is_a_form_error_not_a_server_error(client, staffed, approver):
    _signed_in(client, "canbo2")
    huge_field = b"VCB-1,TA01234," + b"9" * 200_000 + b",2026-10-02\n"

    response = _import(client, b"bank_reference,unit_code,amount,paid_on\n" + huge_field)

    assert response.status_code == 400
    assert "invalid_csv" in response.content.decode()
    assert not Payment.objects.exists()
