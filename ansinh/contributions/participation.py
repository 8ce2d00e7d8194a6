"""The citizen's view of their participation (DESIGN §3.5, §4) and the unpaid-month alerts.

``participation_document`` is what ``GET /me/participation`` answers, per scheme: periods of
consecutive months with the same unit, job title, salary and status, the total months and
the unpaid months. It is built from the month rows in one query and kept as JSON text in a
per-person snapshot until the person's months change or a month's due date passes (the read
path of a 35-year history is then one indexed lookup). ``participation_json`` returns that text
as is.

A month's status is "paid", "unpaid" (past its due date, ``duedates``: employer debt) or
"due" (not yet past its due date: not debt, not counted in ``unpaid_months``); an unpaid
month's ``lateness`` is "late" or "evasion" (``lateness``: past the evasion threshold). Paid
is per scheme: a month the unit paid only in part has its health insurance booked first
(``booking``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext

from ansinh.audit.services import record
from ansinh.lib.actor import Actor
from ansinh.lib.replicas import reading_from_replica, reads_from_primary
from ansinh.people.models import Person

from .duedates import due_date, last_month_due_by, last_month_past_due
from .lateness import Rules
from .models import SCHEME_BITS, SCHEME_FUNDS, ContributionMonth, ParticipationSnapshot, Scheme
from .months import add_months, format_month, month_of, written_month

__all__ = ["due_date", "owed_by_unit", "participation_document", "participation_json"]

if TYPE_CHECKING:
    from ansinh.accounts.models import User

SCHEMES: tuple[str, ...] = tuple(Scheme.values)


Row = tuple[dt.date, int, str, str, str, int, bool, int, int]


def _merge(rows: list[Row], scheme: str, rules: Rules, today: dt.date) -> dict[str, Any]:
    """Periods of one scheme from rows ordered by (unit, month). A month not paid for this
    scheme is "due" within its payment period and "unpaid" after it, with its ``lateness``
    ("late", or "evasion" past the threshold: ``lateness``) beside; paid and due months have
    no lateness."""
    bit, funds = SCHEME_BITS[scheme], SCHEME_FUNDS[scheme]
    periods: list[dict[str, Any]] = []
    months: set[dt.date] = set()
    unpaid: set[dt.date] = set()
    current: dict[str, Any] | None = None
    last: dt.date | None = None
    for month, unit_id, unit_code, unit_name, job_title, salary, paid, schemes, paid_funds in rows:
        if not schemes & bit:
            continue
        months.add(month)
        state, _days = rules.state(month, paid=paid or paid_funds & funds == funds, today=today)
        status = state if state in ("paid", "due") else "unpaid"
        lateness = None if status != "unpaid" else state
        if status == "unpaid":
            unpaid.add(month)
        if (
            current is not None
            and last is not None
            and current["_unit"] == unit_id
            and month == add_months(last, 1)
            and current["job_title"] == job_title
            and current["salary"] == salary
            and current["status"] == status
            and current["lateness"] == lateness
        ):
            current["to"] = format_month(month)
        else:
            current = {
                "from": format_month(month),
                "to": format_month(month),
                "unit_code": unit_code,
                "unit_name": unit_name,
                "job_title": job_title,
                "salary": salary,
                "status": status,
                "lateness": lateness,
                "_unit": unit_id,
            }
            periods.append(current)
        last = month
    for period in periods:
        del period["_unit"]
    periods.sort(key=lambda p: (p["from"], p["unit_code"]))
    return {"periods": periods, "total_months": len(months), "unpaid_months": len(unpaid)}


def _rows(person_id: int) -> list[Row]:
    return list(
        ContributionMonth.objects.filter(person_id=person_id)
        .order_by("unit_id", "month")
        .values_list(
            "month",
            "unit_id",
            "unit__code",
            "unit__name",
            "job_title",
            "salary",
            "paid",
            "schemes",
            "paid_funds",
        )
    )


def build_document(person_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    return _built(person_id, today or timezone.localdate())[0]


def _built(person_id: int, today: dt.date) -> tuple[dict[str, Any], dt.date | None]:
    """The document, and the first day after ``today`` on which an unpaid month of the person
    turns to evasion (a new month is handled by ``_fresh_since``): a stored document is stale
    from then. One read of the rows and the rules for both."""
    rows, rules = _rows(person_id), Rules.load()
    document = {"schemes": {scheme: _merge(rows, scheme, rules, today) for scheme in SCHEMES}}
    unpaid = {row[0] for row in rows if not row[6]}
    turns = (rules.becomes_evasion(month, today=today) for month in unpaid)
    return document, min((day for day in turns if day is not None), default=None)


def _fresh_since() -> dt.datetime:
    """A document computed before this instant may be stale: which months are past due changes
    only on the first day of a month (the day after a month's last day, the only due dates)."""
    start = month_of(timezone.localdate())
    return timezone.make_aware(dt.datetime.combine(start, dt.time.min))


def _snapshot_value(person_id: int, column: str) -> Any:
    """A stored form of the document (``document`` or ``document_gzip``), by primary key, as
    one plain query: on the hot path of every history read, where compiling the ORM query cost
    more than running it (bench/RESULTS.md). A document from before this month is not returned
    (a month may have become late since)."""
    # The routed connection: a replica under ``reads_from_replica`` (ansinh/lib/replicas.py).
    connection = connections[router.db_for_read(ParticipationSnapshot)]
    with connection.cursor() as cursor:
        cursor.execute(
            _snapshot_sql(connection.alias, column),
            [person_id, _fresh_since(), timezone.localdate()],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@functools.cache
def _snapshot_sql(alias: str, column: str) -> str:
    """``_snapshot_value``'s SELECT, built once per database and column."""
    quote = connections[alias].ops.quote_name
    meta = ParticipationSnapshot._meta
    selected = {"document": "document", "document_gzip": "document_gzip"}[column]
    return (
        f"SELECT {quote(selected)} FROM {quote(meta.db_table)} "  # noqa: S608 - identifiers from the model, quoted
        f"WHERE {quote(meta.pk.column)} = %s AND {quote(meta.get_field('computed_at').column)} >= %s "
        f"AND ({quote(meta.get_field('valid_until').column)} IS NULL "
        f"OR {quote(meta.get_field('valid_until').column)} > %s)"
    )


def gzipped(text: str) -> bytes:
    """``text`` (UTF-8) as a gzip member with no time stamp: the same bytes for the same text."""
    return gzip.compress(text.encode(), compresslevel=6, mtime=0)


def participation_json(*, person: Person) -> str:
    """The participation document of ``person`` as JSON text, from the snapshot when there
    is one (any change to the person's months deletes it; it is rebuilt in a new month)."""
    stored = _snapshot_value(person.pk, "document")
    if stored is not None:
        return str(stored)
    if reading_from_replica():
        # A replica may be a moment behind: a snapshot built from it could outlive the change
        # that deleted the primary's. Build it from the primary (once per change; the reads
        # after it find the snapshot on the replica).
        with reads_from_primary():
            return participation_json(person=person)
    document, valid_until = _built(person.pk, timezone.localdate())
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    try:
        with transaction.atomic():
            ParticipationSnapshot.objects.update_or_create(
                person_id=person.pk,
                defaults={
                    "document": text,
                    "document_gzip": gzipped(text),
                    "computed_at": timezone.now(),
                    "valid_until": valid_until,
                },
            )
    except IntegrityError:
        pass  # a concurrent read stored the same document first
    return text


def participation_gzip(*, person: Person) -> bytes:
    """``participation_json`` compressed with gzip, for a client that accepts it (the 35-year
    history is ≈ 32 KB of JSON and ≈ 3 KB compressed: less to send to a phone, and less for
    the web process to write). Compressed once, when the snapshot is stored."""
    stored = _snapshot_value(person.pk, "document_gzip")
    if stored is not None:
        return bytes(stored)
    # No snapshot yet (built and stored now), or one stored before the compressed copy existed.
    return gzipped(participation_json(person=person))


def participation_document(*, person: Person) -> dict[str, Any]:
    return dict(json.loads(participation_json(person=person)))


@dataclass(frozen=True)
class OwedMonths:
    unit_code: str
    unit_name: str
    months: list[dt.date]  # shown with the ``months`` filter: 09/2026, 10/2026


def owed_by_unit(*, person: Person, scheme: str | None = None) -> list[OwedMonths]:
    """The person's unpaid months past their due date, grouped by the unit that owes them."""
    rows = ContributionMonth.objects.filter(
        person_id=person.pk, paid=False, month__lte=last_month_past_due(timezone.localdate())
    ).order_by("unit__code", "month")
    grouped: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for code, name, month, schemes, paid_funds in rows.values_list(
        "unit__code", "unit__name", "month", "schemes", "paid_funds"
    ):
        if scheme is None or (
            schemes & SCHEME_BITS[scheme]
            and paid_funds & SCHEME_FUNDS[scheme] != SCHEME_FUNDS[scheme]
        ):
            grouped[(code, name)].append(month)
    return [OwedMonths(code, name, months) for (code, name), months in grouped.items()]


# --- Unpaid-month alerts ----------------------------------------------------------------------


def send_unpaid_alerts(*, today: dt.date | None = None) -> int:
    """Tell every person with a month still unpaid ``UNPAID_ALERT_DAYS`` days after its due
    date, by email and in-app notice, once per month row; returns how many persons were told.
    Safe to run as often as wanted and concurrently (rows are claimed under a lock)."""
    from . import emails

    today = today or timezone.localdate()
    # A month is announced when its due date + N days is before today: its due date is at
    # most today - N - 1 day (duedates: due dates grow with the month).
    latest_month = last_month_due_by(today - dt.timedelta(days=settings.UNPAID_ALERT_DAYS + 1))
    told = 0
    with transaction.atomic():
        rows = list(
            ContributionMonth.objects.select_for_update(skip_locked=True)
            .filter(paid=False, alerted_at__isnull=True, month__lte=latest_month)
            .order_by("person_id", "unit_id", "month")
            .values_list("pk", "person_id", "unit__code", "unit__name", "month")
        )
        by_person: dict[int, list[tuple[str, str, dt.date]]] = defaultdict(list)
        for _pk, person_id, code, name, month in rows:
            by_person[person_id].append((code, name, month))
        now = timezone.now()
        persons = Person.objects.in_bulk(list(by_person))
        for person_id, months in by_person.items():
            person = persons[person_id]
            account = getattr(person, "account", None)
            _notify(person=person, account=account, months=months, emails=emails)
            told += 1
        for start in range(0, len(rows), 5000):
            ContributionMonth.objects.filter(
                pk__in=[row[0] for row in rows[start : start + 5000]]
            ).update(alerted_at=now)
        if rows:
            record("contributions.unpaid_alerts", by=Actor.system(), details={"persons": told})
    return told


def _notify(
    *,
    person: Person,
    account: User | None,
    months: list[tuple[str, str, dt.date]],
    emails: Any,
) -> None:
    owed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, name, month in months:
        owed[(code, name)].append(written_month(month))  # 09/2026, as the person reads it
    summary = [
        {"unit_code": code, "unit_name": name, "months": ms} for (code, name), ms in owed.items()
    ]
    emails.send_unpaid_months(person=person, user=account, owed=summary)
    if account is not None:
        from ansinh.notifications.services import notify

        owed_text = "; ".join(
            f"{item['unit_code']} {item['unit_name']}: {', '.join(item['months'])}"
            for item in summary
        )
        count = sum(len(item["months"]) for item in summary)
        with translation.override(account.language or "vi"):
            body = ngettext(
                "%(count)s month of your insurance is still unpaid %(days)s days after it was due: %(owed)s.",
                "%(count)s months of your insurance are still unpaid %(days)s days after they were due: %(owed)s.",
                count,
            ) % {"count": count, "days": settings.UNPAID_ALERT_DAYS, "owed": owed_text}
        notify(
            user=account,
            kind="unpaid_months",
            title=gettext_lazy("Your employer has not paid your insurance"),
            body=body,
            link="/ca-nhan/qua-trinh-tham-gia/",
        )
