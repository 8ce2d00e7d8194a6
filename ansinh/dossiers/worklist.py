"""What a staff member should open next (issue 14, "Lưu và mở hồ sơ tiếp theo"), and which
fields of a dossier they may decide now.

A dossier *needs the actor's action* when it is open, of the actor's office, and has a field
the actor may decide:

* a clerk: a field waiting for its first decision (``pending``);
* an approver: first a field waiting for a second approval that someone else gave the first
  one (``awaiting_second``, never decided by this approver), then the pending ones.

Within each tier the order is the SLA's: oldest due date first, then filing time. Whoever gave
a field its first approval never gets it back here (nor on the dossier page:
``decidable_fields``), and ``decide_dossier`` refuses them anyway (409
``second_approver_required``). Keep the ordering in ``next_for`` alone, so that the queue's
to-do view can share it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from ansinh.accounts.access import is_approver
from ansinh.lib.actor import Actor

from .access import dossiers_for_staff
from .models import OPEN_STATUSES, ChangeStatus, Dossier, FieldDecision, RequestedChange


def decidable_fields(dossier: Dossier, actor: Actor) -> list[RequestedChange]:
    """The fields of ``dossier`` the actor may decide now: open (pending, or awaiting a second
    approval) and never decided by this actor (four eyes). The dossier page shows decision
    controls for these only; the first approver of an email or phone sees "waiting for a
    second approval by someone else" instead."""
    if not dossier.is_open or actor.user is None:
        return []
    mine = FieldDecision.objects.filter(change=OuterRef("pk"), decided_by=actor.user)
    return list(
        dossier.changes.filter(
            status__in=(ChangeStatus.PENDING, ChangeStatus.AWAITING_SECOND)
        ).exclude(Exists(mine))
    )


def _sla(dossier: Dossier) -> tuple[object, object, int]:
    return (dossier.due_date, dossier.submitted_at, dossier.pk)


def _tiers(actor: Actor) -> list[QuerySet[Dossier]]:
    """The actor's to-do, tier by tier, each in SLA order (see the module's docstring)."""
    base = dossiers_for_staff(actor).filter(status__in=OPEN_STATUSES)
    pending = RequestedChange.objects.filter(dossier=OuterRef("pk"), status=ChangeStatus.PENDING)
    tiers = []
    if is_approver(actor):
        second = RequestedChange.objects.filter(
            dossier=OuterRef("pk"), status=ChangeStatus.AWAITING_SECOND
        ).exclude(decisions__decided_by=actor.user)
        tiers.append(base.filter(Exists(second)))
        tiers.append(base.filter(Exists(pending)).exclude(Exists(second)))
    else:
        tiers.append(base.filter(Exists(pending)))
    return tiers


def next_for(actor: Actor, *, after: Dossier | None = None) -> Dossier | None:
    """The next dossier of the actor's office that needs the actor's action, or ``None``.

    In the to-do order (tier, then SLA), never ``after`` itself; the ones due after ``after``
    (SLA order) come first, tier by tier, then the queue wraps round to the earlier ones, so
    a dossier skipped without a decision comes back only after the rest. Staff only
    (``Forbidden("staff_only")`` otherwise)."""
    tiers = _tiers(actor)
    if after is not None:
        tiers = [tier.exclude(pk=after.pk) for tier in tiers]
        due, submitted, pk = _sla(after)
        later = (
            Q(due_date__gt=due)
            | Q(due_date=due, submitted_at__gt=submitted)
            | Q(due_date=due, submitted_at=submitted, pk__gt=pk)
        )
        for tier in tiers:
            found = tier.filter(later).first()
            if found is not None:
                return found
    for tier in tiers:
        found = tier.first()
        if found is not None:
            return found
    return None


__all__ = ["decidable_fields", "next_for"]
