"""The portal's dossier, notification, registration and "this wasn't me" pages, appended
to ``portal.urls`` (namespace ``portal``)."""

from django.urls import path

from . import dossiers, email_dispute, notifications, registration

urlpatterns = [
    path("ca-nhan/ho-so/", dossiers.my_dossiers, name="dossiers"),
    path("ca-nhan/ho-so/moi/", dossiers.new_dossier, name="dossier_new"),
    path("ca-nhan/ho-so/<str:dossier_id>/", dossiers.my_dossier, name="dossier"),
    path("ca-nhan/ho-so/<str:dossier_id>/rut/", dossiers.withdraw, name="dossier_withdraw"),
    path("ca-nhan/ho-so/<str:dossier_id>/xac-nhan/", dossiers.confirm, name="dossier_confirm"),
    path(
        "ca-nhan/ho-so/<str:dossier_id>/tai-lieu/<str:attachment_id>/",
        dossiers.attachment,
        name="dossier_attachment",
    ),
    path("ca-nhan/xac-nhan-email/", dossiers.confirm_email, name="email_confirm"),
    path("ca-nhan/thong-bao/", notifications.notifications, name="notifications"),
    path("ca-nhan/ai-da-xem/", notifications.access_log, name="access_log"),
    path("dang-ky/", registration.register, name="register"),
    path("dang-ky/nhap-ma/", registration.register_code, name="register_code"),
    path("dang-ky/da-nop/", registration.register_done, name="register_done"),
    path(
        "khong-phai-toi/xac-nhan/",
        email_dispute.email_dispute_confirm,
        name="email_dispute_confirm",
    ),
    path("khong-phai-toi/<str:token>/", email_dispute.email_dispute, name="email_dispute"),
]
