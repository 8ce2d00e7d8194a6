"""The person's view of the data-access log ("Ai đã xem hồ sơ của tôi", ``GET
/me/access-log``): who read their record and when, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from .models import DataAccess

if TYPE_CHECKING:
    from ansinh.people.models import Person

# What was read, as the person sees it (the stable codes stay in the API).
WHAT_LABELS = {
    "profile": _("Your record, at an office counter"),
    "dossier": _("A dossier about you"),
    "dossier_filed": _("Your record, to file a dossier"),
    "attachment": _("A document of a dossier about you"),
    "registration_check": _("Your record, to check an online registration that gave your number"),
}


def access_log_of(person: Person | None, *, limit: int = 200) -> list[dict[str, Any]]:
    if person is None:
        return []
    rows = DataAccess.objects.filter(person=person).select_related(
        "staff__office", "unit", "organisation"
    )[:limit]
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
                "what_label": WHAT_LABELS.get(row.what, row.what),
                "channel": row.channel,
            }
        )
    return items
