"""``{% load form_errors %}``: what every page with a form needs to say about its errors, once,
in ``base.html`` (issue 12 §2 "Forms").

* ``add_missing_errors``: a service's per-field refusals added to a form that already has
  errors of its own, on the fields still without one, so that every mistake shows at once.
* ``{% error_title_prefix %}``: "Lỗi: " ("Error: ") before the page's ``<title>`` whenever a
  form on the page came back with errors, so a screen-reader user hears it first and a person
  switching tabs sees it. A form is any ``django.forms`` form in the template's context (under
  whatever name the view gave it); pages whose refusal is not a form error name it with one of
  ``ERROR_FLAGS``.
* ``{% summary_takes_focus %}``: on such a page no input keeps its ``autofocus``: the browser
  applies autofocus at its own moment (sometimes after ``static/form-errors.js`` focused the
  summary), so the summary gets the focus only if no field asks for it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm
from django.utils.translation import pgettext

register = template.Library()

# Context names a view sets when its page shows an error outside a form's own errors.
ERROR_FLAGS = ("upload_error", "import_errors")


def add_missing_errors(form: BaseForm, errors: dict[str, str]) -> None:
    """Add each ``field → message`` of ``errors`` to ``form`` unless the field has an error
    already (its own "required", say) or the form has no such field."""
    for field, message in errors.items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, message)


def page_has_errors(context: template.Context | dict[str, Any]) -> bool:
    """True when a bound form in ``context`` has errors, or a flag of ``ERROR_FLAGS`` is set."""
    values = context.flatten() if isinstance(context, template.Context) else dict(context)
    if any(values.get(flag) for flag in ERROR_FLAGS):
        return True
    return any(isinstance(v, BaseForm) and v.is_bound and bool(v.errors) for v in values.values())


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    if not page_has_errors(context):
        return ""
    # Translators: before a page's title when a form on it has errors ("Lỗi: Đăng nhập").
    return pgettext("page title", "Error:") + " "


@register.simple_tag(takes_context=True)
def summary_takes_focus(context: template.Context) -> str:
    """Drop ``autofocus`` from every field of the page's forms when one has errors (the forms
    are the view's own instances, their widgets copied per form: nothing else changes)."""
    if page_has_errors(context):
        for value in context.flatten().values():
            if isinstance(value, BaseForm):
                for field in value.fields.values():
                    field.widget.attrs.pop("autofocus", None)
    return ""
