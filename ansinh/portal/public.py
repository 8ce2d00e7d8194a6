"""The home page's public tasks (issue 12 §2): "Tôi không có email", "Tra cứu thẻ BHYT", "Tìm
cơ quan BHXH" and "Tải ứng dụng". Parse → service (``cards.verification``,
``people.offices``) → render; nobody needs to be signed in.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ansinh.cards import verification
from ansinh.cards.forms import CardDetailsForm, CardQrForm
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.csrf import no_referrer_page
from ansinh.lib.errors import DomainError, Throttled
from ansinh.lib.middleware import page_status
from ansinh.people.forms import OfficeSearchForm
from ansinh.people.offices import find_offices

# Where issue 13 serves the installable app; linked only once something answers there.
QR_MODE = "qr"  # ``?cach=qr``: the card check by its QR code


def no_email(request: HttpRequest) -> HttpResponse:
    """ "Tôi không có email": the two paper paths and what to do once the dossier is approved.
    Reachable without starting a recovery."""
    return render(
        request, "portal/public/no_email.html", {"sla_days": settings.DOSSIER_SLA_WORKING_DAYS}
    )


def _show_refusal(form: CardDetailsForm | CardQrForm, exc: DomainError) -> None:
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
    if isinstance(exc, Throttled):
        minutes = max(1, round(exc.retry_after / 60))
        form.add_error(
            None, _("Wait %(minutes)d minute(s), then try again.") % {"minutes": minutes}
        )


@no_referrer_page
@sensitive_post_parameters("full_name", "date_of_birth", "number")
def card_check(request: HttpRequest) -> HttpResponse:
    """ "Tra cứu thẻ BHYT": a card checked by its printed details or (``?cach=qr``) by its QR
    text, behind the "Mã kiểm tra"; the service limits and decides (``cards.verification``)."""
    by_qr = request.GET.get("cach") == QR_MODE
    data = request.POST if request.method == "POST" else None
    form: CardDetailsForm | CardQrForm = CardQrForm(data) if by_qr else CardDetailsForm(data)
    result: verification.CardCheck | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actor = Actor.from_request(request, Channel.PORTAL)
            cleaned = form.cleaned_data
            try:
                if isinstance(form, CardQrForm):
                    result = verification.check_qr(payload=cleaned["qr"], actor=actor)
                else:
                    result = verification.check_card(
                        number=cleaned["number"],
                        full_name=cleaned["full_name"],
                        date_of_birth=cleaned["date_of_birth"],
                        actor=actor,
                    )
            except DomainError as exc:
                _show_refusal(form, exc)
                status = page_status(exc)
            else:
                # A new check starts empty; a miss keeps what was typed, to correct it.
                if result.valid:
                    form = CardQrForm() if by_qr else CardDetailsForm()
        elif not form.captcha_refresh_requested:
            status = 400
    context = {"form": form, "by_qr": by_qr, "result": result}
    return render(request, "portal/public/card_check.html", context, status=status)


def offices(request: HttpRequest) -> HttpResponse:
    """ "Tìm cơ quan BHXH": the offices of a province, or matching some words, with address,
    phone and hours."""
    form = OfficeSearchForm(request.GET or None)
    found = []
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        try:
            found = find_offices(province=cleaned.get("tinh", ""), query=cleaned.get("q", ""))
        except DomainError as exc:
            for field, message in exc.fields.items():
                form.add_error("tinh" if field == "province" else field, message)
            status = page_status(exc)
    context = {"form": form, "offices": found, "searched": form.is_bound}
    return render(request, "portal/public/offices.html", context, status=status)


def get_app(request: HttpRequest) -> HttpResponse:
    """ "Tải ứng dụng": what the installable app does and how it is installed (from the
    browser, no app store), with the link to it."""
    return render(request, "portal/public/app.html", {"app_url": reverse("app:shell")})
