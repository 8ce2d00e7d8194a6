"""The contributions emails (one function per email, STYLE §12), through the notifications
outbox (``notifications.emails.queue_email``): kept here so the contributions app adds its
emails without editing another app's module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from ansinh.notifications.emails import queue_email
from ansinh.notifications.models import OutboundEmail

if TYPE_CHECKING:
    from ansinh.accounts.models import User
    from ansinh.people.models import Person


def send_unpaid_months(
    *, person: Person, user: User | None, owed: list[dict[str, Any]]
) -> OutboundEmail | None:
    """Tell the person which months a unit has still not paid 30 days after they were due,
    and what they can do. Sent to the verified address on record only."""
    return _to_verified_address(
        "unpaid_months",
        person,
        user,
        {
            "owed": owed,
            "days": settings.UNPAID_ALERT_DAYS,
            "history_url": settings.SITE_URL + "/ca-nhan/qua-trinh-tham-gia/",
        },
    )


def send_late_months(
    *, person: Person, user: User | None, unit: str, lines: list[dict[str, str]], history_url: str
) -> OutboundEmail | None:
    """The monthly late notice of one unit (``notices.send_late_notices``): the months late and,
    per scheme, the amount not paid. Sent to the verified address on record only."""
    return _to_verified_address(
        "late_months", person, user, {"unit": unit, "lines": lines, "history_url": history_url}
    )


def _to_verified_address(
    kind: str, person: Person, user: User | None, context: dict[str, Any]
) -> OutboundEmail | None:
    """Queue the ``kind`` email to the person's verified address, in their language, greeting
    them by name; nothing when no verified address is on record."""
    if not person.email or not person.email_verified:
        return None
    return queue_email(
        kind=kind,
        recipient=person.email,
        language=(user.language if user else person.language) or "vi",
        user=user,
        context={"name": person.full_name, **context},
    )
