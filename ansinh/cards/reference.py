"""What the codes on a BHYT card mean, for the people who read it (the holder, a clinic's
counter): the beneficiary group (2 letters) and the benefit level (1 digit) of the card code
(DESIGN §2; Law on Health Insurance art. 22, Decree 146/2018/NĐ-CP art. 14, Decision
1351/QĐ-BHXH). Reference data, not rules: nothing is computed from these labels."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The groups An Sinh's people hold most; another code is shown as itself (``group_label``).
GROUP_LABELS: dict[str, Promise] = {
    "DN": _("Employee of an enterprise"),
    "HX": _("Employee of a cooperative"),
    "CH": _("Civil servant or public employee"),
    "HT": _("Receiving a monthly pension or disability allowance"),
    "TN": _("Receiving unemployment benefit"),
    "CC": _("Person with meritorious services to the revolution"),
    "QN": _("Serving member of the army"),
    "CA": _("Serving member of the people's police"),
    "TE": _("Child under 6"),
    "HN": _("Member of a poor household"),
    "CN": _("Member of a near-poor household"),
    "HS": _("Pupil"),
    "SV": _("Student"),
    "GD": _("Member of a participating household"),
}


@dataclass(frozen=True)
class BenefitLevel:
    percent: int
    label: Promise


# The share of the covered costs the health-insurance fund pays, per benefit-level digit.
BENEFIT_LEVELS: dict[int, BenefitLevel] = {
    1: BenefitLevel(100, _("100 % of covered costs, no cap on listed drugs and services")),
    2: BenefitLevel(100, _("100 % of covered costs, within the caps on some drugs and services")),
    3: BenefitLevel(95, _("95 % of covered costs")),
    4: BenefitLevel(80, _("80 % of covered costs")),
    5: BenefitLevel(100, _("100 % of costs, including costs outside the insurance's scope")),
}


def group_label(group: str) -> Promise | str:
    """What a beneficiary-group code means, or ``""`` for a code without a label here."""
    return GROUP_LABELS.get(group, "")


def benefit_level(level: int) -> BenefitLevel | None:
    return BENEFIT_LEVELS.get(level)
