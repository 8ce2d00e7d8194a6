"""Public checks of an e-BHYT card, behind every door (DESIGN §3.6, issue 12 §2 "Tra cứu thẻ
BHYT"): the API's ``POST /cards/verify`` and ``GET /cards/revocations``, and the portal's public
page, where a person or a clinic checks a card either by its QR payload or by what is printed on
it (card number or BHXH code, full name, date of birth).

Limits live here, so that every door has the same ones:

* every check counts against the client address (``actor.ip_key``) in the one bucket
  ``cards.verify`` (``CARD_VERIFY_RATE``): a clinic that uses both the API and the page has one
  budget; the revocation list has its own (``CARD_REVOCATIONS_RATE``);
* a check by printed details is also an oracle for a person's name and date of birth, so the
  misses per card number (keyed by a digest of its BHXH code, known or not) are limited too
  (``CARD_LOOKUP_MISS_RATE``): past it that number is refused for the rest of the window from
  every address, whether or not it exists. The page adds the "Mã kiểm tra" on top.

What a check shows is what ``/cards/verify`` returns and nothing more: the status, and only for
a valid card its facts (card code, full name, date of birth, facility, validity dates). A
mismatched name or date of birth is answered exactly like an unknown number ("not found"). Bad
input is refused (``Invalid``) before anything is counted or looked up; a check writes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ansinh.lib import ratelimit
from ansinh.lib.actor import Actor
from ansinh.lib.errors import Invalid, Throttled
from ansinh.lib.identifiers import compact_digits, parse_card_code
from ansinh.people.models import HealthFacility, Person

from . import revocations, signing
from .models import Card
from .services import revocation_list, verify_payload

MAX_NAME_LENGTH = 100
NUMBER_ERROR = gettext_lazy(
    "Type the 15-character card number (e.g. DN4010123456789) or the 10-digit BHXH code."
)
NAME_ERROR = gettext_lazy("Type the full name as printed on the card.")
MAX_QR_LENGTH = 4096


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"  # replaced by a newer card, or not in the register
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"  # printed details: no card matches them all
    MALFORMED = "malformed"  # QR: not a card payload
    NOT_GENUINE = "not_genuine"  # QR: unknown key or bad signature (altered or forged)


@dataclass(frozen=True)
class CardFacts:
    """What a valid card's check shows (the fields of ``/cards/verify``'s ``card``)."""

    card_code: str
    full_name: str
    date_of_birth: dt.date
    facility_code: str
    facility_name: str  # public reference data, looked up by code ("" if unknown)
    valid_from: dt.date
    valid_to: dt.date
    five_years_from: dt.date | None


@dataclass(frozen=True)
class CardCheck:
    status: Status
    card: CardFacts | None = None  # only when ``status`` is ``VALID``

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID


def _throttled(wait: int) -> Throttled:
    return Throttled(
        "too_many_requests", _("Too many requests. Try again later."), retry_after=wait
    )


def _count_check(actor: Actor) -> None:
    wait = ratelimit.hit(
        actor, group="cards.verify", key=actor.ip_key, rate=settings.CARD_VERIFY_RATE
    )
    if wait:
        raise _throttled(wait)


# --- The QR payload (API and page) ----------------------------------------------------------


def verify_qr(*, payload: str, actor: Actor, today: dt.date | None = None) -> signing.Verdict:
    """``POST /cards/verify``: count the check against the client address (``Throttled`` past
    ``CARD_VERIFY_RATE``), then the verdict of ``services.verify_payload``."""
    _count_check(actor)
    return verify_payload(payload, today=today)


def signed_revocation_list(*, actor: Actor) -> revocations.Envelope:
    """``GET /cards/revocations``, limited per client address (``CARD_REVOCATIONS_RATE``)."""
    wait = ratelimit.hit(
        actor, group="cards.revocations", key=actor.ip_key, rate=settings.CARD_REVOCATIONS_RATE
    )
    if wait:
        raise _throttled(wait)
    return revocation_list()


_QR_STATUS = {
    signing.Reason.MALFORMED: Status.MALFORMED,
    signing.Reason.UNKNOWN_KEY: Status.NOT_GENUINE,
    signing.Reason.BAD_SIGNATURE: Status.NOT_GENUINE,
    signing.Reason.REVOKED: Status.REVOKED,
    signing.Reason.NOT_YET_VALID: Status.NOT_YET_VALID,
    signing.Reason.EXPIRED: Status.EXPIRED,
}


def _facility_name(code: str) -> str:
    facility = HealthFacility.objects.filter(code=code).only("name").first()
    return facility.name if facility else ""


def check_qr(*, payload: str, actor: Actor, today: dt.date | None = None) -> CardCheck:
    """The page's check of a pasted QR payload: ``verify_qr``'s verdict as a ``CardCheck``
    (the facts as signed, for a valid card only). ``Invalid`` (field ``qr``) when nothing or
    far too much was pasted; the rest of what is not a payload is ``MALFORMED``."""
    payload = "".join((payload or "").split())  # a pasted payload may be wrapped on lines
    if not payload:
        raise Invalid(fields={"qr": _("Paste the text read from the card's QR code.")})
    if len(payload) > MAX_QR_LENGTH:
        raise Invalid(fields={"qr": _("This is too long to be a card's QR code.")})
    verdict = verify_qr(payload=payload, actor=actor, today=today)
    if not verdict.valid or verdict.claims is None:
        return CardCheck(_QR_STATUS.get(verdict.reason or "", Status.MALFORMED))
    claims = verdict.claims
    return CardCheck(
        Status.VALID,
        CardFacts(
            card_code=claims.card,
            full_name=claims.name,
            date_of_birth=dt.date.fromisoformat(claims.dob),
            facility_code=claims.facility,
            facility_name=_facility_name(claims.facility),
            valid_from=dt.date.fromisoformat(claims.valid_from),
            valid_to=dt.date.fromisoformat(claims.valid_to),
            five_years_from=(
                dt.date.fromisoformat(claims.five_years) if claims.five_years else None
            ),
        ),
    )


# --- The printed details (page) -------------------------------------------------------------


def fold_name(name: str) -> str:
    """A full name as compared: NFC, case-folded, whitespace collapsed. Diacritics count
    ("Bình" is not "Binh"): they tell names apart."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass(frozen=True)
class CardNumber:
    bhxh_code: str
    card_code: str | None  # None: a BHXH code was typed


def parse_number(raw: str) -> CardNumber:
    """A card number as printed (``DN 4 01 0123456789``, any case, spaces, dots or dashes) or
    a 10-digit BHXH code → ``CardNumber``; ``Invalid`` (field ``number``) otherwise."""
    compact = compact_digits(raw).upper()
    if compact.isdigit() and len(compact) == 10:  # noqa: PLR2004 - a BHXH code
        return CardNumber(bhxh_code=compact, card_code=None)
    try:
        code = parse_card_code(compact)
    except ValidationError:
        raise Invalid(fields={"number": str(NUMBER_ERROR)}) from None
    return CardNumber(bhxh_code=code.bhxh_code, card_code=str(code))


def _facts(card: Card) -> CardFacts:
    return CardFacts(
        card_code=card.card_code,
        full_name=card.person.full_name,
        date_of_birth=card.person.date_of_birth,
        facility_code=card.facility.code,
        facility_name=card.facility.name,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        five_years_from=card.five_years_from,
    )


def _status_by_details(
    number: CardNumber, name: str, date_of_birth: dt.date, today: dt.date
) -> CardCheck:
    person = Person.objects.filter(bhxh_code=number.bhxh_code).first()
    if (
        person is None
        or person.date_of_birth != date_of_birth
        or fold_name(person.full_name) != name
    ):
        return CardCheck(Status.NOT_FOUND)
    cards = Card.objects.select_related("person", "facility").filter(person=person)
    if number.card_code is not None:
        cards = cards.filter(card_code=number.card_code)
    card = cards.filter(replaced_at__isnull=True).order_by("-issued_at").first()
    if card is None:
        # Only replaced cards carry this number: it was revoked when the new one was issued.
        return CardCheck(Status.REVOKED if cards.exists() else Status.NOT_FOUND)
    if today < card.valid_from:
        return CardCheck(Status.NOT_YET_VALID)
    if card.valid_to < today:
        return CardCheck(Status.EXPIRED)
    return CardCheck(Status.VALID, _facts(card))


def check_card(
    *,
    number: str,
    full_name: str,
    date_of_birth: dt.date,
    actor: Actor,
    today: dt.date | None = None,
) -> CardCheck:
    """Check a card by what is printed on it: the card number (or the BHXH code: the card in
    force), the full name and the date of birth, all of which must match the register.

    ``Invalid`` (fields ``number``, ``full_name``) for malformed input, before anything is
    counted. Then the check counts against the client address like ``verify_qr`` and, when
    the number's misses reached ``CARD_LOOKUP_MISS_RATE``, is refused (``Throttled``) whatever
    the details. A miss (``NOT_FOUND``) is counted against the number. The statuses:
    ``VALID`` (with the card's facts), ``REVOKED`` (only a replaced card has this number),
    ``NOT_YET_VALID``, ``EXPIRED``, ``NOT_FOUND``."""
    fields: dict[str, str] = {}
    number_parsed: CardNumber | None = None
    try:
        number_parsed = parse_number(number)
    except Invalid as exc:
        fields.update(exc.fields)
    name = fold_name(full_name or "")
    if not name:
        fields["full_name"] = str(NAME_ERROR)
    elif len(name) > MAX_NAME_LENGTH:
        fields["full_name"] = _("A full name has at most %(count)d characters.") % {
            "count": MAX_NAME_LENGTH
        }
    if fields or number_parsed is None:
        raise Invalid(fields=fields)
    today = today or timezone.localdate()
    miss_key = ratelimit.digest("card-lookup", number_parsed.bhxh_code)
    miss_rate = settings.CARD_LOOKUP_MISS_RATE
    wait = ratelimit.peek(group="cards.lookup_miss", key=miss_key, rate=miss_rate)
    if wait:
        raise Throttled(
            "too_many_misses",
            _("Too many unsuccessful checks of this card number. Try again later."),
            retry_after=wait,
        )
    _count_check(actor)
    result = _status_by_details(number_parsed, name, date_of_birth, today)
    if result.status is Status.NOT_FOUND:
        ratelimit.count(group="cards.lookup_miss", key=miss_key, rate=miss_rate)
    return result
