from django.urls import path

from . import dossier_urls, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
]

# Dossiers and API keys (issue 4).
urlpatterns += dossier_urls.urlpatterns
