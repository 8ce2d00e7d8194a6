"""Who may see and act on which dossier, attachment and person (STYLE §4). Adapters never
query ``Dossier``, ``Attachment`` or ``Person`` for a caller directly: they call these.

Staff see only their own office's dossiers. Another office's dossier answers exactly like a
dossier that does not exist (404 ``not_found``), so staff cannot learn which ids exist
elsewhere; documented in docs/dossiers.md.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts.models import OrganisationKey
from ansinh.audit.services import log_access
from ansinh.lib.actor import Actor
from ansinh.lib.identifiers import BHXH_CODE_RE, CCCD_RE, compact_digits
from ansinh.people.models import Office, Person
from ansinh.people.services import is_current_employee, is_registered_participant

from .errors import Forbidden, NotFound
from .models import OPEN_STATUSES, Attachment, Dossier

PUBLIC_ID_RE = re.compile(r"HS-[0-9]{4}-[2-9A-HJ-NP-Z]{8}", re.ASCII)


def _dossiers() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "person__account",
        "office",
        "submitted_by_user",
        "submitted_by_unit",
        "submitted_by_organisation",
    )


def staff_office(actor: Actor) -> Office:
    """The office the acting staff member works for; ``Forbidden("staff_only")`` for anyone
    else (citizens, unit keys, anonymous callers, staff without an office)."""
    user = actor.user
    if not (
        user is not None
        and user.is_authenticated
        and user.is_office_staff
        and user.office_id
        and user.office
    ):
        raise Forbidden("staff_only", _("Only BHXH office staff may do this."))
    return user.office


def _citizen_person_id(actor: Actor) -> int | None:
    """The registry id of the acting citizen's own record; ``None`` for anyone else."""
    user = actor.user
    if user is not None and user.is_authenticated and user.is_citizen and user.person_id:
        return user.person_id
    return None


def get_dossier_for_staff(actor: Actor, public_id: str, *, lock: bool = False) -> Dossier:
    """The dossier ``public_id`` if ``actor`` is staff of the office responsible for it.

    Contract: non-staff get ``Forbidden("staff_only")``; a malformed or unknown id and a dossier of
    another office raise ``NotFound`` alike. ``lock`` takes a row lock (call inside a
    transaction) so that concurrent decisions on one dossier are serialised.
    """
    office = staff_office(actor)
    if not PUBLIC_ID_RE.fullmatch(public_id or ""):
        raise NotFound
    dossiers = _dossiers()
    if lock:
        dossiers = dossiers.select_for_update(of=("self",))
    dossier = dossiers.filter(public_id=public_id, office=office).first()
    if dossier is None:
        raise NotFound
    return dossier


def get_dossier_for_citizen(actor: Actor, public_id: str) -> Dossier:
    """A dossier about the acting citizen (whoever filed it); anything else is ``NotFound``."""
    person_id = _citizen_person_id(actor)
    if person_id is None:
        raise NotFound
    if not PUBLIC_ID_RE.fullmatch(public_id or ""):
        raise NotFound
    dossier = _dossiers().filter(public_id=public_id, person_id=person_id).first()
    if dossier is None:
        raise NotFound
    return dossier


def dossiers_for_citizen(actor: Actor) -> QuerySet[Dossier]:
    """Every dossier about the acting citizen, newest first."""
    person_id = _citizen_person_id(actor)
    if person_id is None:
        return Dossier.objects.none()
    return _dossiers().filter(person_id=person_id).prefetch_related("changes")


def dossiers_for_staff(
    actor: Actor,
    *,
    form: str = "",
    status: str = "",
    overdue: bool = False,
    flagged: bool = False,
) -> QuerySet[Dossier]:
    """The queue of the acting staff member's office, filtered; oldest due first."""
    office = staff_office(actor)
    dossiers = _dossiers().filter(office=office)
    if form:
        dossiers = dossiers.filter(form=form)
    if status:
        dossiers = dossiers.filter(status=status)
    if overdue:
        dossiers = dossiers.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
    if flagged:
        dossiers = dossiers.filter(flagged_at__isnull=False)
    return dossiers.order_by("due_date", "submitted_at", "pk").prefetch_related("changes")


def fields_decided_by(dossier: Dossier, actor: Actor) -> set[str]:
    """The fields of ``dossier`` that ``actor``'s user already decided (the four-eyes rule: the
    page tells the first approver that a second one must decide)."""
    if actor.user is None:
        return set()
    decided = dossier.changes.filter(decisions__decided_by=actor.user)
    return set(decided.values_list("field", flat=True))


def person_of_citizen(actor: Actor) -> Person:
    """The acting citizen's own registry record, read afresh (after a service changed it);
    ``NotFound`` for anyone without one."""
    person = None
    person_id = _citizen_person_id(actor)
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound
    return person


def get_attachment(dossier: Dossier, attachment_id: str) -> Attachment:
    """An attachment of a dossier the caller already may see (from the helpers above)."""
    try:
        parsed = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFound from None
    attachment = Attachment.objects.filter(dossier=dossier, public_id=parsed).first()
    if attachment is None:
        raise NotFound
    return attachment


def find_person_for_staff(actor: Actor, identifier: str) -> Person | None:
    """The person a BHXH code or CCCD names, for counter intake (any person: people may go to
    any office). The caller logs the access (``audit.services.log_access``)."""
    staff_office(actor)
    value = compact_digits(identifier or "")  # as the person spelled it out at the counter
    if BHXH_CODE_RE.fullmatch(value):
        return Person.objects.filter(bhxh_code=value).first()
    if CCCD_RE.fullmatch(value):
        return Person.objects.filter(cccd=value).first()
    return None


def get_person_for_staff(actor: Actor, person_public_id: str) -> Person:
    """A person's record by its public id, for staff (counter intake); ``NotFound`` for a
    malformed or unknown id. The caller logs the read (``log_person_read``)."""
    staff_office(actor)
    try:
        parsed = uuid.UUID(str(person_public_id))
    except ValueError:
        raise NotFound from None
    person = Person.objects.filter(public_id=parsed).first()
    if person is None:
        raise NotFound
    return person


def get_person_for_key(key: OrganisationKey, bhxh_code: str) -> Person:
    """The person a unit may file TK1-TS for: a current employee of the key's unit, or a
    registered participant of the key's collection organisation.

    Contract: anyone else — a stranger, a former employee, an unknown or malformed BHXH code —
    raises the same ``Forbidden("not_your_employee")``, so a key cannot be used to
    probe which codes exist.
    """
    refused = Forbidden(
        "not_your_employee",
        _("This person is not a current employee or participant of your organisation."),
    )
    person = Person.objects.filter(bhxh_code=bhxh_code).first()
    if person is None:
        raise refused
    if key.unit_id and key.unit:
        if is_current_employee(person=person, unit=key.unit):
            return person
    elif key.organisation_id and key.organisation:
        if is_registered_participant(person=person, organisation=key.organisation):
            return person
    raise refused


def get_person_for_counter(actor: Actor, bhxh_code: str) -> Person:
    """The person a clerk takes a counter form (02/SĐ-GD) for, by BHXH code; staff only
    (``Forbidden("staff_only")``), an unknown code ``NotFound("not_found")``."""
    staff_office(actor)
    person = None
    if BHXH_CODE_RE.fullmatch(bhxh_code or ""):
        person = Person.objects.filter(bhxh_code=bhxh_code).first()
    if person is None:
        raise NotFound("not_found", _("Not found."))
    return person


def receiving_office(code: str) -> Office | None:
    """The BHXH office with ``code`` (a citizen chooses where a change request goes)."""
    return Office.objects.filter(code=code).first()


def staff_detail(actor: Actor, dossier: Dossier, *, what: str = "dossier") -> dict[str, Any]:
    """Everything staff see of a dossier (``present.detail``), and, when it names a person
    (or is a registration whose identifier names one), a row in that person's data-access log: every staff response that shows a person's data
    goes through here (the dossier page and the answers to a decision or a dispute)."""
    from .present import detail
    from .registry_checks import person_named_by

    if dossier.person is not None:
        log_access(person=dossier.person, what=what, by=actor, dossier=dossier)
    else:
        # A registration that matched nobody is still checked field by field against whoever
        # its typed identifier names: that person's record is read too.
        registration = getattr(dossier, "registration", None)
        named = person_named_by(registration.identifier) if registration is not None else None
        if named is not None:
            log_access(person=named, what="registration_check", by=actor)
    return detail(dossier, staff=True)


def log_staff_read(actor: Actor, dossier: Dossier, *, what: str) -> None:
    """Log a staff read of a dossier's person (an attachment, for instance)."""
    if dossier.person is not None:
        log_access(person=dossier.person, what=what, by=actor, dossier=dossier)


def log_person_read(actor: Actor, person: Person, *, what: str) -> None:
    """Log a staff read of a person's record (counter intake)."""
    log_access(person=person, what=what, by=actor)


def access_log_for_citizen(actor: Actor) -> list[dict[str, Any]]:
    """ "Ai đã xem hồ sơ của tôi": the acting citizen's data-access log
    (``audit.access_log.access_log_of``), each row about a dossier linked to it when the
    citizen may open that dossier (``get_dossier_for_citizen``'s rule: a dossier about them);
    nobody else has a log to read (empty)."""
    from ansinh.audit.access_log import access_log_of

    person_id = _citizen_person_id(actor)
    user = actor.user
    if person_id is None or user is None:
        return []

    def openable(ids: set[str]) -> set[str]:
        return set(
            Dossier.objects.filter(person_id=person_id, public_id__in=ids).values_list(
                "public_id", flat=True
            )
        )

    return access_log_of(user.person, openable=openable)


def office_of_key(key: OrganisationKey) -> Office:
    owner = key.unit or key.organisation
    assert owner is not None  # noqa: S101 - a database constraint guarantees one of them
    return owner.office


__all__ = [
    "access_log_for_citizen",
    "dossiers_for_citizen",
    "dossiers_for_staff",
    "fields_decided_by",
    "find_person_for_staff",
    "get_attachment",
    "get_dossier_for_citizen",
    "get_dossier_for_staff",
    "get_person_for_key",
    "get_person_for_counter",
    "get_person_for_staff",
    "log_person_read",
    "log_staff_read",
    "office_of_key",
    "person_of_citizen",
    "receiving_office",
    "staff_detail",
    "staff_office",
]
