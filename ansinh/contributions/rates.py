"""Amounts due, from the dated reference data (never from constants in code).

Rounding rule (docs/contributions.md): each amount is computed per person, per month, per fund
and per payer as ``capped salary × rate``, rounded half up to a whole đồng; totals are sums of
those rounded amounts. With rates in basis points (1/100 %) that is, in integers only::

    amount = (min(salary, cap) × basis_points × 2 + 10000) // 20000
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from .models import (
    FUND_SCHEME,
    SCHEME_BITS,
    CapBasis,
    ContributionRate,
    Fund,
    Payer,
    ReferenceLevel,
    RegionalMinimumWage,
    SalaryCap,
    UnitContributionProfile,
    WageRegion,
)

FUNDS: tuple[str, ...] = tuple(Fund.values)
PAYERS: tuple[str, ...] = (Payer.EMPLOYER, Payer.EMPLOYEE)
FUND_BITS: dict[str, int] = {fund: SCHEME_BITS[FUND_SCHEME[fund]] for fund in FUNDS}


class MissingReferenceData(Exception):  # noqa: N818 - a configuration problem, named for it
    """No rate, reference level, regional wage or cap is in force for a month."""


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def contribution(salary: int, basis_points: int, cap: int) -> int:
    """One payer's contribution to one fund for one person and month, in đồng."""
    return round_half_up(min(salary, cap) * basis_points, 10_000)


@dataclass(frozen=True)
class MonthTerms:
    """Everything that decides a month's amounts for a unit in one wage region."""

    month: dt.date
    region: str
    basis_points: dict[tuple[str, str], int]  # (fund, payer) -> basis points
    caps: dict[str, int]  # fund -> highest salary counted, in đồng

    def amounts(self, salary: int, schemes: int) -> dict[str, dict[str, int]]:
        """{fund: {payer: đồng}} for one person and month; funds outside ``schemes`` are 0."""
        result: dict[str, dict[str, int]] = {}
        for fund in FUNDS:
            applies = bool(schemes & FUND_BITS[fund])
            result[fund] = {
                payer: contribution(salary, self.basis_points[(fund, payer)], self.caps[fund])
                if applies
                else 0
                for payer in PAYERS
            }
        return result


def _in_force(rows: list[tuple[dt.date, object]], month: dt.date) -> object | None:
    best: tuple[dt.date, object] | None = None
    for valid_from, value in rows:
        if valid_from <= month and (best is None or valid_from > best[0]):
            best = (valid_from, value)
    return best[1] if best else None


def region_of(unit_id: int) -> str:
    profile = UnitContributionProfile.objects.filter(unit_id=unit_id).first()
    return profile.wage_region if profile else WageRegion.I


@dataclass(frozen=True)
class RateTable:
    """All the dated reference data, loaded once (four small queries); ``terms`` then answers
    for any month and region without touching the database."""

    rates: list[tuple[str, str, dt.date, int]]
    levels: list[tuple[dt.date, int]]
    wages: list[tuple[str, dt.date, int]]
    caps: list[tuple[str, dt.date, int, str]]

    @classmethod
    def load(cls) -> RateTable:
        return cls(
            rates=list(
                ContributionRate.objects.values_list("fund", "payer", "valid_from", "basis_points")
            ),
            levels=list(ReferenceLevel.objects.values_list("valid_from", "amount")),
            wages=list(RegionalMinimumWage.objects.values_list("region", "valid_from", "amount")),
            caps=list(SalaryCap.objects.values_list("fund", "valid_from", "multiplier", "basis")),
        )

    def terms(self, month: dt.date, *, region: str = WageRegion.I) -> MonthTerms:
        basis_points: dict[tuple[str, str], int] = {}
        for fund in FUNDS:
            for payer in PAYERS:
                value = _in_force(
                    [(v, bp) for f, p, v, bp in self.rates if (f, p) == (fund, payer)], month
                )
                if value is None:
                    raise MissingReferenceData(f"no {payer} rate for {fund} in {month:%Y-%m}")
                basis_points[(fund, payer)] = int(value)  # type: ignore[call-overload]
        level = _in_force(list(self.levels), month)
        wage = _in_force([(v, a) for r, v, a in self.wages if r == region], month)
        caps: dict[str, int] = {}
        for fund in FUNDS:
            rule = _in_force([(v, (m, b)) for f, v, m, b in self.caps if f == fund], month)
            if rule is None:
                raise MissingReferenceData(f"no salary cap for {fund} in {month:%Y-%m}")
            multiplier, basis = cast(tuple[int, str], rule)
            base = level if basis == CapBasis.REFERENCE_LEVEL else wage
            if base is None:
                raise MissingReferenceData(f"no {basis} in force in {month:%Y-%m}")
            caps[fund] = int(multiplier) * cast(int, base)
        return MonthTerms(month=month, region=region, basis_points=basis_points, caps=caps)


def first_covered_month() -> dt.date:
    """The first month for which every rate, the reference level, every region's minimum wage
    and every cap are known: reports cannot start earlier (``no_rates_for_month``)."""
    table = RateTable.load()
    starts = [
        min((v for f, p, v, _bp in table.rates if (f, p) == key), default=dt.date.max)
        for key in ((fund, payer) for fund in FUNDS for payer in PAYERS)
    ]
    starts.append(min((v for v, _a in table.levels), default=dt.date.max))
    for region in WageRegion.values:
        starts.append(min((v for r, v, _a in table.wages if r == region), default=dt.date.max))
    starts += [
        min((v for f, v, _m, _b in table.caps if f == fund), default=dt.date.max) for fund in FUNDS
    ]
    return max(starts)


def terms_for(month: dt.date, *, region: str = WageRegion.I) -> MonthTerms:
    """The rates and caps in force in ``month`` (the first day of a month) for ``region``."""
    return RateTable.load().terms(month, region=region)
