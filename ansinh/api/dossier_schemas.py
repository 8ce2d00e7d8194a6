"""Request and response shapes of the dossier endpoints (docs/dossiers.md). Requests are
strict like every other: unknown fields, wrong types and lists where text belongs are 400
``invalid_input``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from ansinh.dossiers.filing import FORM_FIELDS
from ansinh.dossiers.models import FormKind

from .schemas import PRINTABLE, BhxhCode, EmailedCode, StrictIn

Changes = dict[str, str]


def changes_field(form: str, description: str) -> Any:
    """``changes`` of ``form``, documented with the fields that form may change: any other
    field, and an empty object, answer 400 (``prepare_changes``)."""
    return Field(
        description=description,
        json_schema_extra={
            "properties": {name: {"type": "string"} for name in sorted(FORM_FIELDS[form])},
            "additionalProperties": False,
            "minProperties": 1,
        },
    )


class UnitDossierIn(StrictIn):
    form: Literal["TK1-TS"]
    bhxh_code: BhxhCode = Field(description="The employee's BHXH code")
    changes: Changes = changes_field(
        FormKind.TK1_TS, "Field → new value; fields: email, phone, cccd, address, full_name"
    )
    note: str = Field(default="", max_length=500, pattern=PRINTABLE)


class StaffDossierIn(StrictIn):
    form: Literal["02/SĐ-GD"]
    bhxh_code: BhxhCode
    changes: Changes = changes_field(FormKind.SD_GD_02, "Field → new value; fields: email, phone")
    identity_checked: bool = Field(
        description="The clerk checked the person's CCCD card in person (must be true)"
    )
    note: str = Field(default="", max_length=500, pattern=PRINTABLE)


class ChangeRequestIn(StrictIn):
    """The ``payload`` part of the multipart ``POST /me/dossiers``."""

    form: Literal["change_request"]
    office_code: str = Field(pattern=r"^[0-9]{5}$", description="The receiving BHXH office")
    changes: Changes = changes_field(
        FormKind.CHANGE_REQUEST, "Field → new value; fields: phone, cccd, address, email"
    )
    note: str = Field(default="", max_length=500, pattern=PRINTABLE)


class DecisionIn(StrictIn):
    decisions: dict[str, Literal["approve", "reject"]] = Field(
        description="Field → approve or reject"
    )
    # Printable only: a NUL or a lone surrogate in a reason once answered 500 (API fuzzer).
    reasons: dict[str, Annotated[str, Field(pattern=PRINTABLE)]] = Field(
        default_factory=dict,
        description="Field → reason in your words (each rejection needs this or a reason code)",
    )
    reason_codes: dict[str, Annotated[str, Field(max_length=40, pattern=PRINTABLE)]] = Field(
        default_factory=dict,
        description="Field → a listed rejection reason (unreadable_document, mismatch_document, "
        "missing_document, cccd_not_in_register, not_requested), shown in each reader's language",
    )
    note: str = Field(default="", max_length=500, pattern=PRINTABLE)


class DisputeIn(StrictIn):
    action: Literal["cancel", "release"]
    reason: str = Field(min_length=1, max_length=500, pattern=PRINTABLE)


class EmailConfirmIn(StrictIn):
    code: EmailedCode = Field(description="The 6-digit code sent to the new email")


class NoticesReadIn(StrictIn):
    ids: list[str] | None = Field(
        default=None, max_length=200, description="Notices to mark read; all when absent"
    )


class OfficeRef(Schema):
    code: str
    name: str


class PersonRef(Schema):
    bhxh_code: str
    full_name: str


class SubmitterOut(Schema):
    kind: Literal["unit", "organisation", "staff", "citizen", "registration"]
    code: str
    name: str


class DossierCreatedOut(Schema):
    dossier_id: str
    status: str
    due_date: dt.date


class DossierSummaryOut(Schema):
    dossier_id: str
    form: str
    status: str
    submitted_at: dt.datetime
    due_date: dt.date
    overdue: bool
    office: OfficeRef
    fields: list[str]


class StaffDossierSummaryOut(DossierSummaryOut):
    person: PersonRef | None
    flagged: bool
    submitted_by: SubmitterOut


class DecisionOut(Schema):
    decision: str
    reason_code: str = ""
    reason: str
    decided_at: dt.datetime
    decided_by: str | None = None


class ChangeOut(Schema):
    field: str
    old_value: str
    new_value: str
    status: str
    four_eyes: bool
    decisions: list[DecisionOut]


class EventOut(Schema):
    kind: str
    status: str
    at: dt.datetime
    actor: str
    note: str


class AttachmentOut(Schema):
    id: str
    kind: Literal["document", "cccd_front", "cccd_back", "portrait"] = Field(
        description="A document, or one of a registration's photos"
    )
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime


class EmailChangeOut(Schema):
    status: str
    old_email: str
    new_email: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    disputed_at: dt.datetime | None


class DossierOut(DossierSummaryOut):
    identity_checked: bool
    confirmation_required: bool = Field(
        description="A unit's email or phone change within 30 days of its own hire of the "
        "person: it waits for the person's confirmation or a counter identity check"
    )
    person_confirmed: bool
    awaits_person: bool = Field(
        description="True while the person may confirm it (POST /me/dossiers/{id}/confirm)"
    )
    closed_at: dt.datetime | None
    changes: list[ChangeOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    email_change: EmailChangeOut | None


class StaffPersonOut(Schema):
    public_id: str
    bhxh_code: str
    full_name: str
    date_of_birth: dt.date
    cccd: str
    phone: str
    email: str
    email_verified: bool
    pending_email: str
    has_account: bool


class RegistryCheckOut(Schema):
    field: Literal["identifier", "full_name", "date_of_birth", "phone", "cccd"]
    typed: str
    on_record: str = Field(
        description="The registry's value; empty unless the registration matched"
    )
    result: Literal["match", "mismatch", "none"] = Field(
        description="none: nothing to compare (nobody named, nothing on record or not typed)"
    )


class RegistrationOut(Schema):
    identifier: str
    full_name: str
    date_of_birth: dt.date
    phone: str
    email: str
    matched: bool
    approvable: bool = Field(
        description="Identifier, full name and date of birth all match the registry now"
    )
    checks: list[RegistryCheckOut]


class EmploymentOut(Schema):
    """Since when and by whose report the filing unit employs the person."""

    unit_code: str
    unit_name: str
    since: str | None = Field(description="First month of the employment (YYYY-MM)")
    report_reference: str | None = Field(description="The unit's report that hired the person")
    reported_at: dt.datetime | None


class StaffDossierOut(DossierOut):
    person: StaffPersonOut | None
    employment: EmploymentOut | None
    conflicts: dict[str, str] = Field(
        description="Field → conflict with the registry (cccd_taken): such a field cannot be "
        "approved"
    )
    identity_checked_by: str | None
    identity_checked_at: dt.datetime | None
    person_confirmed_at: dt.datetime | None
    flagged: bool
    flag_reason: str
    submitted_by: SubmitterOut
    note: str
    registration: RegistrationOut | None


class DossierListOut(Schema):
    count: int
    items: list[DossierSummaryOut]


class StaffDossierListOut(Schema):
    count: int
    items: list[StaffDossierSummaryOut]


class EmailStateOut(Schema):
    email_masked: str | None
    email_verified: bool
    pending_email_masked: str | None
    code_expires_at: dt.datetime | None


class EmailConfirmedOut(Schema):
    status: Literal["confirmed"]
    email_masked: str


class NoticeOut(Schema):
    id: str
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read: bool


class NoticeListOut(Schema):
    unread: int
    items: list[NoticeOut]


class MarkedOut(Schema):
    marked: int


class AccessOut(Schema):
    accessed_at: dt.datetime
    who: Literal["staff", "unit", "organisation"]
    name: str
    office: str | None
    what: str
    # What was seen, in the request's language ("Hồ sơ HS-2026-… (TK1-TS)"), and the dossier
    # it concerns, if any (GET /me/dossiers/{dossier_id}).
    what_label: str
    dossier_id: str | None = None
    channel: str


class AccessLogOut(Schema):
    items: list[AccessOut]
