from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .models import User


def _login_through_backoffice(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    # One login for staff, with throttling and audit: the back office's.
    return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))


admin.site.login = _login_through_backoffice  # type: ignore[method-assign]
admin.site.site_header = "An Sinh — reference data"


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    """Staff see accounts but never passwords; passwords change only through the services."""

    list_display = ["username", "role", "office", "is_active", "last_login", "failed_logins"]
    list_filter = ["role", "is_active"]
    search_fields = ["username"]
    fields = [
        "username",
        "role",
        "office",
        "full_name",
        "email",
        "is_active",
        "password_change_required",
        "failed_logins",
        "last_login",
    ]
    readonly_fields = ["username", "failed_logins", "last_login", "password_change_required"]
