from django.contrib import admin

from .models import (
    CollectionOrganisation,
    Employment,
    HealthFacility,
    Office,
    Participation,
    Person,
    PersonChange,
    Unit,
)

admin.site.register(Office)
admin.site.register(Unit, list_display=["code", "name", "office"], search_fields=["code", "name"])
admin.site.register(CollectionOrganisation, list_display=["code", "name", "office"])
admin.site.register(HealthFacility, list_display=["code", "name", "province_code"])


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    """Read-only: personal data changes only through dossiers (DESIGN §3.4)."""

    list_display = ["bhxh_code", "full_name", "date_of_birth", "province_code"]
    search_fields = ["bhxh_code", "full_name"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PersonChange)
class PersonChangeAdmin(admin.ModelAdmin[PersonChange]):
    list_display = ["changed_at", "person", "field", "dossier_ref", "changed_by"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin[Employment]):
    """Kept current by the employers' reports; editable here for corrections by an admin."""

    list_display = ["person", "unit", "start_month", "end_month"]
    search_fields = ["person__bhxh_code", "unit__code"]
    raw_id_fields = ["person"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin[Participation]):
    list_display = ["person", "organisation", "start_month", "end_month"]
    search_fields = ["person__bhxh_code", "organisation__code"]
    raw_id_fields = ["person"]
