"""The contribution notices of issue 15 §1 (docs/contributions.md).

* **The monthly late notice** (``ansinh late_notices``, run on the 10th as VssID does): each
  person whose unit has months late gets one notice per unit — in the app and by email to a
  verified address — listing the months and, per scheme, the amount not paid. At most one per
  person, unit and month (``LateNotice``): running the command again that month sends nothing.
* **The credited notice**: when a month of a person is paid, they are told in the app, with the
  salary the unit declared for it, so they can check it against their payslip. Each month row
  is announced once (``ContributionMonth.credited_at``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_tasks import task

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.people.models import Person, Unit

from .duedates import last_month_past_due
from .models import FUND_PAID_BITS, FUND_SCHEME, ContributionMonth, LateNotice, Scheme
from .money import thousands
from .months import add_months, month_of, written_month
from .rates import FUNDS, RateTable, region_of

HISTORY_LINK = "/ca-nhan/qua-trinh-tham-gia/"
LISTED_MONTHS = 12  # a credited notice lists at most this many runs of months, then "and N more"


def money(amount: int) -> str:
    """1234567 → "1.234.567 đ": the short form a notice on a phone uses (both languages)."""
    return f"{thousands(amount)} đ"


def salary_runs(months: list[tuple[dt.date, int]]) -> list[tuple[str, int, int]]:
    """Consecutive months with one salary as one entry: ("04/2026–09/2026", salary, 6)."""
    runs: list[list[Any]] = []
    for month, salary in months:
        if runs and runs[-1][1] == salary and add_months(runs[-1][2], 1) == month:
            runs[-1][2] = month
            runs[-1][3] += 1
        else:
            runs.append([month, salary, month, 1])
    return [
        (
            written_month(first)
            if first == last
            else f"{written_month(first)}–{written_month(last)}",
            salary,
            count,
        )
        for first, salary, last, count in runs
    ]


# --- Credited ---------------------------------------------------------------------------------


def schedule_credited(*, unit_id: int) -> None:
    """Announce the unit's newly paid months once the caller's transaction commits."""
    transaction.on_commit(lambda: announce_credited.enqueue(unit_id), robust=True)


@task()
def announce_credited(unit_id: int) -> int:
    """Tell each person with months of ``unit_id`` paid and not yet announced, in the app, one
    notice per person; returns how many people were told. Rows are claimed under a lock, so
    concurrent runs announce each month once."""
    from ansinh.notifications.services import notify

    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return 0
    told = 0
    with transaction.atomic():
        rows = list(
            ContributionMonth.objects.select_for_update(skip_locked=True)
            .filter(unit_id=unit_id, paid=True, credited_at__isnull=True)
            .order_by("person_id", "month")
            .values_list("pk", "person_id", "month", "salary")
        )
        by_person: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
        for _pk, person_id, month, salary in rows:
            by_person[person_id].append((month, salary))
        persons = Person.objects.select_related("account").in_bulk(list(by_person))
        for person_id, months in by_person.items():
            account = getattr(persons[person_id], "account", None)
            if account is None:
                continue
            runs = salary_runs(months)
            with translation.override(account.language or "vi"):
                listed = ", ".join(
                    gettext("%(month)s (declared salary %(salary)s)")
                    % {"month": months_text, "salary": money(salary)}
                    for months_text, salary, _count in runs[:LISTED_MONTHS]
                )
                more = sum(count for _t, _s, count in runs[LISTED_MONTHS:])
                if more > 0:
                    listed += " " + ngettext(
                        "and %(count)s more month", "and %(count)s more months", more
                    ) % {"count": more}
                body = gettext(
                    "%(unit)s has paid your insurance for: %(months)s. Check the salary against "
                    "your payslip; if it is wrong, you can file a correction case."
                ) % {"unit": f"{unit.code} {unit.name}", "months": listed}
            notify(
                user=account,
                kind="months_credited",
                title=gettext_lazy("Your insurance has been paid"),
                body=body,
                link=HISTORY_LINK,
            )
            told += 1
        ContributionMonth.objects.filter(pk__in=[row[0] for row in rows]).update(
            credited_at=timezone.now()
        )
    return told


# --- Monthly late notice ------------------------------------------------------------------------


def _unpaid_by_scheme(
    terms_of: Any, month: dt.date, region: str, salary: int, schemes: int, paid_funds: int
) -> dict[str, int]:
    amounts = terms_of(month, region).amounts(salary, schemes)
    result: dict[str, int] = defaultdict(int)
    for fund in FUNDS:
        if not paid_funds & FUND_PAID_BITS[fund]:
            total = sum(amounts[fund].values())
            if total:
                result[FUND_SCHEME[fund]] += total
    return {scheme: result[scheme] for scheme in Scheme.values if result.get(scheme)}


def late_months(*, today: dt.date) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """{(person, unit): [{"month", "salary", "by_scheme": {scheme: đ}}]} of every month late on
    ``today`` (unpaid after its due date), what the monthly notice lists."""
    table = RateTable.load()
    cache: dict[tuple[dt.date, str], Any] = {}
    regions: dict[int, str] = {}

    def terms_of(month: dt.date, region: str) -> Any:
        if (month, region) not in cache:
            cache[(month, region)] = table.terms(month, region=region)
        return cache[(month, region)]

    result: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    rows = (
        ContributionMonth.objects.filter(paid=False, month__lte=last_month_past_due(today))
        .order_by("person_id", "unit_id", "month")
        .values_list("person_id", "unit_id", "month", "salary", "schemes", "paid_funds")
    )
    for person_id, unit_id, month, salary, schemes, paid_funds in rows.iterator(chunk_size=2000):
        if unit_id not in regions:
            regions[unit_id] = region_of(unit_id)
        by_scheme = _unpaid_by_scheme(
            terms_of, month, regions[unit_id], salary, schemes, paid_funds
        )
        result[(person_id, unit_id)].append(
            {"month": month, "salary": salary, "by_scheme": by_scheme}
        )
    return result


def send_late_notices(*, today: dt.date | None = None) -> int:
    """Send this month's late notices (one per person and unit, at most once a month);
    returns how many were sent. Safe to run again and concurrently (the unique row decides)."""
    from . import emails

    today = today or timezone.localdate()
    month = month_of(today)
    due = late_months(today=today)
    # Who was already told this month, the persons and the units: three queries, not three
    # per notice.
    told = set(LateNotice.objects.filter(month=month).values_list("person_id", "unit_id"))
    pending = [key for key in due if key not in told]
    persons = Person.objects.select_related("account").in_bulk({p for p, _u in pending})
    units = Unit.objects.in_bulk({u for _p, u in pending})
    sent = 0
    for person_id, unit_id in pending:
        person, unit, months = persons[person_id], units[unit_id], due[(person_id, unit_id)]
        try:
            with transaction.atomic():
                LateNotice.objects.create(
                    person=person,
                    unit=unit,
                    month=month,
                    months=[written_month(item["month"]) for item in months],
                    sent_at=timezone.now(),
                )
                _tell_late(person=person, unit=unit, months=months, emails=emails)
        except IntegrityError:
            continue  # a concurrent run sent it
        sent += 1
    if sent:
        record("contributions.late_notices", by=Actor.system(), details={"notices": sent})
    return sent


def _tell_late(*, person: Person, unit: Unit, months: list[dict[str, Any]], emails: Any) -> None:
    from ansinh.notifications.services import notify

    account = getattr(person, "account", None)
    language = (account.language if account else person.language) or "vi"
    with translation.override(language):
        lines = [
            {
                "month": written_month(item["month"]),
                "amounts": ", ".join(
                    f"{Scheme(scheme).label}: {money(amount)}"
                    for scheme, amount in item["by_scheme"].items()
                ),
            }
            for item in months
        ]
        body = gettext(
            "%(unit)s has not paid your insurance for these months (amounts not paid, employer "
            "and employee shares): %(months)s. The unit owes them, not you."
        ) % {
            "unit": f"{unit.code} {unit.name}",
            "months": "; ".join(f"{line['month']} — {line['amounts']}" for line in lines),
        }
    if account is not None:
        notify(
            user=account,
            kind="late_months",
            title=gettext_lazy("Months your employer has not paid"),
            body=body,
            link=HISTORY_LINK,
        )
    emails.send_late_months(
        person=person,
        user=account,
        unit=f"{unit.code} {unit.name}",
        lines=lines,
        history_url=settings.SITE_URL + HISTORY_LINK,
    )
