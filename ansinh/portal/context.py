from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_URL": settings.SITE_URL,
        "DEV_MAILBOX": settings.DEV_MAILBOX,
        # The back office's pages (known or not: its 404s must all look alike) show no
        # citizen links in the header.
        "BACKOFFICE_PAGE": request.path.startswith(reverse("backoffice:home")),
    }
