"""``/me/participation`` and ``/me/card``: the signed-in citizen's participation history and
e-BHYT card (DESIGN §3.5, §3.6, §4)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from ansinh.cards import services as cards
from ansinh.contributions.access import NotACitizen, person_of_citizen
from ansinh.contributions.participation import participation_gzip, participation_json
from ansinh.lib.actor import Actor, Channel
from ansinh.lib.replicas import reads_from_replica
from ansinh.people.models import Person

from .auth import current_user, token_auth
from .errors import ApiError
from .schemas import ErrorOut

participation_router = Router(tags=["participation"], auth=token_auth)
JSON = "application/json; charset=utf-8"
# As Django's GZipMiddleware reads the header (the history holds no secret and echoes nothing a
# client sent, so compressing it gives an attacker nothing to guess: not BREACH's case).
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
card_router = Router(tags=["card"], auth=token_auth)


class PeriodOut(Schema):
    from_: str = Field(alias="from", description="first month, YYYY-MM")
    to: str = Field(description="last month, YYYY-MM")
    unit_code: str
    unit_name: str
    job_title: str
    salary: int
    status: Literal["paid", "unpaid", "due"]
    lateness: Literal["late", "evasion"] | None = Field(
        None,
        description="for unpaid months: late (after the due date) or evasion (unpaid more than "
        "the legal number of days after it, 60 under Decree 274/2025); null otherwise",
    )


class SchemeOut(Schema):
    periods: list[PeriodOut]
    total_months: int
    unpaid_months: int


class SchemesOut(Schema):
    BHXH: SchemeOut  # noqa: N815 - the names clients read
    BHYT: SchemeOut  # noqa: N815
    BHTN: SchemeOut  # noqa: N815
    BHTNLD_BNN: SchemeOut  # noqa: N815


class ParticipationOut(Schema):
    schemes: SchemesOut


def _person(request: HttpRequest) -> Person:
    try:
        return person_of_citizen(
            Actor.from_request(request, Channel.API, user=current_user(request))
        )
    except NotACitizen:
        raise ApiError(
            403, "not_a_citizen", _("Only an insured person has a participation history.")
        ) from None


# by_alias: the document names the field as clients read it (``from``, not ``from_``); the API
# fuzzer found the mismatch.
@participation_router.get(
    "", response={200: ParticipationOut, 401: ErrorOut, 403: ErrorOut}, by_alias=True
)
@reads_from_replica
def participation(request: HttpRequest) -> HttpResponse:
    """Per scheme (BHXH, BHYT, BHTN, BHTNLD_BNN): periods of consecutive months with the same
    unit, job title, salary and status ("paid"; "unpaid": past its due date, owed by the unit;
    "due": not yet past its due date, the last day of the following month since 07/2025), the
    total months and the unpaid months ("due" months are not counted). Each period's ``from`` and ``to`` are ``YYYY-MM``; salaries are in đồng."""
    person = _person(request)
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        # Stored compressed with the snapshot: ≈ 3 KB instead of ≈ 32 KB for 35 years.
        response = HttpResponse(participation_gzip(person=person), content_type=JSON)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(participation_json(person=person).encode(), content_type=JSON)
    patch_vary_headers(response, ("Accept-Encoding",))
    add_never_cache_headers(response)
    return response


class FacilityOut(Schema):
    code: str
    name: str


class CardOut(Schema):
    card_code: str
    group: str
    benefit_level: int
    province_code: str
    bhxh_code: str
    full_name: str
    date_of_birth: dt.date
    facility: FacilityOut
    valid_from: dt.date
    valid_to: dt.date
    five_years_from: dt.date | None
    qr: str
    qr_svg: str = Field(
        description="``qr`` drawn as a QR code: a standalone SVG document (error correction "
        "M, a 4-module quiet zone, sized by its viewBox) to show as an image"
    )


@card_router.get("", response={200: CardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
@reads_from_replica
def card(request: HttpRequest) -> CardOut:
    """The e-BHYT card in force, with ``qr``: the signed payload to show as a QR code
    (format: docs/contributions.md)."""
    person = _person(request)
    current = cards.current_card(person=person)
    if current is None:
        raise ApiError(404, "no_card", _("No health-insurance card has been issued to you."))
    payload = cards.qr_payload(current)
    return CardOut(
        card_code=current.card_code,
        group=current.group,
        benefit_level=current.benefit_level,
        province_code=current.card_code[3:5],
        bhxh_code=person.bhxh_code,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        facility=FacilityOut(code=current.facility.code, name=current.facility.name),
        valid_from=current.valid_from,
        valid_to=current.valid_to,
        five_years_from=current.five_years_from,
        qr=payload,
        qr_svg=cards.qr_svg_document(
            payload,
            label=_("QR code of health-insurance card %(code)s") % {"code": current.card_code},
        ),
    )
