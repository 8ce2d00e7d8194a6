"""The daily budget of unmatched hire lines per unit/organisation key (issue 11 c).

A hire line names its person by BHXH code *and* date of birth (``validation.hire_matches``);
an unknown code and a wrong date answer the same ``person_not_matched``. What is left to a key
that does not know the person is guessing the date (about 18,000 candidates per code), so each
key may send at most ``UNIT_UNMATCHED_HIRES_PER_DAY`` unmatched hire lines a day
(``lib.ratelimit`` counters, keyed by the key, never by a code):

* the unmatched lines of a report are charged before any of its errors is shown, whether or not
  the report is otherwise valid;
* a report whose charge goes past the budget is refused whole (``TooManyUnmatchedPeople``, the
  API's 429 ``too_many_unmatched_people``) without its per-line errors;
* once the budget is spent, *every* report with a hire line is refused the same way until the
  window ends, matched or not: otherwise "stored" against "refused" would go on answering
  guesses.

Reports without a key (back-office uploads by staff, commands) are not budgeted: staff read
the registry anyway. The refusal is an audit event for the unit's office (``record_refusal``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from ansinh.audit.services import record
from ansinh.lib import ratelimit
from ansinh.people.models import Unit

from .validation import ReportRejected

if TYPE_CHECKING:
    from ansinh.lib.actor import Actor

GROUP = "unmatched_hires"


class TooManyUnmatchedPeople(ReportRejected):
    """The key's budget of unmatched hire lines is spent: the report is refused whole, with no
    line errors. A ``ReportRejected`` (nothing stored), so an adapter that does not know it
    still answers a rejection; the unit API answers 429 with ``Retry-After``."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(fields={"lines": "too_many_unmatched_people"})
        self.retry_after = retry_after


def _rate() -> str:
    return f"{settings.UNIT_UNMATCHED_HIRES_PER_DAY}/d"


def charge(*, actor: Actor, hires: int, unmatched: int) -> None:
    """Charge a checked report's ``unmatched`` hire lines (of ``hires``) to the budget of the
    actor's key (staff and commands have none); raises ``TooManyUnmatchedPeople`` when it is
    spent or this report goes past it. Call it after the lines are checked against the
    registry and before any error is shown."""
    key = actor.key
    if key is None or not hires:
        return
    bucket = str(key.pk)
    wait = ratelimit.peek(group=GROUP, key=bucket, rate=_rate())
    if wait:
        raise TooManyUnmatchedPeople(retry_after=wait)
    if not unmatched:
        return
    total = ratelimit.count(group=GROUP, key=bucket, rate=_rate(), amount=unmatched)
    if total > settings.UNIT_UNMATCHED_HIRES_PER_DAY:
        raise TooManyUnmatchedPeople(
            retry_after=max(1, ratelimit.peek(group=GROUP, key=bucket, rate=_rate()))
        )


def record_refusal(*, unit: Unit, actor: Actor, reference: str) -> None:
    """The audit event of a refused report, for the unit's office (after the ingest's
    transaction is gone, so it stays)."""
    key = actor.key
    record(
        "report.unmatched_hires_refused",
        by=actor,
        details={
            "unit": unit.code,
            "office": unit.office.code,
            "key": str(key.public_id) if key is not None else "",
            "key_label": key.label if key is not None else "",
            "reference": reference,
            "limit_per_day": settings.UNIT_UNMATCHED_HIRES_PER_DAY,
        },
    )
