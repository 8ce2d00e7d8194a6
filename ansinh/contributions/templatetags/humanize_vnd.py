"""``{{ amount|vnd }}``: đồng with dots between thousands, as Vietnamese documents print it;
``{{ amount|dong }}`` with the unit written out (``1.234.567 đồng``)."""

from django import template

from ansinh.contributions import money

register = template.Library()


def _amount(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


@register.filter
def vnd(value: object) -> str:
    amount = _amount(value)
    return "" if amount is None else money.thousands(amount)


@register.filter
def dong(value: object) -> str:
    amount = _amount(value)
    return "" if amount is None else money.dong(amount)
