"""The citizen's notification list and "Ai đã xem hồ sơ của tôi" (who read my record, when)
on the portal, like ``/me/notifications`` and ``/me/access-log`` in the API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_protect

from ansinh.dossiers.access import access_log_for_citizen
from ansinh.notifications.services import mark_read, notices_of

from .views import citizen_actor, citizen_page, citizen_user


@citizen_page
@csrf_protect
def notifications(request: HttpRequest) -> HttpResponse:
    user = citizen_user(request)
    if request.method == "POST":
        mark_read(user=user)
        return redirect("portal:notifications")
    notices = list(notices_of(user)[:100])
    # Opening the list reads it: the badge clears, while this page still marks what was new.
    mark_read(user=user)
    return render(request, "portal/dossiers/notifications.html", {"notices": notices})


@citizen_page
def access_log(request: HttpRequest) -> HttpResponse:
    """ "Ai đã xem hồ sơ của tôi": who read my record, when."""
    return render(
        request,
        "portal/dossiers/access_log.html",
        {"rows": access_log_for_citizen(citizen_actor(request))},
    )
