from django.urls import path

from . import calculators, cases, certificates, dossier_urls, participation, public, recovery, views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("dang-nhap/", views.login, name="login"),
    path("dang-xuat/", views.logout, name="logout"),
    path("ca-nhan/", views.home, name="home"),
    path("ca-nhan/doi-mat-khau/", views.password_change, name="password_change"),
    path("ca-nhan/qua-trinh-tham-gia/", participation.history, name="participation"),
    path(
        "ca-nhan/qua-trinh-tham-gia/<slug:scheme>/",
        participation.history,
        name="participation_scheme",
    ),
    # Correction cases of a contribution period (issue 15 §2).
    path("ca-nhan/dieu-chinh/", cases.my_cases, name="cases"),
    path("ca-nhan/dieu-chinh/moi/", cases.new_case, name="case_new"),
    path("ca-nhan/dieu-chinh/<str:case_id>/", cases.my_case, name="case"),
    path("ca-nhan/the-bhyt/", participation.card, name="card"),
    path("ca-nhan/the-bhyt/ma-qr/", participation.card_qr, name="card_qr"),
    path("quen-mat-khau/", recovery.start, name="recovery"),
    path("quen-mat-khau/nhap-ma/", recovery.code, name="recovery_code"),
    path("quen-mat-khau/hoan-tat/", recovery.done, name="recovery_done"),
    path("quen-mat-khau/mau-02-sd-gd/", recovery.paper_form, name="recovery_paper_form"),
    # The home page's public tasks (issue 12 §2).
    path("khong-co-email/", public.no_email, name="no_email"),
    path("tra-cuu-the-bhyt/", public.card_check, name="card_check"),
    path("co-quan-bhxh/", public.offices, name="offices"),
    path("ung-dung/", public.get_app, name="get_app"),
    # Proof and planning for the citizen (issue 15 §3).
    path("may-tinh-bhxh/", calculators.calculators_page, name="calculators"),
    path("kiem-tra-giay-chung-nhan/", certificates.certificate_check, name="certificate_check"),
    path("ca-nhan/giay-chung-nhan/", certificates.certificate_list, name="certificates"),
    path("ca-nhan/giay-chung-nhan/<str:cert_id>/", certificates.certificate, name="certificate"),
    path(
        "ca-nhan/giay-chung-nhan/<str:cert_id>/tai-ve/",
        certificates.certificate_file,
        name="certificate_file",
    ),
    path(
        "ca-nhan/giay-chung-nhan/<str:cert_id>/thu-hoi/",
        certificates.certificate_revoke,
        name="certificate_revoke",
    ),
]

# Dossiers, email confirmation, notices, access log, registration (issue 4).
urlpatterns += dossier_urls.urlpatterns
