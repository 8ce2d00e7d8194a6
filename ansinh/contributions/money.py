"""Amounts of đồng as Vietnamese documents print them: dots between thousands
(``1.234.567``), the unit written out (``1.234.567 đồng``). One definition for the pages
(the ``vnd`` filter), the printed statement and its PDF."""

from __future__ import annotations


def thousands(amount: int) -> str:
    """``1234567`` → ``1.234.567``; ``-5000`` → ``-5.000``."""
    return f"{amount:,}".replace(",", ".")


def dong(amount: int) -> str:
    """``1234567`` → ``1.234.567 đồng`` (the unit is the same word in both languages)."""
    return f"{thousands(amount)} đồng"
