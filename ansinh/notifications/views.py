"""The development mailbox (embedded profile only; not routed at all in production)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ansinh.lib.errors import NotFound

from .models import DevMailboxMessage


def _enabled() -> None:
    if not settings.DEV_MAILBOX:
        raise NotFound


def mailbox(request: HttpRequest) -> HttpResponse:
    _enabled()
    messages = DevMailboxMessage.objects.all()[:200]
    return render(request, "devmailbox/list.html", {"mail": messages})


def message(request: HttpRequest, pk: int) -> HttpResponse:
    _enabled()
    item = DevMailboxMessage.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound
    return render(request, "devmailbox/message.html", {"item": item})
