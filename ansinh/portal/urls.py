from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("dang-nhap/", views.login, name="login"),
    path("dang-xuat/", views.logout, name="logout"),
    path("ca-nhan/", views.home, name="home"),
    path("ca-nhan/doi-mat-khau/", views.password_change, name="password_change"),
]
