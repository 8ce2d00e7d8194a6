from django.urls import path

from . import views

app_name = "devmailbox"
urlpatterns = [
    path("", views.mailbox, name="list"),
    path("<int:pk>/", views.message, name="message"),
]
