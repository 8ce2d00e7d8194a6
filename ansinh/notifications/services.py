"""In-app notifications (DESIGN §3.7). Emails are in ``emails.py``, one function per email."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise

from .models import Notice

if TYPE_CHECKING:
    from ansinh.accounts.models import User


def notify(
    *, user: User, kind: str, title: str | Promise, body: str | Promise = "", link: str = ""
) -> Notice:
    """Add an entry to ``user``'s notification list, written in the user's language: pass
    ``gettext_lazy`` texts (with their placeholders already filled) and they are rendered
    here. Call inside the transaction of the change it announces."""
    with translation.override(user.language or "vi"):
        title_text, body_text = str(title), str(body)
    return Notice.objects.create(
        user=user,
        kind=kind,
        title=title_text[:200],
        body=body_text,
        link=link[:200],
        created_at=timezone.now(),
    )


def notices_of(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)


def unread_count(user: User) -> int:
    """How many of the user's notices are unread (the badge of the in-app list)."""
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, public_ids: list[str] | None = None) -> int:
    """Mark the user's notices read (all of them, or those listed); returns how many."""
    notices = Notice.objects.filter(user=user, read_at__isnull=True)
    if public_ids is not None:
        notices = notices.filter(public_id__in=public_ids)
    return notices.update(read_at=timezone.now())
