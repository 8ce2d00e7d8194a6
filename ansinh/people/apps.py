from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ansinh.people"
    label = "people"
    verbose_name = "Registry"
