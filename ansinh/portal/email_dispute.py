""" "Không phải tôi" (this wasn't me) on the portal: the link the old address gets when an
email change starts. Parse → ``dossiers.email_dispute`` → render.

The dispute token lives in the session, never in a URL the page keeps; these pages send no
referrer and are never cached.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from ansinh.dossiers import email_dispute as disputes
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.csrf import no_referrer_page

SESSION_DISPUTE = "email_dispute_token"


@no_referrer_page
def email_dispute(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email to the old address. Nothing happens on GET (mail scanners open
    links): the token moves into the session and the browser goes to a page without it."""
    request.session[SESSION_DISPUTE] = token
    return redirect("portal:email_dispute_confirm")


@no_referrer_page
@sensitive_post_parameters()
def email_dispute_confirm(request: HttpRequest) -> HttpResponse:
    """Show what the link is about and, on POST (with CSRF), freeze the change."""
    token = request.session.get(SESSION_DISPUTE, "")
    try:
        change = disputes.read_dispute_token(token)
    except disputes.DisputeLinkInvalid:
        return render(request, "portal/email_dispute/invalid.html", status=400)
    if request.method == "POST":
        try:
            disputes.dispute_email_change(
                token=token, actor=Actor.from_request(request, Channel.PORTAL)
            )
        except disputes.DisputeLinkInvalid:
            return render(request, "portal/email_dispute/invalid.html", status=400)
        except disputes.DisputeLinkUsed:
            return render(request, "portal/email_dispute/used.html", status=409)
        request.session.pop(SESSION_DISPUTE, None)
        return render(
            request, "portal/email_dispute/done.html", {"dossier_id": change.dossier.public_id}
        )
    if change.disputed_at is not None:
        return render(request, "portal/email_dispute/used.html", status=409)
    return render(
        request, "portal/email_dispute/confirm.html", {"dossier_id": change.dossier.public_id}
    )
