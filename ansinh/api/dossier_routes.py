"""Dossier endpoints (DESIGN §4, docs/dossiers.md): parse → ``ansinh.dossiers`` services →
schema. Mounted in ``urls.py``:

* ``/unit/dossiers`` — units and collection organisations (API key): file TK1-TS;
* ``/staff/dossiers`` — office staff (bearer token of a staff login): the office's queue,
  counter intake (02/SĐ-GD), a dossier with its diff, decisions, disputed email changes,
  attachments;
* ``/me/dossiers`` — the signed-in citizen: their dossiers, a change request with documents
  (multipart), withdraw, attachments;
* ``/me/email`` — the state of the email address and the code that confirms a new one.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Status

from ansinh.accounts import codes
from ansinh.dossiers import access, email_change, email_dispute, services
from ansinh.dossiers.models import Channel
from ansinh.dossiers.present import detail, summary
from ansinh.dossiers.uploads import UploadRejected, check_files
from ansinh.dossiers.web import file_response
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import mask_email

from . import errors, multipart, parser
from .auth import current_citizen, current_org_key, current_user, org_key_auth, token_auth
from .dossier_schemas import (
    ChangeRequestIn,
    DecisionIn,
    DisputeIn,
    DossierCreatedOut,
    DossierListOut,
    DossierOut,
    EmailConfirmedOut,
    EmailConfirmIn,
    EmailStateOut,
    StaffDossierIn,
    StaffDossierListOut,
    StaffDossierOut,
    UnitDossierIn,
)
from .errors import ApiError
from .operation_ids import operation_id
from .schemas import ErrorOut, InvalidOtpOut

unit_router = Router(tags=["unit"], auth=org_key_auth)
staff_router = Router(tags=["staff"], auth=token_auth)
me_router = Router(tags=["me"], auth=token_auth)
email_router = Router(tags=["me"], auth=token_auth)

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def install(api: NinjaAPI) -> None:
    """Answer a rejected upload in the API's error format (domain errors: ``errors.install``)."""

    @api.exception_handler(UploadRejected)
    def _upload_rejected(request: HttpRequest, exc: UploadRejected) -> HttpResponse:
        return errors.error_response(
            api,
            request,
            status=400,
            code=exc.code,
            message=exc.message,
            fields={"documents": exc.message},
        )


def _dossier_links(*targets: str) -> dict[str, Any]:
    """OpenAPI links from a filed dossier's ``dossier_id`` to the operations that take it."""
    parameters = {"dossier_id": "$response.body#/dossier_id"}
    links = {
        name: {"operationId": operation_id(__name__, name), "parameters": parameters}
        for name in targets
    }
    return {"responses": {201: {"links": links}}}


STAFF_LINKS = _dossier_links("staff_dossier", "staff_decide", "staff_resolve_dispute")


def _created(dossier: Any) -> Status[DossierCreatedOut]:
    return Status(
        201,
        DossierCreatedOut(
            dossier_id=dossier.public_id, status=dossier.status, due_date=dossier.due_date
        ),
    )


# --- /unit/dossiers ------------------------------------------------------------------------------


@unit_router.post("", response={201: DossierCreatedOut, **ERRORS}, openapi_extra=STAFF_LINKS)
def unit_file(request: HttpRequest, payload: UnitDossierIn) -> Status[DossierCreatedOut]:
    """File TK1-TS for a current employee (unit key) or a registered participant (collection
    organisation key). Anyone else: 403 ``not_your_employee``; unknown or revoked key: 401."""
    key = current_org_key(request)
    person = access.get_person_for_key(key, payload.bhxh_code)
    dossier = services.submit_unit_dossier(
        actor=Actor.from_request(request, Channel.API, key=key),
        person=person,
        changes=payload.changes,
        note=payload.note,
    )
    return _created(dossier)


# --- /staff/dossiers -----------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Actor:
    """The acting staff member of a bearer-token request (``access.staff_office`` refuses
    anyone else: 403 ``staff_only``)."""
    actor = Actor.from_request(request, Channel.API, user=current_user(request))
    access.staff_office(actor)
    return actor


@staff_router.get("", response={200: StaffDossierListOut, **ERRORS})
def staff_queue(
    request: HttpRequest,
    form: Literal["TK1-TS", "02/SĐ-GD", "change_request", "01/ĐK-GD"] | None = None,
    status: Literal[
        "submitted",
        "in_review",
        "awaiting_second_approval",
        "approved",
        "partly_approved",
        "rejected",
        "withdrawn",
    ]
    | None = None,
    overdue: bool = False,
    flagged: bool = False,
    limit: parser.Limit = 50,
    offset: parser.Offset = 0,
) -> StaffDossierListOut:
    """The queue of the caller's office, oldest due first; filters: form, status, overdue,
    flagged (an email change reported as "this wasn't me")."""
    actor = _staff(request)
    dossiers = access.dossiers_for_staff(
        actor, form=form or "", status=status or "", overdue=overdue, flagged=flagged
    )
    return StaffDossierListOut(
        count=dossiers.count(),
        items=[summary(d, staff=True) for d in dossiers[offset : offset + limit]],  # type: ignore[misc]
    )


@staff_router.post("", response={201: DossierCreatedOut, **ERRORS}, openapi_extra=STAFF_LINKS)
def staff_file(request: HttpRequest, payload: StaffDossierIn) -> Status[DossierCreatedOut]:
    """Counter intake (02/SĐ-GD): the clerk checked the CCCD card in person
    (``identity_checked`` must be true) and enters the new email and/or phone."""
    actor = _staff(request)
    person = access.get_person_for_counter(actor, payload.bhxh_code)
    dossier = services.submit_counter_dossier(
        actor=actor,
        person=person,
        changes=payload.changes,
        identity_checked=payload.identity_checked,
        note=payload.note,
    )
    return _created(dossier)


@staff_router.get("/{dossier_id}", response={200: StaffDossierOut, **ERRORS})
def staff_dossier(request: HttpRequest, dossier_id: str) -> StaffDossierOut:
    """One dossier of the caller's office with the old → new value of every field, the
    decisions and the timeline (the read is in the person's access log), since when and by
    whose report a filing unit employs the person (``employment``) and conflicts with the
    registry (``conflicts``). Another office's dossier answers 404 like an unknown one."""
    actor = _staff(request)
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    return StaffDossierOut(**access.staff_detail(actor, dossier))


@staff_router.post("/{dossier_id}/decision", response={200: StaffDossierOut, **ERRORS})
def staff_decide(request: HttpRequest, dossier_id: str, payload: DecisionIn) -> StaffDossierOut:
    """Approve or reject fields (a reason for each rejection). Email and phone need two
    different staff members: the same one deciding again gets 409
    ``second_approver_required``; a CCCD on record for another person 409 ``cccd_taken``; a
    unit's recent-hire email or phone change before the person confirmed it (or a counter
    identity check) 409 ``person_confirmation_required``; a dossier another staff member
    holds ("Nhận xử lý") 409 ``claimed_by_other``. The answer shows the person and is in their
    access log."""
    actor = _staff(request)
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    dossier = services.decide_dossier(
        dossier=dossier,
        actor=actor,
        decisions=dict(payload.decisions),
        reasons=dict(payload.reasons),
        note=payload.note,
    )
    return StaffDossierOut(**access.staff_detail(actor, dossier))


@staff_router.post("/{dossier_id}/identity-check", response={200: StaffDossierOut, **ERRORS})
def staff_identity_check(request: HttpRequest, dossier_id: str) -> StaffDossierOut:
    """Record that the caller checked the person's CCCD card at the counter: a unit's
    recent-hire email or phone change may then be approved."""
    actor = _staff(request)
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    dossier = services.record_identity_check(dossier=dossier, actor=actor)
    return StaffDossierOut(**access.staff_detail(actor, dossier))


@staff_router.post("/{dossier_id}/dispute", response={200: StaffDossierOut, **ERRORS})
def staff_resolve_dispute(
    request: HttpRequest, dossier_id: str, payload: DisputeIn
) -> StaffDossierOut:
    """Decide an email change the old address reported as "this wasn't me" (approvers):
    ``cancel`` keeps the old address, ``release`` sends the new one a fresh code."""
    actor = _staff(request)
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    email_dispute.resolve_dispute(
        dossier=dossier,
        actor=actor,
        release=payload.action == "release",
        reason=payload.reason,
    )
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    return StaffDossierOut(**access.staff_detail(actor, dossier))


@staff_router.get("/{dossier_id}/attachments/{attachment_id}", response={200: None, **ERRORS})
def staff_attachment(request: HttpRequest, dossier_id: str, attachment_id: str) -> HttpResponseBase:
    """A document of a dossier of the caller's office (logged)."""
    actor = _staff(request)
    dossier = access.get_dossier_for_staff(actor, dossier_id)
    attachment = access.get_attachment(dossier, attachment_id)
    access.log_staff_read(actor, dossier, what="attachment")
    return file_response(attachment)


# --- /me/dossiers --------------------------------------------------------------------------------


def _citizen(request: HttpRequest) -> Actor:
    """The acting citizen of a bearer-token request (staff: 403 ``citizens_only``)."""
    return Actor.from_request(request, Channel.API, user=current_citizen(request))


@me_router.get("", response={200: DossierListOut, **ERRORS})
def my_dossiers(request: HttpRequest) -> DossierListOut:
    """Every dossier about me, whoever filed it, newest first ("Hồ sơ của tôi")."""
    dossiers = access.dossiers_for_citizen(_citizen(request))
    return DossierListOut(
        count=dossiers.count(),
        items=[summary(d, staff=False) for d in dossiers[:200]],  # type: ignore[misc]
    )


CHANGE_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["payload", "documents"],
                    "properties": {
                        "payload": {
                            "type": "string",
                            "description": 'JSON: {"form": "change_request", "office_code": '
                            '"01001", "changes": {"phone": "0912345678"}, "note": ""}',
                        },
                        "documents": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "1 to 4 PNG, JPEG or PDF files of at most 5 MB each",
                        },
                    },
                }
            }
        },
    }
}


@me_router.post("", response={201: DossierCreatedOut, **ERRORS}, openapi_extra=CHANGE_REQUEST_BODY)
def my_change_request(request: HttpRequest) -> Status[DossierCreatedOut]:
    """Ask to change my phone, CCCD, address or email, with 1–4 documents (PNG, JPEG or PDF,
    recognised by content, ≤ 5 MB each). ``multipart/form-data``: a ``payload`` part with the
    JSON request and ``documents`` file parts. Bad files: 400 ``unsupported_file_type``,
    ``file_too_large``, ``too_many_files`` or ``documents_required``."""
    actor = _citizen(request)
    raw, files = multipart.form_parts(request)
    payload = multipart.payload_of(raw, ChangeRequestIn)
    office = access.receiving_office(payload.office_code)
    if office is None:
        raise ApiError(
            400,
            "invalid_input",
            _("Some fields are missing or invalid."),
            fields={"office_code": _("No BHXH office has this code.")},
        )
    checked = check_files(files.getlist("documents"), required=True)
    dossier = services.submit_change_request(
        actor=actor,
        changes=payload.changes,
        office=office,
        files=checked,
        note=payload.note,
    )
    return _created(dossier)


@me_router.get("/{dossier_id}", response={200: DossierOut, **ERRORS})
def my_dossier(request: HttpRequest, dossier_id: str) -> DossierOut:
    """One of my dossiers with its timeline and per-field outcome (values masked). Anyone
    else's: 404."""
    dossier = access.get_dossier_for_citizen(_citizen(request), dossier_id)
    return DossierOut(**detail(dossier, staff=False))


@me_router.post("/{dossier_id}/withdraw", response={200: DossierOut, **ERRORS})
def my_withdraw(request: HttpRequest, dossier_id: str) -> DossierOut:
    """Withdraw a dossier I filed while it is open."""
    actor = _citizen(request)
    dossier = access.get_dossier_for_citizen(actor, dossier_id)
    dossier = services.withdraw_dossier(dossier=dossier, actor=actor)
    return DossierOut(**detail(dossier, staff=False))


@me_router.post("/{dossier_id}/confirm", response={200: DossierOut, **ERRORS})
def my_confirm(request: HttpRequest, dossier_id: str) -> DossierOut:
    """Confirm a change my employer filed within 30 days of reporting my hire
    (``awaits_person``): its email or phone may then be approved. 409 ``nothing_to_confirm``
    for any other dossier."""
    actor = _citizen(request)
    dossier = access.get_dossier_for_citizen(actor, dossier_id)
    dossier = services.confirm_dossier_as_person(dossier=dossier, actor=actor)
    return DossierOut(**detail(dossier, staff=False))


@me_router.get("/{dossier_id}/attachments/{attachment_id}", response={200: None, **ERRORS})
def my_attachment(request: HttpRequest, dossier_id: str, attachment_id: str) -> HttpResponseBase:
    """A document of one of my dossiers."""
    dossier = access.get_dossier_for_citizen(_citizen(request), dossier_id)
    return file_response(access.get_attachment(dossier, attachment_id))


# --- /me/email -----------------------------------------------------------------------------------


@email_router.get("", response={200: EmailStateOut, **ERRORS})
def my_email(request: HttpRequest) -> EmailStateOut:
    """My email on record (the recovery address, masked) and a new one waiting for its code."""
    person = access.person_of_citizen(_citizen(request))
    pending = email_change.pending_change(person)
    return EmailStateOut(
        email_masked=mask_email(person.email) if person.email else None,
        email_verified=person.email_verified,
        pending_email_masked=mask_email(person.pending_email) if person.pending_email else None,
        code_expires_at=pending.expires_at if pending else None,
    )


@email_router.post(
    "/confirm",
    response={
        200: EmailConfirmedOut,
        400: InvalidOtpOut | ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        410: ErrorOut,
    },
)
def my_email_confirm(request: HttpRequest, payload: EmailConfirmIn) -> EmailConfirmedOut:
    """Enter the code sent to the new address: it becomes my recovery address. Wrong codes:
    400 ``invalid_code`` with ``attempts_left``; 5 wrong ones cancel the change."""
    actor = _citizen(request)
    try:
        change = email_change.confirm_email_change(code=payload.code, actor=actor)
    except codes.CodeExpired:
        raise ApiError(410, "code_expired", _("The code has expired. Ask for a new one.")) from None
    except codes.InvalidCode as exc:
        raise errors.wrong_code(exc.attempts_left) from None
    return EmailConfirmedOut(status="confirmed", email_masked=mask_email(change.new_email))


@email_router.post("/resend", response={202: EmailStateOut, **ERRORS, 429: ErrorOut})
def my_email_resend(request: HttpRequest) -> Status[EmailStateOut]:
    """A fresh code to the new address (the old code stops working), at most every minute."""
    actor = _citizen(request)
    try:
        email_change.resend_email_code(actor=actor)
    except codes.CodeThrottled as exc:
        raise ApiError(
            429,
            "too_many_requests",
            _("Too many requests. Try again later."),
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return Status(202, my_email(request))


__all__ = ["email_router", "install", "me_router", "staff_router", "unit_router"]
