"""``{{ "2026-09"|month }}`` → ``09/2026``, ``{{ months|months }}`` → ``09/2026, 10/2026`` and ``{{ 144|duration }}`` → ``12 năm 0 tháng``
(en ``12 years 0 months``): months and durations as Vietnamese documents write them."""

import datetime as dt

from django import template
from django.utils.translation import ngettext

from ansinh.contributions.months import parse_month, written_month

register = template.Library()


@register.filter
def month(value: object) -> str:
    """A ``YYYY-MM`` month (or a date) as ``MM/YYYY``; anything else unchanged."""
    if isinstance(value, dt.date):
        return written_month(value)
    if isinstance(value, str):
        try:
            parsed = parse_month(value)
        except ValueError:
            return value
        return written_month(parsed)
    return "" if value is None else str(value)


@register.filter
def months(values: object) -> str:
    """A list of months (``YYYY-MM`` strings or dates), each as ``MM/YYYY``, comma-separated."""
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        return month(values)
    return ", ".join(month(value) for value in values)


@register.filter
def duration(value: object) -> str:
    """A number of months as years and months (the years left out under one year)."""
    try:
        total = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    years, months = divmod(max(total, 0), 12)
    months_text = ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
    if not years:
        return months_text
    years_text = ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return f"{years_text} {months_text}"
