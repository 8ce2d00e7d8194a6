"""The development mailbox (embedded profile only; not routed at all in production)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import DevMailboxMessage


def _enabled() -> None:
    if not settings.DEV_MAILBOX:
        raise Http404


def mailbox(request: HttpRequest) -> HttpResponse:
    _enabled()
    messages = DevMailboxMessage.objects.all()[:200]
    return render(request, "devmailbox/list.html", {"mail": messages})


def message(request: HttpRequest, pk: int) -> HttpResponse:
    _enabled()
    item = get_object_or_404(DevMailboxMessage, pk=pk)
    return render(request, "devmailbox/message.html", {"item": item})
