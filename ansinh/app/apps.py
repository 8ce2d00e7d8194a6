from django.apps import AppConfig


class CitizenAppConfig(AppConfig):
    """The installable citizen app at ``/app/`` (docs/app.md): an adapter like the portal,
    whose only server side is the files that start it; everything else is ``/api/v1``."""

    name = "ansinh.app"
    label = "citizen_app"
