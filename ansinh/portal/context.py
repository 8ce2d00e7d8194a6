"""Template context of every page: the site's settings, and the unread count of the portal's
"Thông báo" badge."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from ansinh.accounts.access import CitizensOnly, require_citizen
from ansinh.lib.actor import Actor, Channel
from ansinh.notifications.services import unread_count


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_URL": settings.SITE_URL,
        "DEV_MAILBOX": settings.DEV_MAILBOX,
        # The back office's pages (known or not: its 404s must all look alike) show no
        # citizen links in the header.
        "BACKOFFICE_PAGE": request.path.startswith(reverse("backoffice:home")),
    }


def notices(request: HttpRequest) -> dict[str, object]:
    """``unread_notices``: how many notices the signed-in citizen has not read, for the badge
    on "Thông báo" and on the phone's "Menu" button. Lazy and counted once: the one COUNT
    query (``notifications.services.unread_count``) runs only when a page shows the badge,
    and only for a citizen (anyone else: 0, no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0}

    @functools.cache
    def count() -> int:
        try:
            citizen = require_citizen(Actor.from_request(request, Channel.PORTAL))
        except CitizensOnly:
            return 0
        return unread_count(citizen)

    lazy_count: Callable[[], int] = count
    return {"unread_notices": lazy_count}
