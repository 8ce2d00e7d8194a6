from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ansinh.notifications"
    label = "notifications"
