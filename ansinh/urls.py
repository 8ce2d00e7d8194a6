from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from ansinh.accounts.web import set_language
from ansinh.api.urls import api, api_view, not_found
from ansinh.ops import views as ops

handler500 = "ansinh.ops.views.server_error"

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("favicon.ico", ops.favicon, name="favicon"),
    # The hottest read first, straight to its API view: otherwise it is tried against every
    # pattern of the API before it (bench/RESULTS.md, issue 16). Same view, same route label.
    path("api/v1/me/participation", api_view("me/participation")),
    # The API first: every API request would otherwise be tried against each portal pattern.
    path("api/v1/", api.urls),
    re_path(r"^api/", not_found),
    path("app/", include("ansinh.app.urls")),
    path("", include("ansinh.portal.urls")),
    path("backoffice/", include("ansinh.backoffice.urls")),
    path("admin/", admin.site.urls),
    path("captcha/", include("ansinh.lib.captcha_urls")),
    # Django's language switch, which also keeps a signed-in user's choice on the account.
    path("i18n/setlang/", set_language, name="set_language"),
]

if settings.DEV_MAILBOX:
    # Embedded profile only: every email the system "sent", readable in the browser.
    urlpatterns.append(path("dev/mailbox/", include("ansinh.notifications.urls")))
