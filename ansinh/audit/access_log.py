"""The person's view of the data-access log ("Ai đã xem hồ sơ của tôi", ``GET
/me/access-log``): who read their record and when, newest first, and what exactly they saw —
the dossier a read concerns (its number and form), or the papers it was part of (a unit's
monthly statement)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import DataAccess

if TYPE_CHECKING:
    from ansinh.people.models import Person

# What was read, as the person sees it (the stable codes stay in the API).
WHAT_LABELS: dict[str, Promise] = {
    "profile": _("Your record, at an office counter"),
    "dossier": _("A dossier about you"),
    "dossier_filed": _("Your record, to file a dossier"),
    "attachment": _("A document of a dossier about you"),
    "registration_check": _("Your record, to check an online registration that gave your number"),
    "statement": _("A unit's monthly list of employees (statement)"),
    "contributions": _("Your contribution records, in the administration pages"),
    "employment": _("Your employment records, in the administration pages"),
    "contribution_month": _("Your monthly contribution records, in the administration pages"),
    "search": _("Your record, found by a search at an office"),
    "correction_case": _("A correction case you filed about your contributions"),
}
# The same, naming the dossier: "Hồ sơ HS-2026-… (TK1-TS)".
DOSSIER_LABELS: dict[str, Promise] = {
    "dossier": _("Dossier %(dossier_id)s (%(form)s)"),
    "dossier_filed": _("Your record, to file dossier %(dossier_id)s (%(form)s)"),
    "attachment": _("A document of dossier %(dossier_id)s (%(form)s)"),
    "search": _("Dossier %(dossier_id)s (%(form)s), found by a search at an office"),
}
# Form codes are the official names people know (TK1-TS, 02/SĐ-GD, 01/ĐK-GD); the portal's own
# change request has a name instead of a code.
FORM_NAMES: dict[str, Promise] = {"change_request": _("change request")}
STATEMENT_LABEL = _("The monthly list of employees (statement) of %(unit)s for %(month)s")


def _what_label(row: DataAccess) -> str:
    if row.dossier_ref:
        template = DOSSIER_LABELS.get(row.what, DOSSIER_LABELS["dossier"])
        form = FORM_NAMES.get(row.dossier_form, row.dossier_form)
        return str(template) % {"dossier_id": row.dossier_ref, "form": form}
    if row.what == "statement" and row.about_unit is not None and row.about_month is not None:
        unit = row.about_unit
        return str(STATEMENT_LABEL) % {
            "unit": f"{unit.code} {unit.name}",
            "month": _written_month(row.about_month),
        }
    return str(WHAT_LABELS.get(row.what, row.what))


def _written_month(month: dt.date) -> str:
    return f"{month.month:02d}/{month.year:04d}"  # 09/2026, as people write a month


def access_log_of(
    person: Person | None,
    *,
    limit: int = 200,
    openable: Callable[[set[str]], Collection[str]] | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``person``'s log, newest first, in the active language. A row about a
    dossier carries its ``dossier_id`` and, when ``openable`` (given the ids named, it answers
    those the reader may open: the dossiers app decides, ``dossiers.access
    .access_log_for_citizen``) includes it, the ``link`` to it."""
    if person is None:
        return []
    rows = list(
        DataAccess.objects.filter(person=person).select_related(
            "staff__office", "unit", "organisation", "about_unit"
        )[:limit]
    )
    named = {row.dossier_ref for row in rows if row.dossier_ref}
    may_open = set(openable(named)) if openable is not None and named else set()
    items = []
    for row in rows:
        if row.staff is not None:
            office = row.staff.office
            who, name = "staff", row.staff.display_name or row.staff.username
            office_name = f"{office.code} {office.name}" if office else None
        elif row.unit is not None:
            who, name, office_name = "unit", f"{row.unit.code} {row.unit.name}", None
        elif row.organisation is not None:
            org = row.organisation
            who, name, office_name = "organisation", f"{org.code} {org.name}", None
        else:
            continue
        items.append(
            {
                "accessed_at": row.accessed_at,
                "who": who,
                "name": name,
                "office": office_name,
                "what": row.what,
                "what_label": _what_label(row),
                "dossier_id": row.dossier_ref or None,
                "link": f"/ca-nhan/ho-so/{row.dossier_ref}/"
                if row.dossier_ref in may_open
                else None,
                "channel": row.channel,
            }
        )
    return items
