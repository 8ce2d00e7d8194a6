"""Tell the person about every step of their dossier: an in-app notice (``notify``) and an
email to the verified address on record (or, for a registration without an account yet, to
the address its code confirmed). Staff of the office get a notice when an email change is
reported as "this wasn't me"."""

from __future__ import annotations

from typing import Any, cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from ansinh.accounts.models import User
from ansinh.notifications.services import notify
from ansinh.people.services import CHANGEABLE_FIELDS

from . import emails
from .models import ChangeStatus, Dossier, DossierEvent, EventKind, FormKind, Status
from .reasons import reason_text

FIELD_LABELS: dict[str, Promise] = {
    "email": _("Email"),
    "phone": _("Phone"),
    "cccd": _("CCCD number"),
    "address": _("Address"),
    "full_name": _("Full name"),
}
assert set(FIELD_LABELS) == set(CHANGEABLE_FIELDS)  # noqa: S101 - kept in step

HEADLINES: dict[str, Promise] = {
    EventKind.SUBMITTED: _("Your dossier %(dossier_id)s was received."),
    EventKind.IN_REVIEW: _("Your dossier %(dossier_id)s is being reviewed."),
    EventKind.AWAITING_SECOND_APPROVAL: _(
        "Your dossier %(dossier_id)s is waiting for a second approval."
    ),
    EventKind.APPROVED: _("Your dossier %(dossier_id)s was approved."),
    EventKind.PARTLY_APPROVED: _("Your dossier %(dossier_id)s was partly approved."),
    EventKind.REJECTED: _("Your dossier %(dossier_id)s was rejected."),
    EventKind.WITHDRAWN: _("Your dossier %(dossier_id)s was withdrawn."),
    EventKind.EMAIL_CONFIRMED: _(
        "Your new email address from dossier %(dossier_id)s is confirmed: it is now the address for password recovery."
    ),
    EventKind.EMAIL_CHANGE_DISPUTED: _(
        "The change of your email address in dossier %(dossier_id)s was reported as not made by you. It is on hold until BHXH staff decide."
    ),
    EventKind.EMAIL_CHANGE_CANCELLED: _(
        "BHXH staff cancelled the change of your email address in dossier %(dossier_id)s."
    ),
    EventKind.EMAIL_CHANGE_RELEASED: _(
        "BHXH staff released the change of your email address in dossier %(dossier_id)s: enter the new code sent to the new address."
    ),
}
EMAIL_CODE_SENT = _(
    "A code was sent to your new email address. Enter it under “Confirm email” to make it your recovery address."
)
OFFICE_ALERT = _(
    "Dossier %(dossier_id)s: the old email address reported that the email change was not made by the person. The change is frozen; decide it in the back office."
)


def fill(text: Promise, params: dict[str, Any]) -> Promise:
    """A lazy text with its placeholders filled, rendered in whatever language is active when
    it is turned into a string (``notify`` and ``queue_email`` choose the reader's)."""
    return cast(Promise, lazy(lambda: str(text) % params, str)())


def _outcomes(dossier: Dossier) -> list[dict[str, Any]]:
    rows = []
    for change in dossier.changes.all():
        reason: str | Promise = ""
        if change.status == ChangeStatus.REJECTED:
            last = change.decisions.order_by("-decided_at", "-pk").first()
            reason = reason_text(last.reason_code, last.reason) if last else ""
        rows.append(
            {
                "label": FIELD_LABELS.get(change.field, change.field),
                "status": ChangeStatus(change.status).label,
                "reason": reason,
            }
        )
    return rows


def account_of(dossier: Dossier) -> User | None:
    person = dossier.person
    if person is None:
        return None
    account = getattr(person, "account", None)
    return account if isinstance(account, User) else None


def announce(dossier: Dossier, event: DossierEvent, *, extra: Promise | None = None) -> None:
    """Notice and email for one timeline event; call inside the transaction that wrote it."""
    headline = fill(HEADLINES[event.kind], {"dossier_id": dossier.public_id})
    final = event.kind in {
        EventKind.APPROVED,
        EventKind.PARTLY_APPROVED,
        EventKind.REJECTED,
    }
    context: dict[str, Any] = {
        "dossier_id": dossier.public_id,
        "headline": headline,
        "extra": extra or "",
        "status_label": Status(dossier.status).label,
        "outcomes": _outcomes(dossier) if final else [],
        "link": "",
    }
    user = account_of(dossier)
    if dossier.form == FormKind.DK_GD_01 and hasattr(dossier, "registration"):
        # A registration is answered at the address it confirmed, whether or not the details
        # matched anyone (the same mail either way); an existing account of the person named
        # only gets an in-app notice.
        registration = dossier.registration
        emails.send_dossier_update(
            recipient=registration.email,
            language=registration.language,
            name=registration.full_name,
            context=context,
        )
        if user is not None:
            notify(user=user, kind=f"dossier_{event.kind}", title=headline, body=extra or "")
        return
    if user is not None:
        link = f"/ca-nhan/ho-so/{dossier.public_id}/"
        notify(
            user=user,
            kind=f"dossier_{event.kind}",
            title=headline,
            body=extra or "",
            link=link,
        )
        context["link"] = link
        emails.send_dossier_update(
            recipient=user.contact_email,
            language=user.language,
            name=user.display_name,
            context=context,
            user=user,
        )


def alert_office(dossier: Dossier) -> None:
    """An in-app notice to every active staff member of the dossier's office."""
    text = fill(OFFICE_ALERT, {"dossier_id": dossier.public_id})
    for staff in User.objects.filter(office=dossier.office, is_active=True).exclude(role="citizen"):
        notify(
            user=staff,
            kind="office_email_change_disputed",
            title=text,
            link=f"/backoffice/dossiers/{dossier.public_id}/",
        )
