"""Contribution codes as a clerk reads them (issue 14): ``{{ fields|problems }}`` (a line's or a
file's errors, ``error_text.py``), ``{{ schemes|scheme_names }}`` (``BHXH, BHTNLĐ-BNN``)."""

from __future__ import annotations

from django import template

from ansinh.contributions import error_text
from ansinh.contributions.statement_doc import scheme_short

register = template.Library()


@register.filter
def problems(fields: object) -> list[str]:
    return error_text.problems(fields) if isinstance(fields, dict) else []


@register.filter
def scheme_names(codes: object) -> str:
    if isinstance(codes, str) or not hasattr(codes, "__iter__"):
        return ""
    return ", ".join(scheme_short(str(code)) for code in codes)
