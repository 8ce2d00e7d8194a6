from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Card


@admin.register(Card)
class CardAdmin(admin.ModelAdmin[Card]):
    """Read-only: cards are issued through ``cards.services.issue_card`` (history kept)."""

    list_display = ["card_code", "person", "facility", "valid_from", "valid_to", "replaced_at"]
    search_fields = ["card_code"]
    raw_id_fields = ["person"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
