"""The electronic health-insurance card (e-BHYT, DESIGN §3.6). A re-issued card is a new row;
the old one is marked replaced, never edited."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models

from ansinh.lib.identifiers import parse_card_code


def _card_code(value: str) -> None:
    parse_card_code(value)


class Card(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    card_code = models.CharField(max_length=15, validators=[_card_code])
    facility = models.ForeignKey(
        "people.HealthFacility", on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField()
    valid_to = models.DateField()
    five_years_from = models.DateField(
        null=True, blank=True, help_text="date of five continuous years (thời điểm đủ 5 năm)"
    )
    issued_at = models.DateTimeField()
    # Set when the card is re-issued: from then on the card is revoked (services.issue_card).
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person", "-issued_at"]
        indexes = [
            models.Index(fields=["person", "-issued_at"]),
            # The online check of a version 1 payload (no serial) looks a card up by its code.
            models.Index(fields=["card_code"], name="cards_card_code_idx"),
            # The signed revocation list: replaced cards not yet expired.
            models.Index(
                fields=["valid_to"],
                condition=models.Q(replaced_at__isnull=False),
                name="cards_card_revoked_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.card_code

    @property
    def group(self) -> str:
        return self.card_code[:2]

    @property
    def benefit_level(self) -> int:
        return int(self.card_code[2])

    def clean(self) -> None:
        code = parse_card_code(self.card_code)
        if self.person_id and code.bhxh_code != self.person.bhxh_code:
            raise ValidationError({"card_code": "The card code must end with the BHXH code."})
        if self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "A card cannot end before it starts."})
