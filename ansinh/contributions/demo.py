"""Demo participation histories and cards (DESIGN §5), loaded by ``ansinh demo`` through the
same services as real data: one report per unit (``ingest_report``), payments, cards.

* 0123456789 Nguyễn Văn An: at TA01234 since 2015-01, salary changes in 2019-07 and
  2023-01; TA01234 has not paid the three months before the current one (shown unpaid),
  card DN4010123456789 at Bệnh viện Bạch Mai.
* 0123456790 Trần Thị Bình: at TA01234 since 2018-03, card DN4010123456790.
* Synthetic persons: about four in five get a history drawn from ``random.Random`` seeded by
  their BHXH code (so the same person always gets the same history): a hire at one of the
  demo units, sometimes a salary change, sometimes a leave and a re-hire at another unit.

Idempotent: persons who already have an employment are left alone; every other unit pays
everything up to the previous month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from ansinh.cards.models import Card
from ansinh.lib.actor import Actor
from ansinh.people.models import HealthFacility, Person, Unit

from .models import ContributionMonth, Employment, Payment, PaymentSource, Statement
from .months import add_months, format_month, month_of
from .services import ingest_report
from .statements import settle

DEMO_UNIT = "TA01234"
UNPAID_AT_DEMO_UNIT = 3  # months before the current one left unpaid at TA01234
JOB_TITLES = (
    "Nhân viên kinh doanh", "Kế toán viên", "Kỹ sư phần mềm", "Công nhân may", "Thủ kho",
    "Lái xe", "Nhân viên hành chính", "Kỹ thuật viên", "Hướng dẫn viên du lịch", "Thợ cơ khí",
)  # fmt: skip
FIXED: dict[str, list[tuple[str, str, int | None, str]]] = {
    "0123456789": [
        ("hire", "2015-01", 6_500_000, "Nhân viên kế toán"),
        ("adjust_salary", "2019-07", 9_000_000, "Kế toán viên"),
        ("adjust_salary", "2023-01", 12_500_000, "Kế toán tổng hợp"),
    ],
    "0123456790": [("hire", "2018-03", 7_000_000, "Nhân viên hành chính")],
}
FIXED_CARDS = {"0123456789": ("DN", 4, "01001"), "0123456790": ("DN", 4, "01013")}


def _line(code: str, kind: str, month: str, salary: int | None, job: str) -> dict[str, Any]:
    line: dict[str, Any] = {"bhxh_code": code, "type": kind, "from_month": month}
    if salary is not None:
        line["salary"] = salary
        line["job_title"] = job
    return line


def _synthetic_history(
    code: str, units: list[str], now: dt.date
) -> list[tuple[str, dict[str, Any]]]:
    """(unit code, line) pairs of one synthetic person, in order."""
    rng = random.Random(int(code))  # noqa: S311 - reproducible demo data
    if rng.random() < 0.2:
        return []
    start = add_months(dt.date(2015, 1, 1), rng.randrange(0, 12 * 11))
    start = min(start, now)
    unit = rng.choice(units)
    salary = rng.randrange(5_000_000, 30_000_000, 100_000)
    job = rng.choice(JOB_TITLES)
    result = [(unit, _line(code, "hire", format_month(start), salary, job))]
    span = (now.year - start.year) * 12 + now.month - start.month
    if span > 24 and rng.random() < 0.5:
        change = add_months(start, rng.randrange(12, span))
        salary = int(salary * rng.uniform(1.05, 1.4)) // 100_000 * 100_000
        result.append((unit, _line(code, "adjust_salary", format_month(change), salary, job)))
        start = change
        span = (now.year - start.year) * 12 + now.month - start.month
    if span > 12 and rng.random() < 0.3:
        leave = add_months(start, rng.randrange(6, span))
        result.append((unit, _line(code, "leave", format_month(leave), None, "")))
        rehire = add_months(leave, rng.randrange(1, 6))
        if rehire <= now:
            other = rng.choice([u for u in units if u != unit] or units)
            result.append((other, _line(code, "hire", format_month(rehire), salary, job)))
    return result


def load_contribution_demo(*, synthetic_codes: list[str]) -> None:
    """Histories, payments and cards for the demo persons that have none yet."""
    now = month_of(timezone.localdate())
    units = {u.code: u for u in Unit.objects.all()}
    if DEMO_UNIT not in units:
        return
    codes = [*FIXED, *synthetic_codes]
    registry = Person.objects.filter(bhxh_code__in=codes).values_list(
        "bhxh_code", "pk", "date_of_birth"
    )
    persons = {code: pk for code, pk, _born in registry}
    births = {code: born for code, _pk, born in registry}
    employed = set(
        Employment.objects.filter(person_id__in=persons.values()).values_list(
            "person__bhxh_code", flat=True
        )
    )
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for code, fixed_lines in FIXED.items():
        if code in persons and code not in employed:
            by_unit[DEMO_UNIT].extend(
                _line(code, kind, month, salary, job) for kind, month, salary, job in fixed_lines
            )
    unit_codes = sorted(units)
    for code in synthetic_codes:
        if code in persons and code not in employed:
            for unit_code, line in _synthetic_history(code, unit_codes, now):
                by_unit[unit_code].append(line)
    for unit_lines in by_unit.values():
        for line in unit_lines:
            if line["type"] == "hire":  # a hire names the person by code and date of birth
                line["date_of_birth"] = births[line["bhxh_code"]].isoformat()
    order = {"hire": 0, "adjust_salary": 1, "leave": 2}
    for unit_code, unit_lines in sorted(by_unit.items()):
        # A person has at most a hire, a change and a leave per unit, in that order: sorting
        # by type keeps each person's order and lets the hires go in as one bulk insert.
        lines = sorted(unit_lines, key=lambda line: order[line["type"]])
        body = repr(lines).encode()
        reference = f"DEMO-{format_month(now)}-{hashlib.sha256(body).hexdigest()[:12]}"
        ingest_report(
            unit=units[unit_code],
            reference=reference,
            period=format_month(now),
            lines=lines,
            actor=Actor.command(),
        )
    _pay(units, now)
    _cards(persons, now)


def _pay(units: dict[str, Unit], now: dt.date) -> None:
    """Every unit pays each month on the 20th of that month (on time under every due-date
    rule, so no late interest) up to the previous month; TA01234 leaves the last three unpaid.
    The months paid here are history: nobody is sent a "credited" notice for them."""
    touched = []
    for code, unit in units.items():
        paid_to = add_months(now, -(UNPAID_AT_DEMO_UNIT + 1) if code == DEMO_UNIT else -1)
        covered = Payment.objects.filter(unit=unit).aggregate(total=Sum("amount"))["total"] or 0
        running = 0
        payments = []
        for month, due in (
            Statement.objects.filter(unit=unit, month__lte=paid_to)
            .order_by("month")
            .values_list("month", "due")
        ):
            running += due
            if running > covered:
                payments.append(
                    Payment(
                        unit=unit,
                        amount=running - covered,
                        paid_on=month.replace(day=20),
                        source=PaymentSource.BACKOFFICE,
                        note="demo",
                        recorded_at=timezone.now(),
                    )
                )
                covered = running
        if payments:
            Payment.objects.bulk_create(payments)
            touched.append(unit)
    for unit in touched:
        settle(unit=unit)
    ContributionMonth.objects.filter(paid=True, credited_at__isnull=True).update(
        credited_at=timezone.now()
    )


def _cards(persons: dict[str, int], now: dt.date) -> None:
    facilities = {f.code: f for f in HealthFacility.objects.all()}
    if not facilities:
        return
    have = set(Card.objects.values_list("person_id", flat=True))
    open_employments = dict(
        Employment.objects.filter(ended__isnull=True, person_id__in=persons.values())
        .order_by("person_id", "started")
        .values_list("person_id", "started")
    )
    issued = timezone.now()
    cards = []
    for code, person_id in persons.items():
        if person_id in have or person_id not in open_employments:
            continue
        group, level, facility_code = FIXED_CARDS.get(code, ("DN", 4, ""))
        facility = (
            facilities.get(facility_code)
            or facilities[sorted(facilities)[int(code) % len(facilities)]]
        )
        started = open_employments[person_id]
        five_years = add_months(started, 60)
        cards.append(
            Card(
                person_id=person_id,
                card_code=f"{group}{level}{code[:2]}{code}",
                facility=facility,
                valid_from=dt.date(now.year, 1, 1),
                valid_to=dt.date(now.year, 12, 31),
                five_years_from=five_years if five_years <= now else None,
                issued_at=issued,
            )
        )
    Card.objects.bulk_create(cards)
