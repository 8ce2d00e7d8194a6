"""The authority a hire gives a unit, made visible (issue 11 c, docs/dossiers.md).

A ``hire`` line makes the reporting unit the person's current employer, and an employer may
file TK1-TS for its employees. So:

* every person newly reported as hired is told of the new employer, in the app and by email
  when they have a verified address (``announce_hires``, a task enqueued when the report
  commits, one per report, on both ingest paths);
* staff reviewing a unit's dossier see since when and by whose report the employment exists
  (``employment_origin``);
* the dossier services ask ``hired_within`` whether a unit's email or phone change comes
  within ``UNIT_HIRE_CONFIRMATION_DAYS`` of its own hire of the person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from ansinh.notifications.emails import queue_email

from .models import Channel, LineType, Report, ReportLine
from .months import written_month

if TYPE_CHECKING:
    from ansinh.people.models import Person, Unit


@dataclasses.dataclass(frozen=True, slots=True)
class EmploymentOrigin:
    """The hire behind a unit's current employment of a person."""

    unit_code: str
    unit_name: str
    since: str  # the employment's first month, YYYY-MM
    report_reference: str
    reported_at: dt.datetime
    channel: str


def employment_origin(*, person: Person, unit: Unit) -> EmploymentOrigin | None:
    """The latest ``hire`` line of ``unit`` for ``person`` (the one that opened the current
    employment: a second hire needs a leave first), or None when the employment was not
    reported (data loaded before reports existed)."""
    hire = (
        ReportLine.objects.filter(report__unit=unit, person=person, type=LineType.HIRE)
        .select_related("report")
        .order_by("-report__received_at", "-report_id", "-line_no")
        .first()
    )
    if hire is None:
        return None
    return EmploymentOrigin(
        unit_code=unit.code,
        unit_name=unit.name,
        since=f"{hire.from_month:%Y-%m}",
        report_reference=hire.report.reference,
        reported_at=hire.report.received_at,
        channel=hire.report.channel,
    )


def hired_within(*, person: Person, unit: Unit, days: int, now: dt.datetime) -> Report | None:
    """The report of ``unit`` that hired ``person`` in the ``days`` before ``now``, if any."""
    line = (
        ReportLine.objects.filter(
            report__unit=unit,
            person=person,
            type=LineType.HIRE,
            report__received_at__gt=now - dt.timedelta(days=days),
            report__received_at__lte=now,
        )
        .select_related("report")
        .order_by("-report__received_at")
        .first()
    )
    return line.report if line is not None else None


def schedule_hire_notices(report: Report) -> None:
    """Enqueue ``announce_hires`` once the report's transaction commits (caller's transaction).

    Hires a unit reports (the unit API) or a clerk uploads (the back office) are announced.
    Reports the operator loads from the command line — the demo data, history carried over
    from another system — are not: nobody is told in 2026 of a hire from 2015."""
    if not (report.counts or {}).get(LineType.HIRE) or report.channel == Channel.CLI:
        return
    report_id = report.pk
    transaction.on_commit(lambda: announce_hires.enqueue(report_id), robust=True)


@task()
def announce_hires(report_id: int) -> int:
    """Tell every person a report hired of their new employer: an in-app notice when they
    have an account, an email to their verified address when they have one. Returns how many
    people were told."""
    from ansinh.notifications.services import notify
    from ansinh.people.models import Person

    report = Report.objects.select_related("unit").filter(pk=report_id).first()
    if report is None:
        return 0
    unit = report.unit
    lines = list(
        ReportLine.objects.filter(report=report, type=LineType.HIRE)
        .order_by("line_no")
        .values_list("person_id", "from_month")
    )
    told = 0
    for start in range(0, len(lines), 1000):
        chunk = lines[start : start + 1000]
        persons = Person.objects.select_related("account").in_bulk([p for p, _m in chunk])
        with transaction.atomic():
            for person_id, from_month in chunk:
                person = persons[person_id]
                account = getattr(person, "account", None)
                language = (account.language if account else person.language) or "vi"
                context = {
                    "name": person.full_name,
                    "unit_code": unit.code,
                    "unit_name": unit.name,
                    "since": written_month(from_month),
                    "reference": report.reference,
                    "reported_on": report.received_at,
                    "history_url": settings.SITE_URL + "/ca-nhan/qua-trinh-tham-gia/",
                }
                if account is not None:
                    with translation.override(language):
                        title = gettext("A new employer reported you: %(unit)s") % {
                            "unit": f"{unit.code} {unit.name}"
                        }
                        body = gettext(
                            "%(unit)s reported that it employs you from %(since)s (report %(reference)s). It can now file changes to your personal data. If you do not work there, contact your BHXH office."
                        ) % {
                            "unit": f"{unit.code} {unit.name}",
                            "since": context["since"],
                            "reference": report.reference,
                        }
                    notify(
                        user=account,
                        kind="new_employer",
                        title=title,
                        body=body,
                        link="/ca-nhan/qua-trinh-tham-gia/",
                    )
                if person.email and person.email_verified:
                    queue_email(
                        kind="new_employer",
                        recipient=person.email,
                        language=language,
                        user=account,
                        context=context,
                    )
                told += 1
    return told
