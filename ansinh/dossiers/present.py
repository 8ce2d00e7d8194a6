"""What each reader sees of a dossier, as plain data shared by the API and the pages.

* Staff see the values in full (``access.staff_detail`` logs each read), with since when and
  by whose report a filing unit employs the person and any conflict with the registry; for a
  registration, each typed field against the registry (``registry_checks``) and its photos.
* The person sees their own dossiers with CCCD, phone and email masked like the profile, and
  staff as "BHXH office <name>" rather than by name; in full only when they ask ("Hiện" on the
  portal, ``reveal=True``). That is the person reading their own data, not an access by
  anyone else: nothing is written to the data-access log.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ansinh.lib.identifiers import mask_email, mask_middle, mask_phone

from .filing import FOUR_EYES_FIELDS
from .models import (
    REGISTRATION_IMAGE_KINDS,
    AttachmentKind,
    ChangeStatus,
    Decision,
    Dossier,
    EmailChange,
    EventKind,
    FormKind,
    Registration,
    RequestedChange,
    Status,
)
from .notify import FIELD_LABELS
from .reasons import reason_text
from .registry_checks import compare

# What a reader calls each stored document type (never a MIME type on a page).
CONTENT_TYPE_LABELS = {
    "image/png": _lazy("PNG image"),
    "image/jpeg": _lazy("JPEG image"),
    "application/pdf": _lazy("PDF document"),
}

# The values the person's own pages mask until "Hiện" (the profile masks the same three).
MASKED_FIELDS = frozenset({"email", "phone", "cccd"})


def mask_value(field: str, value: str) -> str:
    if not value:
        return ""
    if field == "email":
        return mask_email(value)
    if field == "phone":
        return mask_phone(value)
    if field == "cccd":
        return mask_middle(value, keep_start=3, keep_end=3)
    return value


def staff_name(user: Any) -> str:
    """A staff member as colleagues read them: "Phạm Thu Hà (canbo1)"."""
    name = (getattr(user, "full_name", "") or "").strip()
    return f"{name} ({user.username})" if name else str(user.username)


def submitter_label(submitter: dict[str, str]) -> str:
    """Who filed a dossier, as people read it (never a kind code): the unit's or the
    organisation's name, the clerk's name, the person's own request, the online registrant."""
    kind, code, name = submitter["kind"], submitter["code"], submitter["name"]
    if kind in ("unit", "organisation"):
        return f"{name} ({code})" if name else code
    if kind == "staff":
        return _("%(name)s (at the office counter)") % {
            "name": f"{name} ({code})" if name else code
        }
    if kind == "citizen":
        return _("%(name)s (the person, online)") % {"name": name or code}
    return str(_("The registrant (online)"))


def _event_actor(dossier: Dossier, event: Any, submitter: dict[str, str]) -> str:
    """Who caused a timeline event, in words (staff by name and username)."""
    user = event.actor
    if user is not None:
        return staff_name(user) if user.is_office_staff else str(user.display_name)
    if event.actor_label == "old address":
        return str(_("the old email address"))
    if event.actor_label and event.actor_label == submitter["code"]:
        return submitter_label(submitter)
    if not event.actor_label and event.kind == EventKind.SUBMITTED:
        return submitter_label(submitter)  # an online registrant has no account yet
    return str(event.actor_label)


def _submitter(dossier: Dossier) -> dict[str, str]:
    if dossier.submitted_by_unit_id and dossier.submitted_by_unit:
        unit = dossier.submitted_by_unit
        return {"kind": "unit", "code": unit.code, "name": unit.name}
    if dossier.submitted_by_organisation_id and dossier.submitted_by_organisation:
        org = dossier.submitted_by_organisation
        return {"kind": "organisation", "code": org.code, "name": org.name}
    user = dossier.submitted_by_user
    if user is not None and user.is_office_staff:
        return {"kind": "staff", "code": user.username, "name": user.display_name}
    if user is not None:
        return {"kind": "citizen", "code": user.username, "name": user.display_name}
    return {"kind": "registration", "code": "", "name": ""}


def summary(dossier: Dossier, *, staff: bool) -> dict[str, Any]:
    person = dossier.person
    data: dict[str, Any] = {
        "dossier_id": dossier.public_id,
        "form": dossier.form,
        "form_label": FormKind(dossier.form).label,
        "status": dossier.status,
        "status_label": Status(dossier.status).label,
        "submitted_at": dossier.submitted_at,
        "due_date": dossier.due_date,
        "overdue": dossier.is_overdue,
        "office": {"code": dossier.office.code, "name": dossier.office.name},
        "fields": [c.field for c in dossier.changes.all()],
    }
    if staff:
        data["person"] = (
            {"bhxh_code": person.bhxh_code, "full_name": person.full_name} if person else None
        )
        data["flagged"] = dossier.flagged_at is not None
        data["submitted_by"] = _submitter(dossier)
        data["submitted_by_label"] = submitter_label(data["submitted_by"])
    return data


def _change(change: RequestedChange, *, staff: bool, reveal: bool) -> dict[str, Any]:
    old, new = change.old_value, change.new_value
    if not staff and not reveal:
        old, new = mask_value(change.field, old), mask_value(change.field, new)
    decisions = []
    for decision in change.decisions.select_related("decided_by__office"):
        row: dict[str, Any] = {
            "decision": decision.decision,
            "decision_label": Decision(decision.decision).label,
            "reason_code": decision.reason_code,
            # In the reader's language (the preset's label) with the reviewer's own words.
            "reason": str(reason_text(decision.reason_code, decision.reason)),
            "decided_at": decision.decided_at,
        }
        if staff:
            row["decided_by"] = decision.decided_by.username
            row["decided_by_name"] = staff_name(decision.decided_by)
        decisions.append(row)
    return {
        "field": change.field,
        "label": FIELD_LABELS.get(change.field, change.field),
        "old_value": old,
        "new_value": new,
        "status": change.status,
        "status_label": ChangeStatus(change.status).label,
        "four_eyes": change.field in FOUR_EYES_FIELDS,
        "decisions": decisions,
        # Whether the person's "Hiện" (reveal) shows more of this row.
        "maskable": not staff and change.field in MASKED_FIELDS,
    }


def _email_change(
    change: EmailChange | None, *, staff: bool, reveal: bool
) -> dict[str, Any] | None:
    if change is None:
        return None
    full = staff or reveal
    data: dict[str, Any] = {
        "status": change.status,
        "status_label": change.get_status_display(),
        "old_email": change.old_email if full else mask_value("email", change.old_email),
        "new_email": change.new_email if full else mask_value("email", change.new_email),
        "created_at": change.created_at,
        "confirmed_at": change.confirmed_at,
        "disputed_at": change.disputed_at,
    }
    return data


def _employment(dossier: Dossier) -> dict[str, Any] | None:
    """Since when and by whose report the filing unit employs the person (issue 11 c)."""
    from ansinh.contributions.hires import employment_origin

    unit = dossier.submitted_by_unit
    if dossier.form != FormKind.TK1_TS or unit is None or dossier.person is None:
        return None
    origin = employment_origin(person=dossier.person, unit=unit)
    if origin is None:
        return {
            "unit_code": unit.code,
            "unit_name": unit.name,
            "since": None,
            "report_reference": None,
            "reported_at": None,
        }
    return {
        "unit_code": origin.unit_code,
        "unit_name": origin.unit_name,
        "since": origin.since,
        "report_reference": origin.report_reference,
        "reported_at": origin.reported_at,
    }


def _conflicts(dossier: Dossier) -> dict[str, str]:
    """Fields whose new value clashes with the registry, for the reviewer only (issue 11 m):
    a CCCD on record for another person."""
    from ansinh.people.services import cccd_taken

    found = {}
    for change in dossier.changes.all():
        if (
            change.field == "cccd"
            and change.status in (ChangeStatus.PENDING, ChangeStatus.AWAITING_SECOND)
            and cccd_taken(change.new_value, person=dossier.person)
        ):
            found["cccd"] = "cccd_taken"
    return found


def detail(dossier: Dossier, *, staff: bool, reveal: bool = False) -> dict[str, Any]:
    """The dossier for staff (``staff=True``: in full, the caller logged the read) or for the
    person it is about (``staff=False``, fetched with ``access.get_dossier_for_citizen``):
    their CCCD, phone and email masked, or in full with ``reveal=True`` (their own data)."""
    reveal = reveal and not staff
    data = summary(dossier, staff=staff)
    data.update(
        {
            "note": dossier.note if staff else "",
            "identity_checked": dossier.identity_checked,
            "confirmation_required": dossier.confirmation_required,
            "person_confirmed": dossier.person_confirmed_at is not None,
            "awaits_person": dossier.awaits_person and dossier.is_open,
            "closed_at": dossier.closed_at,
            "changes": [_change(c, staff=staff, reveal=reveal) for c in dossier.changes.all()],
            "events": [
                {
                    "kind": event.kind,
                    "label": EventKind(event.kind).label,
                    "status": event.status,
                    "at": event.at,
                    "actor": (event.actor.username if event.actor else event.actor_label)
                    if staff
                    else "",
                    "actor_name": _event_actor(dossier, event, data["submitted_by"])
                    if staff
                    else "",
                    "note": event.note if staff else "",
                }
                for event in dossier.events.select_related("actor")
            ],
            "attachments": [
                {
                    "id": str(a.public_id),
                    "kind": a.kind,
                    "kind_label": AttachmentKind(a.kind).label,
                    "name": a.original_name,
                    "content_type": a.content_type,
                    "type_label": str(CONTENT_TYPE_LABELS.get(a.content_type, _("File"))),
                    "preview": "image"
                    if a.content_type.startswith("image/")
                    else "pdf"
                    if a.content_type == "application/pdf"
                    else "",
                    "size": a.size,
                    "uploaded_at": a.uploaded_at,
                }
                for a in dossier.attachments.all()
            ],
            "email_change": _email_change(
                dossier.email_changes.order_by("-created_at", "-pk").first(),
                staff=staff,
                reveal=reveal,
            ),
        }
    )
    data["maskable"] = any(change["maskable"] for change in data["changes"])
    if staff:
        person = dossier.person
        data["person"] = (
            {
                "public_id": str(person.public_id),
                "bhxh_code": person.bhxh_code,
                "full_name": person.full_name,
                "date_of_birth": person.date_of_birth,
                "cccd": person.cccd or "",
                "phone": person.phone,
                "email": person.email,
                "email_verified": person.email_verified,
                "pending_email": person.pending_email,
                "has_account": hasattr(person, "account"),
            }
            if person
            else None
        )
        data["flag_reason"] = dossier.flag_reason
        data["employment"] = _employment(dossier)
        data["conflicts"] = _conflicts(dossier)
        checker = dossier.identity_checked_by
        data["identity_checked_by"] = checker.username if checker is not None else None
        data["identity_checked_at"] = dossier.identity_checked_at
        data["person_confirmed_at"] = dossier.person_confirmed_at
        registration = getattr(dossier, "registration", None)
        data["registration"] = (
            _registration(registration, data["attachments"], matched=person is not None)
            if registration is not None
            else None
        )
    return data


def _registration(
    registration: Registration, attachments: list[dict[str, Any]], *, matched: bool
) -> dict[str, Any]:
    """What the registrant typed, each field against the registry (✓/✗/—, the registry's value
    only when the registration matched its person) and its three photos by kind."""
    comparison = compare(registration)
    by_kind = {a["kind"]: a for a in attachments}
    return {
        "identifier": registration.identifier,
        "full_name": registration.full_name,
        "date_of_birth": registration.date_of_birth,
        "phone": registration.phone,
        "email": registration.email,
        "matched": matched,
        "approvable": matched and comparison.identity_matches,
        "checks": [
            {
                "field": check.field,
                "label": check.label,
                "typed": check.typed,
                "on_record": check.on_record if matched else "",
                "result": check.result,
            }
            for check in comparison.checks
        ],
        "images": [
            {"kind": kind, "label": AttachmentKind(kind).label, "attachment": by_kind.get(kind)}
            for kind in REGISTRATION_IMAGE_KINDS
        ],
    }
