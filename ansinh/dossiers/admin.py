"""Read-only views of dossiers for administrators: decisions happen in the back office
(four eyes, audit), never by editing rows here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Attachment, Dossier, DossierEvent, EmailChange, FieldDecision, RequestedChange


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChangeInline(admin.TabularInline):
    model = RequestedChange
    extra = 0
    can_delete = False
    readonly_fields = ["field", "old_value", "new_value", "status"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "status", "actor", "actor_label", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnly):
    list_display = ["public_id", "form", "status", "office", "submitted_at", "due_date"]
    list_filter = ["form", "status", "office"]
    search_fields = ["public_id", "person__bhxh_code"]
    inlines = [ChangeInline, EventInline]
    exclude = ["person"]
    readonly_fields = ["public_id", "form", "status", "office", "submitted_at", "due_date"]


admin.site.register(
    FieldDecision, ReadOnly, list_display=["change", "decision", "decided_by", "decided_at"]
)
admin.site.register(
    EmailChange,
    ReadOnly,
    list_display=["public_id", "dossier", "status", "created_at"],
    exclude=["code_salt", "code_digest"],
)
admin.site.register(
    Attachment,
    ReadOnly,
    list_display=["public_id", "dossier", "registration", "kind", "content_type", "size"],
    exclude=["file"],
)
