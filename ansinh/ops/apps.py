from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operator commands: ``ansinh run``, ``ansinh serve``, ``ansinh worker``."""

    name = "ansinh.ops"
    label = "ops"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers system checks
