"""One function per email (STYLE §12). Each renders subject, text and HTML templates from
``templates/emails/`` in the recipient's language, writes the outbox row in the caller's
transaction and hands delivery to the task worker once that transaction commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail
from .tasks import schedule_delivery

if TYPE_CHECKING:
    from ansinh.accounts.models import User


def queue_email(
    *, kind: str, recipient: str, language: str, context: dict[str, Any], user: User | None = None
) -> OutboundEmail:
    context = {"site_url": settings.SITE_URL, "support_phone": "1900 9068", **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", context).split())
        body_text = render_to_string(f"emails/{kind}.txt", context)
        body_html = render_to_string(f"emails/{kind}.html", context)
    email = OutboundEmail.objects.create(
        kind=kind,
        recipient=recipient,
        user=user,
        language=language,
        subject=subject[:200],
        body_text=body_text,
        body_html=body_html,
        created_at=timezone.now(),
    )
    # Robust: the change that caused the email has committed; if the task queue is unreachable
    # now, the row stays queued and ``requeue_stale`` delivers it later.
    transaction.on_commit(lambda: schedule_delivery(email.pk), robust=True)
    return email


def send_password_changed(*, user: User) -> OutboundEmail | None:
    """Tell the address on record that the password changed, and what to do if it wasn't them."""
    recipient = user.contact_email
    if not recipient:
        return None
    return queue_email(
        kind="password_changed",
        recipient=recipient,
        language=user.language,
        user=user,
        context={"name": user.display_name, "when": timezone.localtime()},
    )
