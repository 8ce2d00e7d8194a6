"""The citizen's participation history per scheme and e-BHYT card: parse → service → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ansinh.cards import reference as card_reference
from ansinh.cards import services as cards
from ansinh.cards.services import QR_MODULE_PX
from ansinh.contributions.access import NotACitizen, person_of_citizen
from ansinh.contributions.models import Scheme
from ansinh.contributions.participation import owed_by_unit, participation_document
from ansinh.lib.replicas import reads_from_replica
from ansinh.people.models import Person

from .views import citizen_actor, citizen_page

# URL slug → scheme code, in the order of the tabs.
SCHEME_SLUGS: dict[str, str] = {
    "bhxh": Scheme.BHXH,
    "bhyt": Scheme.BHYT,
    "bhtn": Scheme.BHTN,
    "bhtnld-bnn": Scheme.BHTNLD_BNN,
}


def _person(request: HttpRequest) -> Person:
    try:
        return person_of_citizen(citizen_actor(request))
    except NotACitizen:
        raise Http404 from None


@citizen_page
@reads_from_replica
def history(request: HttpRequest, scheme: str = "bhxh") -> HttpResponse:
    code = SCHEME_SLUGS.get(scheme)
    if code is None:
        raise Http404
    person = _person(request)
    data = participation_document(person=person)["schemes"][code]
    tabs = [
        {"slug": slug, "label": Scheme(value).label, "active": slug == scheme}
        for slug, value in SCHEME_SLUGS.items()
    ]
    return render(
        request,
        "portal/participation.html",
        {
            "scheme": code,
            "scheme_label": Scheme(code).label,
            "tabs": tabs,
            "periods": data["periods"],
            "total_months": data["total_months"],
            "unpaid_months": data["unpaid_months"],
            "owed": owed_by_unit(person=person, scheme=code),
        },
    )


def _card_context(request: HttpRequest, *, module_px: int) -> dict[str, object]:
    person = _person(request)
    current = cards.current_card(person=person)
    context: dict[str, object] = {"card": current, "person": person}
    if current is not None:
        context["qr"] = cards.qr_image(
            cards.qr_payload(current),
            label=_("QR code of health-insurance card %(code)s") % {"code": current.card_code},
            module_px=module_px,
        )
        context["group_label"] = card_reference.group_label(current.group)
        context["level"] = card_reference.benefit_level(current.benefit_level)
    return context


@never_cache
@login_required
@reads_from_replica
def card(request: HttpRequest) -> HttpResponse:
    """The card with its QR (at least ``QR_MODULE_PX`` CSS pixels a module) and what a clinic
    reads beside it."""
    return render(request, "portal/card.html", _card_context(request, module_px=QR_MODULE_PX))


@never_cache
@login_required
@reads_from_replica
def card_qr(request: HttpRequest) -> HttpResponse:
    """The QR alone on white, as large as the screen allows ("Phóng to mã QR"): a page of its
    own, so it works without JavaScript; "Đóng" leads back to the card."""
    context = _card_context(request, module_px=QR_MODULE_PX + 2)
    if context["card"] is None:
        raise Http404
    return render(request, "portal/card_qr.html", context)
