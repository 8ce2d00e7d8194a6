"""``{{ amount|vnd }}``: đồng with dots between thousands, as Vietnamese documents print it."""

from django import template

register = template.Library()


@register.filter
def vnd(value: object) -> str:
    try:
        amount = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    return f"{amount:,}".replace(",", ".")
