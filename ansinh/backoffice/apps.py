from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "ansinh.backoffice"
    label = "backoffice"
