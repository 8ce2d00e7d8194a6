from django.urls import path

from . import cases, contributions, dossier_urls, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("correction-cases/", cases.case_list, name="cases"),
    path("correction-cases/<str:case_id>/", cases.case_detail, name="case"),
    path("contributions/reports/", contributions.reports, name="contribution_reports"),
    path(
        "contributions/reports/template.xlsx",
        contributions.report_template,
        {"kind": "xlsx"},
        name="contribution_report_template_xlsx",
    ),
    path(
        "contributions/reports/template.csv",
        contributions.report_template,
        {"kind": "csv"},
        name="contribution_report_template_csv",
    ),
    path("contributions/payments/", contributions.payments, name="contribution_payments"),
    path("contributions/statement/", contributions.statement, name="contribution_statement"),
    path(
        "contributions/statement/print/",
        contributions.statement_print,
        name="contribution_statement_print",
    ),
    path(
        "contributions/statement/download/<str:kind>/",
        contributions.statement_file,
        name="contribution_statement_file",
    ),
]

# Dossiers and API keys (issue 4).
urlpatterns += dossier_urls.urlpatterns
