"""Who works on a dossier now (issue 14, docs/dossiers.md "The clerk's work").

A staff member claims an open dossier ("Nhận xử lý") so that two clerks do not work on the
same one; the office's queue and the dossier page say who holds it ("Đang do … xử lý"). While
someone else holds it, ``decide_dossier`` refuses (409 ``claimed_by_other``) until the other
staff member takes it over explicitly (audited, naming the previous holder) or an approver
assigns it (audited). A hold lapses ``DOSSIER_CLAIM_IDLE_MINUTES`` after its holder last acted
on it (claimed, opened or decided it), so a clerk who went home blocks nobody; a decision that
leaves no first decision to make (awaiting the second approval, or closed) ends it.

Claims are race-safe: a claim is one conditional ``UPDATE`` (it only changes a dossier that
is free, lapsed or already the actor's), a take-over or an assignment locks the row, and
``decide_dossier`` checks the hold on its locked row. Unclaimed dossiers stay decidable
(the API's flows and the counter never claim).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts.access import is_approver
from ansinh.accounts.models import STAFF_ROLES, User
from ansinh.audit.services import record
from ansinh.lib.actor import Actor

from .access import staff_office
from .errors import Conflict, Forbidden, Invalid
from .models import FINAL_STATUSES, OPEN_STATUSES, Dossier, Status

if TYPE_CHECKING:
    from ansinh.people.models import Office

# A decision that leaves one of these still needs the holder's first decisions.
FIRST_DECISION_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW})


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DOSSIER_CLAIM_IDLE_MINUTES)


def held(now: dt.datetime | None = None) -> Q:
    """The dossiers someone holds now (their hold has not lapsed)."""
    now = now or timezone.now()
    return Q(claimed_by__isnull=False, claimed_at__gt=now - idle_limit())


def holder_of(dossier: Dossier, now: dt.datetime | None = None) -> User | None:
    """Who holds ``dossier`` now; ``None`` when nobody does or the hold lapsed."""
    now = now or timezone.now()
    if dossier.claimed_by_id is None or dossier.claimed_at is None:
        return None
    if dossier.claimed_at <= now - idle_limit() or dossier.status in FINAL_STATUSES:
        return None
    return dossier.claimed_by


def staff_label(user: User) -> str:
    """A staff member as colleagues read them: "Phạm Thu Hà (canbo1)"."""
    return f"{user.full_name} ({user.username})" if user.full_name else user.username


def held_by_other(holder: User) -> Conflict:
    return Conflict(
        "claimed_by_other",
        _(
            "%(name)s is working on this dossier. Take it over (it is recorded) or ask an approver to assign it."
        )
        % {"name": staff_label(holder)},
    )


def check_free_for(locked: Dossier, actor: Actor, now: dt.datetime) -> None:
    """``decide_dossier``'s rule, on its locked row: refuse while another staff member holds
    the dossier (409 ``claimed_by_other``)."""
    holder = holder_of(locked, now)
    if holder is not None and actor.user is not None and holder.pk != actor.user.pk:
        raise held_by_other(holder)


def after_decision(locked: Dossier, actor: Actor, now: dt.datetime) -> None:
    """After ``actor``'s decision on the locked row: a dossier with no first decision left
    is let go; otherwise the holder's activity keeps the hold alive."""
    if locked.claimed_by_id is None:
        return
    if locked.status not in FIRST_DECISION_STATUSES:
        locked.claimed_by, locked.claimed_at = None, None
    elif actor.user is not None and locked.claimed_by_id == actor.user.pk:
        locked.claimed_at = now
    else:
        return
    locked.save(update_fields=["claimed_by", "claimed_at"])


def _staff(actor: Actor) -> User:
    staff_office(actor)
    assert actor.user is not None  # noqa: S101 - staff_office let only staff in
    return actor.user


def _open(dossier: Dossier) -> None:
    if dossier.status in FINAL_STATUSES:
        raise Conflict("dossier_closed", _("This dossier is already closed."))


def claim(*, dossier: Dossier, actor: Actor) -> Dossier:
    """``actor`` takes ``dossier`` (from ``access.get_dossier_for_staff``) if nobody else
    holds it: one conditional ``UPDATE``, so of two clerks claiming at once exactly one gets
    it and the other is told who did (409 ``claimed_by_other``). A closed dossier: 409
    ``dossier_closed``. Claiming one's own dossier again renews the hold."""
    staff = _staff(actor)
    now = timezone.now()
    free = Q(claimed_by__isnull=True) | Q(claimed_by=staff) | Q(claimed_at__lte=now - idle_limit())
    with transaction.atomic():
        taken = (
            Dossier.objects.filter(pk=dossier.pk, status__in=OPEN_STATUSES)
            .filter(free)
            .update(claimed_by=staff, claimed_at=now)
        )
        if taken:
            record("dossier.claimed", by=actor, details={"dossier": dossier.public_id})
    dossier.refresh_from_db()
    if not taken:
        _open(dossier)
        holder = holder_of(dossier, now)
        if holder is not None:
            raise held_by_other(holder)
        raise Conflict("claim_failed", _("This dossier could not be claimed. Try again."))
    return dossier


def take_over(*, dossier: Dossier, actor: Actor) -> Dossier:
    """``actor`` takes ``dossier`` from whoever holds it, on purpose: audited
    (``dossier.claim_taken_over``, naming the previous holder)."""
    staff = _staff(actor)
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        _open(locked)
        previous = holder_of(locked, now)
        locked.claimed_by, locked.claimed_at = staff, now
        locked.save(update_fields=["claimed_by", "claimed_at"])
        record(
            "dossier.claim_taken_over",
            by=actor,
            details={
                "dossier": locked.public_id,
                "from": previous.username if previous is not None else "",
            },
        )
    dossier.refresh_from_db()
    return dossier


def release(*, dossier: Dossier, actor: Actor) -> Dossier:
    """``actor`` lets go of ``dossier`` ("Trả lại"); nothing happens unless they hold it."""
    staff = _staff(actor)
    with transaction.atomic():
        if Dossier.objects.filter(pk=dossier.pk, claimed_by=staff).update(
            claimed_by=None, claimed_at=None
        ):
            record("dossier.claim_released", by=actor, details={"dossier": dossier.public_id})
    dossier.refresh_from_db()
    return dossier


def assignable(actor: Actor) -> list[User]:
    """The staff an approver may assign a dossier to: the active staff of their office."""
    if not is_approver(actor):
        return []
    office: Office = staff_office(actor)
    return list(
        User.objects.filter(office=office, is_active=True, role__in=STAFF_ROLES).order_by(
            "full_name", "username"
        )
    )


def assign(*, dossier: Dossier, actor: Actor, to: str) -> Dossier:
    """An approver gives ``dossier`` to the staff member ``to`` (a username of their office):
    audited (``dossier.assigned``, from whom to whom). Anyone else: 403 ``approver_only``; an
    unknown username or one of another office: 400 ``invalid_input``."""
    _staff(actor)
    if not is_approver(actor):
        raise Forbidden("approver_only", _("Only an approver may assign a dossier."))
    assignee = next((u for u in assignable(actor) if u.username == to), None)
    if assignee is None:
        raise Invalid(
            "invalid_input",
            _("Choose a staff member of your office."),
            fields={"assignee": _("Choose a staff member of your office.")},
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        _open(locked)
        previous = holder_of(locked, now)
        locked.claimed_by, locked.claimed_at = assignee, now
        locked.save(update_fields=["claimed_by", "claimed_at"])
        details: dict[str, Any] = {
            "dossier": locked.public_id,
            "to": assignee.username,
            "from": previous.username if previous is not None else "",
        }
        record("dossier.assigned", by=actor, details=details)
    dossier.refresh_from_db()
    return dossier


def touch(*, dossier: Dossier, actor: Actor) -> None:
    """The holder opened ``dossier``: their hold stays alive (an idle one that lapsed is not
    revived; they claim it again)."""
    user = actor.user
    if user is None:
        return
    now = timezone.now()
    Dossier.objects.filter(
        pk=dossier.pk, claimed_by=user, claimed_at__gt=now - idle_limit()
    ).update(claimed_at=now)


def claim_panel(dossier: Dossier, actor: Actor) -> dict[str, Any]:
    """What the dossier page shows and offers about the hold."""
    holder = holder_of(dossier)
    mine = holder is not None and actor.user is not None and holder.pk == actor.user.pk
    return {
        "open": dossier.is_open,
        "holder": staff_label(holder) if holder is not None else "",
        "mine": mine,
        "held_by_other": holder is not None and not mine,
        "assignable": [(u.username, staff_label(u)) for u in assignable(actor)]
        if dossier.is_open
        else [],
    }
