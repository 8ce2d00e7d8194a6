"""The office's work list and home dashboard for staff (issue 14, docs/dossiers.md "The
clerk's work").

* **To do first** (``view="todo"``, the default): only what needs the acting staff member's
  action. A clerk: the dossiers waiting for first decisions (submitted, in review). An
  approver or administrator: those waiting for a second approval they may give (not the
  ones whose waiting fields they approved first) first, then the ones waiting for first
  decisions. Dossiers another staff member holds (``claims``) are left out. Sorted by SLA due
  date, so the overdue come first.
* ``view="all"``: the whole office, with the filters (form, status, overdue, disputed,
  received today); ``view="mine"``: what the staff member holds. A search (``search.py``)
  looks through the whole office whatever the view.
* Counts per status and per view, in one query; pages of ``DOSSIER_QUEUE_PAGE_SIZE``.
* The dashboard: received today, overdue, waiting for a second approval, my claims, my to-do,
  in one query.

Each row names its filer as people read them ("Người đăng ký (trực tuyến)", the unit's name,
the clerk's name) and who holds it. A search that shows a person writes a row in that person's
data-access log (``what="search"``) for each dossier of the page shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.accounts.access import is_approver
from ansinh.audit.services import log_access
from ansinh.lib.actor import Actor

from . import search as searching
from .access import dossiers_for_staff, staff_office
from .claims import held, holder_of, staff_label
from .errors import Forbidden
from .models import (
    OPEN_STATUSES,
    ChangeStatus,
    Dossier,
    FormKind,
    RequestedChange,
    Status,
)

TODO, ALL, MINE = "todo", "all", "mine"
VIEWS = (TODO, ALL, MINE)
FIRST_DECISIONS = (Status.SUBMITTED, Status.IN_REVIEW)


def _start_of_today() -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


def _todo(actor: Actor, now: dt.datetime) -> Q:
    """What needs ``actor``'s action (see the module's docstring)."""
    user = actor.user
    assert user is not None  # noqa: S101 - staff_office let only staff in
    mine_or_free = ~held(now) | Q(claimed_by=user)
    first = Q(status__in=FIRST_DECISIONS)
    if not is_approver(actor):
        return first & mine_or_free
    second_for_me = Exists(
        RequestedChange.objects.filter(
            dossier=OuterRef("pk"), status=ChangeStatus.AWAITING_SECOND
        ).exclude(decisions__decided_by=user)
    )
    second = Q(status=Status.AWAITING_SECOND_APPROVAL) & Q(second_for_me)
    return (first | second) & mine_or_free


def _mine(actor: Actor, now: dt.datetime) -> Q:
    return held(now) & Q(claimed_by=actor.user)


def _overdue() -> Q:
    return Q(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())


def counts(actor: Actor) -> dict[str, Any]:
    """The office's numbers, in one query: per status, and the dashboard's."""
    office = staff_office(actor)
    now = timezone.now()
    figures = {
        "today": Count("pk", filter=Q(submitted_at__gte=_start_of_today())),
        "overdue": Count("pk", filter=_overdue()),
        "second": Count("pk", filter=Q(status=Status.AWAITING_SECOND_APPROVAL)),
        "mine": Count("pk", filter=_mine(actor, now)),
        "todo": Count("pk", filter=_todo(actor, now)),
        "total": Count("pk"),
    }
    figures.update({f"status_{s.value}": Count("pk", filter=Q(status=s.value)) for s in Status})
    found = Dossier.objects.filter(office=office).aggregate(**figures)
    return {
        **{k: v for k, v in found.items() if not k.startswith("status_")},
        "statuses": [
            {"status": s.value, "label": s.label, "count": found[f"status_{s.value}"]}
            for s in Status
        ],
    }


@dataclass
class Worklist:
    view: str
    page: Page
    rows: list[dict[str, Any]]
    counts: dict[str, Any]
    search: searching.Search | None = None
    # Page numbers to link, "…" where some are left out.
    pages: list[int | str] = field(default_factory=list)


def worklist(
    actor: Actor,
    *,
    view: str = TODO,
    q: str = "",
    form: str = "",
    status: str = "",
    overdue: bool = False,
    flagged: bool = False,
    today: bool = False,
    page: int = 1,
) -> Worklist:
    """One page of the acting staff member's office queue (their office only:
    ``access.dossiers_for_staff``), as the module's docstring says."""
    now = timezone.now()
    dossiers = dossiers_for_staff(
        actor, form=form, status=status, overdue=overdue, flagged=flagged
    ).select_related("claimed_by", "registration")
    if today:
        dossiers = dossiers.filter(submitted_at__gte=_start_of_today())
    found = None
    if q.strip():
        found = searching.read(q)
        dossiers = searching.apply(dossiers, found)
        view = ALL
    elif view == MINE:
        dossiers = dossiers.filter(_mine(actor, now))
    elif view != ALL:
        view = TODO
        dossiers = dossiers.filter(_todo(actor, now))
    dossiers = _ordered(dossiers, actor, first_second=view == TODO)
    shown = Paginator(dossiers, settings.DOSSIER_QUEUE_PAGE_SIZE).get_page(page)
    items: list[Dossier] = list(shown.object_list)
    if found is not None:
        for dossier in items:
            if dossier.person is not None:
                log_access(person=dossier.person, what="search", by=actor, dossier=dossier)
    return Worklist(
        view=view,
        page=shown,
        rows=[row(d, actor, now) for d in items],
        counts=counts(actor),
        search=found,
        pages=list(shown.paginator.get_elided_page_range(shown.number, on_each_side=2, on_ends=1)),
    )


def _ordered(dossiers: QuerySet[Dossier], actor: Actor, *, first_second: bool) -> QuerySet[Dossier]:
    """By SLA due date (overdue first); an approver's to-do puts second approvals first."""
    if first_second and is_approver(actor):
        rank = Case(
            When(status=Status.AWAITING_SECOND_APPROVAL, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return dossiers.annotate(todo_rank=rank).order_by(
            "todo_rank", "due_date", "submitted_at", "pk"
        )
    return dossiers.order_by("due_date", "submitted_at", "pk")


def filer(dossier: Dossier) -> str:
    """Who filed ``dossier``, as people read it."""
    if dossier.submitted_by_unit_id and dossier.submitted_by_unit:
        return dossier.submitted_by_unit.name
    if dossier.submitted_by_organisation_id and dossier.submitted_by_organisation:
        return dossier.submitted_by_organisation.name
    user = dossier.submitted_by_user
    if user is not None and user.is_office_staff:
        return _("%(name)s, at the counter") % {"name": staff_label(user)}
    if user is not None:
        return _("%(name)s, online") % {"name": user.display_name}
    if dossier.form == FormKind.DK_GD_01:
        return _("Registrant (online)")
    return "—"


def row(dossier: Dossier, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """A queue row (staff only: names and BHXH codes in full)."""
    person = dossier.person
    registration = getattr(dossier, "registration", None)
    holder = holder_of(dossier, now)
    return {
        "dossier_id": dossier.public_id,
        "form_label": FormKind(dossier.form).label,
        "status": dossier.status,
        "status_label": Status(dossier.status).label,
        "person_name": person.full_name if person else getattr(registration, "full_name", ""),
        "bhxh_code": person.bhxh_code if person else "",
        "matched": person is not None,
        "filer": filer(dossier),
        "submitted_at": dossier.submitted_at,
        "due_date": dossier.due_date,
        "overdue": dossier.is_overdue,
        "flagged": dossier.flagged_at is not None,
        "holder": staff_label(holder) if holder is not None else "",
        "mine": holder is not None and actor.user is not None and holder.pk == actor.user.pk,
    }


def dashboard(actor: Actor) -> dict[str, Any] | None:
    """The home page's figures for the acting staff member's office (``None`` for staff
    without an office: the home page shows only who they are)."""
    try:
        office = staff_office(actor)
    except Forbidden:  # staff without an office: nothing to count
        return None
    return {"office": {"code": office.code, "name": office.name}, **counts(actor)}
