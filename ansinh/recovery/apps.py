from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "ansinh.recovery"
    label = "recovery"
