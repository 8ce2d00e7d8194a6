from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ansinh.lib.actor import Actor, Channel

from .models import User
from .services import end_sessions_by_admin


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
    actions = ["end_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A citizen's account comes from an approved registration (accounts/creation.py), a
        # staff account from the operator's commands; never from this form.
        return False

    @admin.action(description=_("End every session and app token of the selected accounts"))
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # "Select all N" across pages makes this "end everybody's sessions".
        admin_user = request.user
        if not isinstance(admin_user, User):  # the admin site lets only signed-in staff here
            raise PermissionDenied
        actor = Actor.from_request(request, Channel.BACKOFFICE, user=admin_user)
        accounts = list(queryset)
        for user in accounts:
            end_sessions_by_admin(user=user, actor=actor)
        self.message_user(
            request,
            ngettext(
                "Every session of %(count)d account was ended.",
                "Every session of %(count)d accounts was ended.",
                len(accounts),
            )
            % {"count": len(accounts)},
            messages.SUCCESS,
        )
